// Experiment config, version 1: the schema every entry point (CLI, IPC, WebSocket) validates against.
// Imports nothing from node, electron or the DOM.
import { z } from 'zod';
import { ValidationError } from './errors';
import { objectiveClass, objectiveSchema } from './objective';

export const DATASETS = ['synthetic-mnist', 'synthetic-cifar', 'mnist', 'fashion-mnist', 'cifar10'] as const;
export const ARCHS = ['lenet-300-100', 'conv-2', 'conv-4', 'conv-6', 'conv-8'] as const;
export const METHOD_KINDS = ['dense', 'imp', 'one-shot', 'prune-at-init', 'supermask', 'random-features'] as const;
/** Controls that make a pruning result mean something; each runs as its own run beside the ticket. */
export const CONTROL_KINDS = ['reinit', 'random-prune', 'shuffle'] as const;
export type ControlKind = (typeof CONTROL_KINDS)[number];
/** What a run is: a method's own run, one of its controls, or a network imported from a snapshot file. */
export type RunKind = MethodKind | ControlKind | 'imported';

export type DatasetName = (typeof DATASETS)[number];
export type ArchName = (typeof ARCHS)[number];

const positiveInt = z.number().int().positive();

export const optimizerSchema = z
  .object({
    name: z.enum(['adam', 'sgd']),
    // Up to 1000: supermask training with Bernoulli masks uses learning rates like 100 (Zhou et al. 2019).
    lr: z.number().positive().max(1000),
    momentum: z.number().min(0).max(1).optional(),
    weightDecay: z.number().min(0).optional(),
    schedule: z.enum(['constant', 'cosine']).optional(),
  })
  .strict();

export const denseMethodSchema = z.object({ kind: z.literal('dense') }).strict();

/** Fraction of the remaining weights removed per round; strictly between 0 and 1. */
const rate = z.number().gt(0).lt(1);
const controlsSchema = z.array(z.enum(CONTROL_KINDS)).max(CONTROL_KINDS.length).default([]);
const rankingSchema = z.enum(['layerwise', 'global']).default('layerwise');
/** Rewind to the weights at this iteration of the dense training (0 = the original init, as in Frankle & Carbin). */
const rewindSchema = z.number().int().min(0).default(0);

/** Frankle & Carbin's per-round IMP rates by layer role (Conv-2, Conv-4 and LeNet; their Conv-6 pruned conv at 15%). */
export const DEFAULT_IMP_RATES = { conv: 0.1, fc: 0.2, output: 0.1 } as const;

export const impMethodSchema = z
  .object({
    kind: z.literal('imp'),
    /** Pruning rounds after the dense round 0. */
    rounds: z.number().int().min(1).max(40),
    /**
     * Per-round pruning rates by layer role, each defaulting to Frankle & Carbin's (Table 1): conv 10% (their Conv-6
     * used 15%: set it), hidden fc 20%, output 10%. A rate for a role the architecture lacks (conv in LeNet) is unused.
     */
    rates: z
      .object({ conv: rate.default(DEFAULT_IMP_RATES.conv), fc: rate.default(DEFAULT_IMP_RATES.fc), output: rate.default(DEFAULT_IMP_RATES.output) })
      .strict()
      .default(() => ({ ...DEFAULT_IMP_RATES })),
    ranking: rankingSchema,
    /** With global ranking: fraction of the remaining conv and hidden fc weights removed per round (default rates.fc). */
    globalRate: rate.optional(),
    rewindIteration: rewindSchema,
    controls: controlsSchema,
    /**
     * The rounds the controls train, strictly increasing in 1 .. rounds (default: every round). No default is filled
     * in, so a config without it keeps its experiment id.
     */
    controlRounds: z.array(z.number().int().min(1)).min(1, { message: 'must list at least one round: leave controlRounds out for every round' }).max(40).optional(),
  })
  .strict();

export const oneShotMethodSchema = z
  .object({
    kind: z.literal('one-shot'),
    /** Fraction of prunable weights kept after the single pruning step. */
    density: z.number().gt(0).lt(1),
    ranking: rankingSchema,
    rewindIteration: rewindSchema,
    controls: controlsSchema,
  })
  .strict();

/** Scores for pruning at initialisation (docs/methods.md). */
export const PRUNE_AT_INIT_CRITERIA = ['magnitude', 'snip', 'grasp', 'synflow', 'random'] as const;
export type PruneAtInitCriterion = (typeof PRUNE_AT_INIT_CRITERIA)[number];

export const pruneAtInitMethodSchema = z
  .object({
    kind: z.literal('prune-at-init'),
    /** Fraction of prunable weights KEPT. */
    density: z.number().gt(0).lt(1),
    criterion: z.enum(PRUNE_AT_INIT_CRITERIA),
    /** Global (all layers ranked together, as in the SNIP, GraSP and SynFlow papers; the default) or per layer. */
    ranking: z.enum(['layerwise', 'global']).default('global'),
    /** snip, grasp: batches of training data the scores are averaged over (default 1). */
    scoreBatches: z.number().int().min(1).max(1000).optional(),
    /** snip, grasp: examples per scoring batch (default: batchSize). */
    scoreBatchSize: positiveInt.max(4096).optional(),
    /** grasp: the logits are divided by this temperature (default 200, as in Wang et al.'s code). */
    temperature: z.number().positive().max(1e6).optional(),
    /** synflow: pruning iterations with an exponential density schedule (default 100, as in Tanaka et al.). */
    iterations: z.number().int().min(1).max(1000).optional(),
    controls: controlsSchema,
  })
  .strict();

export const SUPERMASK_ALGORITHMS = ['edge-popup', 'bernoulli'] as const;
/**
 * Weight inits for supermasks. `signed-constant` is the algorithm's own paper's: edge-popup the signed Kaiming
 * constant ±sqrt(2 / fan_in) (Ramanujan et al.), bernoulli the signed Glorot constant sign(w) · std(w) of a Glorot
 * draw (Zhou et al.); the explicit `signed-kaiming-constant` and `signed-glorot-constant` swap them.
 */
export const SUPERMASK_WEIGHT_INITS = ['signed-constant', 'signed-kaiming-constant', 'signed-glorot-constant', 'kaiming-normal', 'glorot-normal'] as const;

export const supermaskMethodSchema = z
  .object({
    kind: z.literal('supermask'),
    algorithm: z.enum(SUPERMASK_ALGORITHMS),
    /** edge-popup: fraction of each layer's weights KEPT (Ramanujan et al.'s k). Required for edge-popup only. */
    density: z.number().gt(0).lt(1).optional(),
    weightInit: z.enum(SUPERMASK_WEIGHT_INITS).default('signed-constant'),
    /**
     * Scale each layer's masked weights by n / (the mask's sum), as in Zhou et al. (2019); bernoulli differentiates
     * through the scale, as their code does.
     */
    dynamicWeightRescaling: z.boolean().default(false),
    /** bernoulli: initial score of every weight (default 0: keep probability sigmoid(0) = 0.5, as in Zhou et al.). */
    scoreInit: z.number().min(-20).max(20).optional(),
    /**
     * bernoulli: Zhou et al.'s `round_mask`: at each training step a random half of the weights use the rounded mask
     * [score > 0] and the other half the probability sigmoid(score) itself (the gradient flows through that half
     * only); evaluation uses the rounded mask. Default false: a Bernoulli sample at every step.
     */
    roundMask: z.boolean().optional(),
    /** bernoulli: masks at evaluation: a fresh sample per evaluation (default, as Zhou et al.) or [score > 0]. */
    evalMask: z.enum(['sampled', 'rounded']).optional(),
    /**
     * What the scores are trained for (shared/objective.ts): the full classification loss (default), or
     * { kind: 'one-vs-rest', class: 'dog' }, a class-specific supermask. No default is filled in, so a config without
     * it keeps its experiment id.
     */
    objective: objectiveSchema.optional(),
  })
  .strict();

/** Random features: the convolutional layers (LeNet: fc1) frozen at init, the rest trained. */
export const randomFeaturesMethodSchema = z.object({ kind: z.literal('random-features') }).strict();

export const methodSchema = z.discriminatedUnion('kind', [
  denseMethodSchema,
  impMethodSchema,
  oneShotMethodSchema,
  pruneAtInitMethodSchema,
  supermaskMethodSchema,
  randomFeaturesMethodSchema,
]);
export type ImpMethod = z.infer<typeof impMethodSchema>;
export type OneShotMethod = z.infer<typeof oneShotMethodSchema>;
export type PruneAtInitMethod = z.infer<typeof pruneAtInitMethodSchema>;
export type SupermaskMethod = z.infer<typeof supermaskMethodSchema>;

/** Problems of a method that its schema alone cannot see: options that do not apply to the chosen variant. */
function methodIssues(m: z.infer<typeof methodSchema>): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  if (m.kind === 'prune-at-init') {
    const only: [keyof PruneAtInitMethod, readonly PruneAtInitCriterion[]][] = [
      ['scoreBatches', ['snip', 'grasp']],
      ['scoreBatchSize', ['snip', 'grasp']],
      ['temperature', ['grasp']],
      ['iterations', ['synflow']],
    ];
    for (const [key, criteria] of only) {
      if (m[key] !== undefined && !criteria.includes(m.criterion)) {
        out.push({ path: key, message: `applies to criterion ${criteria.join(' or ')} only, not ${m.criterion}` });
      }
    }
  }
  if (m.kind === 'imp' && m.controlRounds !== undefined) {
    const rounds = m.controlRounds;
    const past = rounds.find((r) => r > m.rounds);
    const unordered = rounds.findIndex((r, i) => i > 0 && r <= rounds[i - 1]!);
    if (!m.controls.length) out.push({ path: 'controlRounds', message: 'applies only with controls: add controls or leave controlRounds out' });
    else if (past !== undefined) out.push({ path: 'controlRounds', message: `round ${past} is past the last round (rounds is ${m.rounds})` });
    else if (unordered > 0) {
      out.push({ path: 'controlRounds', message: `must be strictly increasing, each round once (${rounds[unordered - 1]} then ${rounds[unordered]})` });
    }
  }
  if (m.kind === 'supermask') {
    if (m.algorithm === 'edge-popup' && m.density === undefined) {
      out.push({ path: 'density', message: 'edge-popup needs density: the fraction of each layer\'s weights kept (e.g. 0.5)' });
    }
    if (m.algorithm === 'bernoulli' && m.density !== undefined) {
      out.push({ path: 'density', message: 'applies to edge-popup only: Bernoulli supermasks find their own density' });
    }
    for (const key of ['scoreInit', 'roundMask', 'evalMask'] as const) {
      if (m[key] !== undefined && m.algorithm !== 'bernoulli') out.push({ path: key, message: 'applies to algorithm bernoulli only' });
    }
    if (m.roundMask === true && m.evalMask === 'sampled') {
      out.push({ path: 'evalMask', message: 'roundMask evaluates the rounded mask, as Zhou et al.\'s round_mask does: leave evalMask out or set it to rounded' });
    }
  }
  return out;
}

/**
 * Data augmentation of the TRAINING batches only (validation and test are never augmented), drawn from the run
 * seed's stream for each step. Ramanujan et al. (2020) train CIFAR-10 with { randomCrop: 4, horizontalFlip: true }.
 */
export const augmentationSchema = z
  .object({
    /** Pad every side by this many pixels (black, i.e. raw value 0, as torchvision pads) and crop back to size at a random offset. */
    randomCrop: z.number().int().min(1).max(16).optional(),
    /** Mirror each image left-right with probability 1/2. */
    horizontalFlip: z.boolean().optional(),
  })
  .strict()
  .refine((a) => a.randomCrop !== undefined || a.horizontalFlip === true, {
    message: 'does nothing: set randomCrop and/or horizontalFlip: true, or leave augmentation out',
  });
export type Augmentation = z.infer<typeof augmentationSchema>;

const dropoutRate = z.number().gt(0).lt(1);
/**
 * Dropout (inverted: kept units scaled by 1 / (1 - rate)) in training only, on the hidden activations that feed each
 * layer of a role: `fc` on the inputs of the fully connected layers (conv nets: the flattened feature map and the
 * hidden fc outputs; LeNet: the hidden layers' outputs), `conv` on the inputs of the conv layers after the first.
 * The data itself is never dropped. Masks come from the run seed's stream for each step.
 */
export const dropoutSchema = z
  .object({ conv: dropoutRate.optional(), fc: dropoutRate.optional() })
  .strict()
  .refine((d) => d.conv !== undefined || d.fc !== undefined, { message: 'does nothing: set conv and/or fc, or leave dropout out' });
export type Dropout = z.infer<typeof dropoutSchema>;

export const experimentConfigSchema = z
  .object({
    version: z.literal(1),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    dataset: z.enum(DATASETS),
    arch: z.enum(ARCHS),
    optimizer: optimizerSchema,
    batchSize: positiveInt.max(4096),
    iterations: positiveInt.max(10_000_000),
    evalEvery: positiveInt,
    /**
     * Stop a round once the validation loss has not improved for this many iterations (checked at evaluations), instead
     * of training to `iterations`. Off by default, as in Frankle & Carbin (2019), who train every round to the end:
     * with it on, a round's weights (and so the next IMP round's mask) are those at the stopping iteration.
     */
    earlyStopPatience: positiveInt.optional(),
    /** Examples held out of the training set; early stopping selects on their loss, so at least 1 (never the test set). */
    validation: z.number().int().min(1, { message: 'must be at least 1: early stopping selects on the validation loss, and selecting on the test set would bias the test accuracy' }),
    seeds: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(64),
    method: methodSchema,
    augmentation: augmentationSchema.optional(),
    dropout: dropoutSchema.optional(),
    /** Size of generated data sets (synthetic-* only). */
    synthetic: z
      .object({ train: positiveInt.max(200_000), test: positiveInt.max(100_000) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.evalEvery > c.iterations) {
      ctx.addIssue({ code: 'custom', path: ['evalEvery'], message: `must be at most iterations (${c.iterations})` });
    }
    if (c.earlyStopPatience !== undefined && c.earlyStopPatience < c.evalEvery) {
      ctx.addIssue({ code: 'custom', path: ['earlyStopPatience'], message: `must be at least evalEvery (${c.evalEvery}): the validation loss is only checked at evaluations` });
    }
    if (new Set(c.seeds).size !== c.seeds.length) {
      ctx.addIssue({ code: 'custom', path: ['seeds'], message: 'must not repeat a seed' });
    }
    if ((c.method.kind === 'imp' || c.method.kind === 'one-shot') && c.method.rewindIteration >= c.iterations) {
      ctx.addIssue({ code: 'custom', path: ['method', 'rewindIteration'], message: `must be less than iterations (${c.iterations}): a rewound round trains iterations - rewindIteration steps` });
    }
    if ('controls' in c.method && new Set(c.method.controls).size !== c.method.controls.length) {
      ctx.addIssue({ code: 'custom', path: ['method', 'controls'], message: 'must not repeat a control' });
    }
    for (const issue of methodIssues(c.method)) {
      ctx.addIssue({ code: 'custom', path: ['method', issue.path], message: issue.message });
    }
    if (c.method.kind === 'supermask' && c.method.objective?.kind === 'one-vs-rest') {
      const r = objectiveClass(c.dataset, c.method.objective.class);
      if ('problem' in r) ctx.addIssue({ code: 'custom', path: ['method', 'objective', 'class'], message: r.problem });
    }
    if (c.synthetic && c.validation >= c.synthetic.train) {
      ctx.addIssue({ code: 'custom', path: ['validation'], message: `must be smaller than synthetic.train (${c.synthetic.train})` });
    }
  });

export type ExperimentConfig = z.infer<typeof experimentConfigSchema>;
export type MethodConfig = z.infer<typeof methodSchema>;
export type MethodKind = MethodConfig['kind'];

/**
 * The rounds a method's controls train, in order: IMP its `controlRounds` or every round 1 .. rounds, one-shot its
 * pruned round 1, pruning at init round 0 (the ticket's only round); none for methods without controls.
 */
export function controlRoundsOf(m: MethodConfig): number[] {
  switch (m.kind) {
    case 'imp':
      return m.controlRounds ? [...m.controlRounds] : Array.from({ length: m.rounds }, (_, i) => i + 1);
    case 'one-shot':
      return [1];
    case 'prune-at-init':
      return [0];
    default:
      return [];
  }
}

/** One line describing the first problem of a failed parse, e.g. `optimizer.lr: Too small: expected number to be >0`. */
export function describeZodError(prefix: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}: invalid`;
  const path = issue.path.map(String).join('.');
  const where = path ? `${prefix}.${path}` : prefix;
  return `${where}: ${issue.message.replace(/\s+/g, ' ')}`;
}

export function parseExperimentConfig(value: unknown, prefix = 'config'): ExperimentConfig {
  const r = experimentConfigSchema.safeParse(value);
  if (!r.success) throw new ValidationError(describeZodError(prefix, r.error));
  return r.data;
}

/** JSON with object keys sorted, so equal configs serialise identically (the experiment id hashes this). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The part of a config that defines the experiment: everything but its human-facing name and description. */
export function identityOfConfig(c: ExperimentConfig): string {
  const { name: _name, description: _description, ...rest } = c;
  // controlRounds listing every round is the default: the same experiment as leaving it out.
  if (rest.method.kind === 'imp' && rest.method.controlRounds?.length === rest.method.rounds && rest.method.controlRounds.every((r, i) => r === i + 1)) {
    const { controlRounds: _all, ...method } = rest.method;
    return canonicalJson({ ...rest, method });
  }
  return canonicalJson(rest);
}

/**
 * Apply `--set path=value` overrides to a plain object (deep-cloned first). The value is parsed as JSON when it is
 * valid JSON (`2000`, `[0,1]`, `"adam"`, `{"kind":"dense"}`), else taken as a string (`adam`).
 */
export function applyOverrides(base: unknown, sets: readonly string[]): unknown {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new ValidationError(`--set ${s}: expected path=value`);
    const path = s.slice(0, eq).split('.');
    if (path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      throw new ValidationError(`--set ${s}: invalid path`);
    }
    const raw = s.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    let cur: Record<string, unknown> = out;
    for (const key of path.slice(0, -1)) {
      const next = cur[key];
      if (next === undefined) cur[key] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw new ValidationError(`--set ${s}: ${key} is not an object`);
      }
      cur = cur[key] as Record<string, unknown>;
    }
    cur[path[path.length - 1]!] = value;
  }
  return out;
}

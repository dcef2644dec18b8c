// One round of a lottery-ticket experiment: build the net, set its starting weights and its mask, train, and return
// the round's result with the states the store keeps. The core chains rounds (and controls) into experiments, so a
// round is also the unit of resumption: everything it needs arrives in its spec.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../shared/config';
import type { RoundResult, Normalisation } from '../../shared/contract';
import { ValidationError } from '../../shared/errors';
import { objectiveClass, type ObjectiveConfig } from '../../shared/objective';
import type { NetState } from '../../shared/tensors';
import { ensureBackend } from './backend';
import { loadDataset } from './data/index';
import type { InitKind } from './init';
import { buildNet } from './nets/factory';
import type { MaskedLayer } from './nets/masked';
import { pruneAtInitMasks, type AtInitSpec } from './pai';
import { density, emptyLayers, magnitudePrune, randomPruneTo, shuffleMasks, type PruneRates } from './prune';
import { deriveSeed, streamRng } from './rng';
import { captureState } from './state';
import { oneVsRestObjective, positiveWeightOf } from './one-vs-rest';
import { Supermask, type SupermaskSpec } from './supermask';
import { trainRound, type TrainRoundOptions } from './train';
import type { TrainCallbacks } from './types';

export type WeightsSpec =
  /**
   * Fresh weights from the run seed: `init` is the run's own init, `reinit` an independent draw (the control);
   * `init` names the distribution (default Gaussian Glorot).
   */
  | { kind: 'seed'; stream: 'init' | 'reinit'; init?: InitKind }
  /** Given weights (and biases), e.g. the rewind point; their masks are ignored. */
  | { kind: 'state'; state: NetState };

export type MaskSpec =
  | { kind: 'ones' }
  | { kind: 'given'; masks: Uint8Array[] }
  /** Magnitude pruning of `from` (trained weights and their mask) at per-round rates. */
  | { kind: 'magnitude'; from: NetState; rates: PruneRates; ranking: 'layerwise' | 'global'; globalRate?: number }
  /** One-shot magnitude pruning of `from` to a target density (every layer at that density, or ranked globally). */
  | { kind: 'one-shot'; from: NetState; density: number; ranking: 'layerwise' | 'global' }
  /** Random pruning: remove weights at random from `from` until each layer keeps `keep[i]`. */
  | { kind: 'random-prune'; from: Uint8Array[]; keep: number[]; stream: string }
  /** Layerwise shuffle of `of`. */
  | { kind: 'shuffle'; of: Uint8Array[]; stream: string }
  /** Pruning at initialisation of the freshly built net (pai.ts): scored on the net itself (and training data). */
  | ({ kind: 'at-init' } & AtInitSpec);

/** What a round trains: all weights and biases (default), or only part of the net. */
export type TrainingSpec =
  /**
   * Frozen weights, trained supermask scores (supermask.ts); the mask stored is the final one. `objective` (default:
   * the full classification loss) may make it class-specific (one-vs-rest.ts).
   */
  | ({ kind: 'supermask'; objective?: ObjectiveConfig } & SupermaskSpec)
  /** The feature extractor frozen at init (conv layers; LeNet-300-100: fc1), the rest trained. */
  | { kind: 'random-features' };

export interface RoundSpec {
  round: number;
  weights: WeightsSpec;
  mask: MaskSpec;
  /** Capture the weights after this many steps (the rewind point of IMP with rewinding). */
  captureAt?: number;
  /**
   * Start a fresh optimizer after this many steps (round 0 of IMP with rewinding to k: open_lth pretrains to k, then
   * trains its level 0 from k with a new optimizer).
   */
  restartOptimizerAt?: number;
  /**
   * Resume the training schedule at this step (a round rewound to iteration k): the round trains steps k+1 .. T with
   * a fresh optimizer, the learning-rate schedule and the batch order taken up at step k (open_lth's start_step).
   */
  startIteration?: number;
  training?: TrainingSpec;
}

export interface RoundOutput {
  result: RoundResult;
  normalisation: Normalisation;
  states: { init: NetState; trained: NetState; rewind?: NetState };
  warnings: string[];
}

/** Computes the round's masks from the spec; pure but for the rng streams named in the spec. */
export function resolveMasks(spec: MaskSpec, seed: number): Uint8Array[] | null {
  switch (spec.kind) {
    case 'ones':
      return null;
    case 'given':
      return spec.masks.map((m) => Uint8Array.from(m));
    case 'magnitude':
      return magnitudePrune(spec.from.layers, spec.rates, spec.ranking, spec.globalRate ?? spec.rates.fc);
    case 'one-shot': {
      const r = 1 - spec.density;
      return magnitudePrune(spec.from.layers, { conv: r, fc: r, output: r }, spec.ranking, r);
    }
    case 'random-prune': {
      const rng = streamRng(seed, spec.stream);
      return spec.from.map((m, i) => randomPruneTo(m, spec.keep[i]!, rng));
    }
    case 'shuffle':
      return shuffleMasks(spec.of, streamRng(seed, spec.stream));
    case 'at-init':
      throw new Error('pruning at initialisation scores the net itself: runRound resolves it');
  }
}

/**
 * The layers random features freeze: every conv layer (Jarrett et al. 2009: random filters, trained classifier);
 * a net without conv layers (LeNet-300-100) freezes its first layer, a random ReLU feature map of the input.
 */
export function randomFeatureLayers(layers: readonly Pick<MaskedLayer, 'kind'>[]): boolean[] {
  const anyConv = layers.some((l) => l.kind === 'conv');
  return layers.map((l, i) => (anyConv ? l.kind === 'conv' : i === 0));
}

const withMasks = (state: NetState, masks: readonly Uint8Array[]): NetState => ({
  ...state,
  layers: state.layers.map((l, i) => ({ ...l, mask: Uint8Array.from(masks[i]!) })),
});

const emptyWarnings = (round: number, state: NetState): string[] =>
  emptyLayers(state.layers.map((l) => l.name), state.layers.map((l) => l.mask)).map(
    (name) => `round ${round}: layer ${name} is pruned to nothing (0 weights remaining)`,
  );

/**
 * The trainer's objective for a supermask's `objective` (undefined: the full classification loss). The positive
 * weight is computed once, over the round's training labels.
 */
export function objectiveOf(config: ExperimentConfig, o: ObjectiveConfig | undefined, trainLabels: ArrayLike<number>): TrainRoundOptions['objective'] {
  if (!o || o.kind === 'classification') return undefined;
  const r = objectiveClass(config.dataset, o.class);
  if ('problem' in r) throw new ValidationError(r.problem);
  const w = positiveWeightOf({ kind: 'one-vs-rest', class: r.index, ...(o.positiveWeight !== undefined ? { positiveWeight: o.positiveWeight } : {}) }, trainLabels);
  return oneVsRestObjective(r.index, w);
}

export async function runRound(
  config: ExperimentConfig,
  seed: number,
  spec: RoundSpec,
  callbacks: TrainCallbacks,
  opts: { dataDir?: string } = {},
): Promise<RoundOutput> {
  await ensureBackend();
  const data = loadDataset(config, opts);
  const netSeed = spec.weights.kind === 'seed' && spec.weights.stream === 'reinit' ? deriveSeed(seed, 'reinit') : seed;
  const init = spec.weights.kind === 'seed' ? spec.weights.init : undefined;
  const net = buildNet({ arch: config.arch, seed: netSeed, inputShape: data.inputShape, numClasses: data.numClasses, ...(init ? { init } : {}) });
  let supermask: Supermask | null = null;
  try {
    if (spec.weights.kind === 'state') {
      const given = spec.weights.state.layers;
      if (given.length !== net.layers.length) throw new Error(`starting state has ${given.length} layers, the net ${net.layers.length}`);
      net.layers.forEach((l, i) => {
        const g = given[i]!;
        if (g.weight.length !== l.weight.size) throw new Error(`starting state layer ${g.name} has ${g.weight.length} weights, the net ${l.weight.size}`);
        tf.tidy(() => {
          l.weight.assign(tf.tensor(g.weight, l.weight.shape) as typeof l.weight);
          l.bias.assign(tf.tensor(g.bias, l.bias.shape) as typeof l.bias);
        });
      });
    }
    const masks = spec.mask.kind === 'at-init' ? await pruneAtInitMasks(net, data, config, seed, spec.mask) : resolveMasks(spec.mask, seed);
    if (masks) for (const [i, l] of net.layers.entries()) await l.setMask(masks[i]!);
    const training = spec.training;
    const extra: Partial<TrainRoundOptions> = {};
    if (training?.kind === 'supermask') {
      const sm = new Supermask(net, training, seed);
      supermask = sm;
      extra.trainable = sm.scores;
      extra.decayed = () => sm.scores;
      extra.beforeStep = () => sm.prepareStep();
      extra.onEvaluate = (phase) => sm.onEvaluate(phase);
      const objective = objectiveOf(config, training.objective, data.train.y);
      if (objective) extra.objective = objective;
    } else if (training?.kind === 'random-features') {
      const frozen = randomFeatureLayers(net.layers);
      extra.trainable = net.layers.filter((_, i) => !frozen[i]).flatMap((l) => [l.weight as tf.Variable, l.bias as tf.Variable]);
    }
    const initState = supermask ? withMasks(await captureState(net), await supermask.initialMasks()) : await captureState(net);
    let rewind: NetState | undefined;
    const { result } = await trainRound({
      net,
      data,
      config,
      seed,
      round: spec.round,
      callbacks,
      ...(spec.startIteration ? { startIteration: spec.startIteration } : {}),
      ...(spec.restartOptimizerAt ? { restartOptimizerAt: spec.restartOptimizerAt } : {}),
      // A promise only at the capture step: the other steps return nothing and trainRound does not wait for them.
      onStep: spec.captureAt ? (it) => {
        if (it !== spec.captureAt) return undefined;
        return captureState(net).then((s) => {
          rewind = s;
        });
      } : undefined,
      ...extra,
    });
    let trained = await captureState(net);
    if (supermask) {
      // The stored mask is the one the final evaluation used; the stored weights are the untouched init weights.
      const final = supermask.lastEvalMasks;
      if (!final) throw new Error('supermask training ran no evaluation');
      trained = withMasks(trained, final);
      result.density = density(final);
    }
    return {
      result,
      normalisation: { ...data.normalisation },
      states: { init: initState, trained, ...(rewind ? { rewind } : {}) },
      // Supermasks choose their mask while training: their final mask is the one that may have emptied a layer.
      warnings: emptyWarnings(spec.round, supermask ? trained : initState),
    };
  } finally {
    supermask?.dispose();
    net.dispose();
  }
}

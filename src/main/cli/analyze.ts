// `ticketscope analyze overlap|selectivity|activations|subcircuit|multigraph|ablate|faithfulness|circuit ...` (visualize and instability: analyze-detector.ts): the analyses of stored states
// through the same contract methods the app uses (validated, cached in the database). With --json stdout carries the
// result object documented in docs/analysis.md; otherwise a readable summary (analyze-summary.ts). Progress goes to
// stderr.
import type { AnalysisProgress, StateInfo } from '../../shared/analysis';
import type { Api, Params } from '../../shared/contract';
import { ValidationError } from '../../shared/errors';
import { listDatasets } from '../core/datasets';
import { parseStateRef } from '../../shared/refs';
import { flag, int, num, text, type ParsedArgs } from './args';
import { executeCausal, planCausal, writeCausalFiles, type CausalOutcome, type CausalRequest } from './analyze-causal';
import { DETECTOR_KINDS, cmdAnalyzeDetector } from './analyze-detector';
import { summary, type Outcome } from './analyze-summary';
import { formatEta } from './format';
import { dataDirOf, withSession } from './session';

/** The class the user meant, as an index of `names`: a name (any case) or an index; without one, dog where there is one. */
export function resolveClass(given: string | undefined, names: readonly string[], dataset: string): number {
  const choices = names.map((n, i) => (n === String(i) ? n : `${i} ${n}`)).join(', ');
  if (given === undefined) {
    const dog = names.indexOf('dog');
    if (dog >= 0) return dog;
    throw new ValidationError(`${dataset} has no class "dog": give --class NAME or index (${choices})`);
  }
  const index = /^\d+$/.test(given) ? Number(given) : names.findIndex((n) => n.toLowerCase() === given.toLowerCase());
  if (index < 0 || index >= names.length) throw new ValidationError(`--class ${given}: ${dataset}'s classes are ${choices}`);
  return index;
}

/** The index of `--class` for the data set the states were trained on. */
async function classIndex(api: Api, args: ParsedArgs, firstState: string): Promise<number> {
  const run = await api.getRun({ runId: parseStateRef(firstState).runId });
  const dataset = run.config.dataset;
  const names = listDatasets(dataDirOf(args)).find((d) => d.name === dataset)?.classes;
  if (!names) throw new ValidationError(`run ${run.runId}: unknown data set ${dataset}`);
  return resolveClass(text(args, 'class'), names, dataset);
}

type Split = 'test' | 'validation';

/** A contract call of an analysis, typed by its method. */
type Request =
  | { method: 'analyzeOverlap'; params: Params<'analyzeOverlap'> }
  | { method: 'analyzeOverlapMatrix'; params: Params<'analyzeOverlapMatrix'> }
  | { method: 'analyzeSelectivity'; params: Params<'analyzeSelectivity'> }
  | { method: 'analyzeActivations'; params: Params<'analyzeActivations'> }
  | { method: 'analyzeSubcircuit'; params: Params<'analyzeSubcircuit'> }
  | { method: 'analyzeMultigraph'; params: Params<'analyzeMultigraph'> }
  | CausalRequest;

/** Drops the options that were not given, so the params carry only what the user chose. */
const given = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The states of `--rounds RUN` (every round's mask) or `--seeds EXPERIMENT` (each seed's mask at one round). */
async function matrixStates(api: Api, args: ParsedArgs): Promise<string[]> {
  const rounds = text(args, 'rounds');
  const seeds = text(args, 'seeds');
  let states: StateInfo[];
  if (rounds) states = (await api.listStates({ runId: rounds })).filter((s) => s.which === 'mask');
  else {
    const all = (await api.listStates({ experimentId: seeds! })).filter((s) => s.which === 'mask' && s.kind !== 'imported');
    const tickets = all.filter((s) => s.kind === all[0]?.kind);
    const last = Math.max(...tickets.map((s) => s.round));
    states = tickets.filter((s) => s.round === (int(args, 'round') ?? last));
  }
  if (states.length < 2) throw new ValidationError(`analyze overlap: ${rounds ? `run ${rounds}` : `experiment ${seeds}`} has ${states.length} mask(s); a matrix needs at least 2`);
  return states.map((s) => s.ref);
}

/**
 * The contract call for the command line. Bad usage throws a ValidationError at once, before any database is
 * opened; what needs the database (a run's states, its data set's classes) is read by the returned function.
 */
function plan(kind: string, args: ParsedArgs): (api: Api) => Promise<Request> {
  const pos = args.positional;
  const split = text(args, 'split') as Split | undefined;
  const causal = planCausal(kind, args, (api, first) => classIndex(api, args, first));
  if (causal) return causal;
  switch (kind) {
    case 'overlap': {
      if (args.values.has('rounds') || args.values.has('seeds')) {
        if (pos.length || (args.values.has('rounds') && args.values.has('seeds'))) throw new ValidationError('analyze overlap: give states, --rounds RUN or --seeds EXPERIMENT, not several');
        return async (api) => ({ method: 'analyzeOverlapMatrix', params: { states: await matrixStates(api, args) } });
      }
      if (args.values.has('round')) throw new ValidationError('analyze overlap: --round goes with --seeds EXPERIMENT');
      if (pos.length < 2) throw new ValidationError('analyze overlap needs two states A B (or more for a matrix, or --rounds RUN)');
      return async () => (pos.length === 2 ? { method: 'analyzeOverlap', params: { a: pos[0]!, b: pos[1]! } } : { method: 'analyzeOverlapMatrix', params: { states: pos } });
    }
    case 'selectivity':
      if (!pos.length) throw new ValidationError('analyze selectivity needs at least one STATE');
      return async (api) => ({
        method: 'analyzeSelectivity',
        params: given({
          states: pos,
          class: await classIndex(api, args, pos[0]!),
          permutations: int(args, 'permutations'),
          threshold: num(args, 'threshold'),
          split,
          limit: int(args, 'limit'),
          probe: flag(args, 'no-probe') ? false : undefined,
          seed: int(args, 'seed'),
        }),
      });
    case 'activations': {
      const layer = text(args, 'layer');
      const unit = int(args, 'unit');
      if (!pos.length) throw new ValidationError('analyze activations needs at least one STATE');
      if (layer === undefined || unit === undefined) throw new ValidationError('analyze activations needs --layer NAME and --unit N');
      return async (api) => ({
        method: 'analyzeActivations',
        params: given({
          states: pos,
          layer,
          unit,
          class: await classIndex(api, args, pos[0]!),
          images: int(args, 'images'),
          top: int(args, 'top'),
          split,
          gradcamLayer: text(args, 'gradcam-layer'),
        }),
      });
    }
    case 'subcircuit':
      if (pos.length !== 1) throw new ValidationError('analyze subcircuit needs exactly one STATE (and --compare STATE for a second)');
      return async (api) => ({
        method: 'analyzeSubcircuit',
        params: given({ state: pos[0]!, compare: text(args, 'compare'), class: await classIndex(api, args, pos[0]!), units: int(args, 'units'), edges: int(args, 'edges'), images: int(args, 'images'), split }),
      });
    case 'multigraph':
      if (pos.length) throw new ValidationError(`analyze multigraph takes no states (got ${pos[0]})`);
      return async () => ({
        method: 'analyzeMultigraph',
        params: given({
          target: text(args, 'target') as Params<'analyzeMultigraph'>['target'],
          variant: text(args, 'variant') as Params<'analyzeMultigraph'>['variant'],
          kMax: int(args, 'k-max'),
          k: int(args, 'k'),
          seed: int(args, 'seed'),
        }),
      });
    default:
      throw new ValidationError('analyze needs a kind: overlap, selectivity, activations, subcircuit, multigraph, ablate, faithfulness, circuit, visualize or instability (ticketscope analyze --help)');
  }
}

/** Runs the request through the typed client. */
async function execute(api: Api, q: Request): Promise<Outcome> {
  switch (q.method) {
    case 'analyzeOverlap':
      return { method: q.method, result: await api.analyzeOverlap(q.params) };
    case 'analyzeOverlapMatrix':
      return { method: q.method, result: await api.analyzeOverlapMatrix(q.params) };
    case 'analyzeSelectivity':
      return { method: q.method, result: await api.analyzeSelectivity(q.params) };
    case 'analyzeActivations':
      return { method: q.method, result: await api.analyzeActivations(q.params) };
    case 'analyzeSubcircuit':
      return { method: q.method, result: await api.analyzeSubcircuit(q.params) };
    case 'analyzeMultigraph':
      return { method: q.method, result: await api.analyzeMultigraph(q.params) };
    default:
      return executeCausal(api, q);
  }
}

/** Progress on stderr: a bar redrawn in place on a terminal, each new stage on its own line otherwise. */
function showProgress(p: AnalysisProgress, tty: boolean, last: { stage: string }): void {
  if (tty) {
    const w = 24;
    const filled = p.total ? Math.round((p.done / p.total) * w) : 0;
    process.stderr.write(`\r${p.stage.slice(0, 40).padEnd(40)} [${'#'.repeat(filled)}${'.'.repeat(w - filled)}] ${p.done}/${p.total} ETA ${formatEta(p.etaSeconds)}   `);
  } else if (p.stage !== last.stage) {
    last.stage = p.stage;
    process.stderr.write(`${p.stage}\n`);
  }
}

export async function cmdAnalyze(args: ParsedArgs): Promise<void> {
  if (DETECTOR_KINDS.includes(args.sub ?? '')) {
    const tty = process.stderr.isTTY === true;
    const last = { stage: '' };
    await cmdAnalyzeDetector(args, (p) => showProgress(p, tty, last));
    if (tty) process.stderr.write('\r\x1b[K');
    return;
  }
  const request = plan(args.sub ?? '', args);
  await withSession(args, async ({ api }) => {
    const q = await request(api);
    const tty = process.stderr.isTTY === true;
    const last = { stage: '' };
    const off = api.on('analysisProgress', (p) => showProgress(p, tty, last));
    try {
      const outcome = await execute(api, q);
      if (tty) process.stderr.write('\r\x1b[K');
      writeCausalFiles(args, outcome as CausalOutcome);
      process.stdout.write(args.global.json ? `${JSON.stringify(outcome.result)}\n` : `${summary(outcome)}\n`);
    } finally {
      off();
    }
  });
}

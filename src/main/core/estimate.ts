// How long an experiment takes to train here, estimated from benchmarked throughput, and whether its data set is
// installed: what the Runs view shows next to each preset (getInfo) and what `ticketscope presets` prints, from this one
// module. Per round: the training steps (iterations × batch ÷ training samples/s), the evaluations (each reads the
// validation and the test set: evaluations × images ÷ inference samples/s) and a fixed start-up (each round starts an
// engine worker, which loads its backend and data). The experiment's rounds spread over the core's workers (one per
// CPU core, each run single-threaded on wasm), but no faster than the longest chain of rounds that wait on each other
// (a ticket's rounds in order, its controls one round behind). An estimate: it leaves out each method's extra work
// per step (supermask scores, pruning-at-init scoring), and a busy or slower machine trains slower than the benchmark.
import type { ArchName, ExperimentConfig } from '../../shared/config';
import type { BackendChoice, BackendName, BackendReport, PresetEstimate, PresetSummary } from '../../shared/contract';
import { DEFAULT_SYNTHETIC_SIZES } from '../engine/data/index';
import { datasetStatus } from '../engine/data/folder';
import { REAL_DATASETS, isRealDataset } from '../engine/data/registry';
import { planRuns } from './planner';
import { packageInstalled } from './preflight';

export interface Throughput {
  /** Training samples/s of one run (the trainer's step at batch 60), and inference samples/s at batch 500. */
  train: number;
  infer: number;
}

/**
 * Benchmarked samples/s of one run per architecture: `npm run bench` on the 2-core development machine, wasm,
 * 2026-11-26 (docs/bench.md's table, measured while other jobs shared the machine, so on the slow side). No other
 * backend has figures; Conv-8 was not benchmarked.
 */
export const BENCHMARK = {
  backend: 'wasm' as BackendName,
  source: '`npm run bench` on a 2-core machine (docs/bench.md)',
  rates: {
    'lenet-300-100': { train: 3776, infer: 25764 },
    'conv-2': { train: 37.9, infer: 194 },
    'conv-4': { train: 21.5, infer: 108 },
    'conv-6': { train: 20.0, infer: 83 },
  } as Partial<Record<ArchName, Throughput>>,
};

/**
 * Seconds before an experiment's first step: a worker process, tfjs and its backend, the data set. Paid once: a worker
 * that finished a round takes the next (worker/host.ts). Measured on the 2-core machine: `run --preset quick --set
 * iterations=10 --set evalEvery=10` (one round, a fraction of a second of training) took 2.1-2.5 s from the command to
 * its result in three tries (2.7-2.9 s when every round started its own worker).
 */
export const STARTUP_SECONDS = 2.5;

/**
 * Seconds a round adds besides its steps and evaluations once a worker runs: its net built, its states sent back and
 * stored. Measured the same way: `quick-imp` with those settings (17 rounds, 8.5 in a row on two workers) took
 * 4.6-6.1 s in three tries, about 0.3 s per round more than one round.
 */
export const ROUND_SECONDS = 0.3;

/** Evaluations a round makes: every evalEvery iterations and at the last. */
export const evaluationsPerRound = (c: Pick<ExperimentConfig, 'iterations' | 'evalEvery'>): number => Math.ceil(c.iterations / c.evalEvery);

export interface Estimate {
  seconds: number;
  /** One round of one run. */
  roundSeconds: number;
  /** Rounds of every run of every seed, and how many run at once. */
  rounds: number;
  workers: number;
}

/** A planned run as the estimate needs it: how many rounds it trains, and whether it is a control. */
export interface RunRounds {
  rounds: number;
  isControl: boolean;
}

/** The planner's runs of a config, as the estimate needs them. */
export const runRoundsOf = (config: ExperimentConfig): RunRounds[] => planRuns(config).map((r) => ({ rounds: r.rounds.length, isControl: r.isControl }));

/**
 * The estimate for `config` whose runs per seed are `plan`, at `rates`, with `workers` runs at once and
 * `evalExamples` images read per evaluation (validation plus test).
 */
export function estimateExperiment(config: ExperimentConfig, plan: readonly RunRounds[], rates: Throughput, workers: number, evalExamples: number): Estimate {
  const roundSeconds = ROUND_SECONDS + (config.iterations * config.batchSize) / rates.train + (evaluationsPerRound(config) * evalExamples) / rates.infer;
  const perSeed = plan.reduce((a, r) => a + r.rounds, 0);
  const ticket = plan.find((r) => !r.isControl);
  // A control trains round r once its ticket has committed round r: controls finish one round after the ticket.
  const chain = (ticket?.rounds ?? 1) + (plan.some((r) => r.isControl && r.rounds > 0) ? 1 : 0);
  const rounds = perSeed * config.seeds.length;
  const w = Math.max(1, workers);
  return { seconds: STARTUP_SECONDS + roundSeconds * Math.max(chain, rounds / w), roundSeconds, rounds, workers: w };
}

/**
 * The backend the figures should be for: an explicit choice; else the one the last job ran on, when known; else what
 * auto picks here: no figures when a GPU backend (CUDA) is installed, wasm otherwise.
 */
export function estimateBackend(choice: BackendChoice, installed: (pkg: string) => boolean, last: BackendReport | null = null): { backend: BackendName | null; note: string } {
  if (choice !== 'auto') return { backend: choice, note: `--backend ${choice}` };
  if (last) return { backend: last.name, note: `auto, which ran ${last.name} here` };
  if (installed('@tensorflow/tfjs-node-gpu')) return { backend: null, note: 'auto (which picks CUDA here when a GPU works: no figures for it)' };
  return { backend: 'wasm', note: 'auto, which runs wasm on a machine without a GPU backend' };
}

/** Images one evaluation reads: the validation hold-out and the test set (installed, published or generated size). */
export function evalExamples(c: ExperimentConfig, dataDir: string): number {
  if (!isRealDataset(c.dataset)) return c.validation + (c.synthetic?.test ?? DEFAULT_SYNTHETIC_SIZES.test);
  return c.validation + (datasetStatus(dataDir, c.dataset).manifest?.counts.test ?? REAL_DATASETS[c.dataset].counts.test);
}

/** The data set a config trains on when it is a real one not (wholly) installed in `dataDir`, with how to install it. */
export function missingDataOf(c: Pick<ExperimentConfig, 'dataset'>, dataDir: string): { dataset: string; install: string } | null {
  if (!isRealDataset(c.dataset) || datasetStatus(dataDir, c.dataset).present) return null;
  return { dataset: c.dataset, install: `ticketscope data fetch ${c.dataset}` };
}

/** A config's estimate as the contract carries it (PresetEstimate). */
export function presetEstimate(config: ExperimentConfig, opts: { backend: BackendName | null; note: string; workers: number; dataDir: string }): PresetEstimate {
  const plan = runRoundsOf(config);
  const rates = opts.backend === BENCHMARK.backend ? BENCHMARK.rates[config.arch] : undefined;
  if (!rates) {
    const why = opts.backend === BENCHMARK.backend ? `no benchmark figures for ${config.arch}` : `no benchmark figures for ${opts.note}`;
    return { seconds: null, roundSeconds: null, rounds: plan.reduce((a, r) => a + r.rounds, 0) * config.seeds.length, workers: Math.max(1, opts.workers), basis: why };
  }
  const e = estimateExperiment(config, plan, rates, opts.workers, evalExamples(config, opts.dataDir));
  return { ...e, basis: `${opts.note}; samples/s from ${BENCHMARK.source}` };
}

/** The presets with their estimate here and the data set each needs when it is missing (getInfo). */
export function describePresets(
  presets: Iterable<PresetSummary>,
  opts: { choice: BackendChoice; last: BackendReport | null; workers: number; dataDir: string; installed?: (pkg: string) => boolean },
): PresetSummary[] {
  const { backend, note } = estimateBackend(opts.choice, opts.installed ?? packageInstalled, opts.last);
  return [...presets].map((p) => ({
    ...p,
    estimate: presetEstimate(p.config, { backend, note, workers: opts.workers, dataDir: opts.dataDir }),
    missingData: missingDataOf(p.config, opts.dataDir),
  }));
}

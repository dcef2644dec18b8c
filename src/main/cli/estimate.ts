// How long an experiment config takes to train here, estimated from benchmarked throughput: per round, the training
// steps (iterations × batch ÷ training samples/s) plus the evaluations (each reads the validation and test sets:
// evaluations × examples ÷ inference samples/s); the experiment's rounds spread over the core's workers (one per
// CPU core), but no faster than the longest chain of rounds that wait on each other (a ticket's rounds in order, its
// controls one round behind), plus a fixed start-up per round (each round starts a new engine worker, which loads its
// backend and data). An estimate: it leaves out each method's extra work per step (supermask scores, pruning-at-init
// scoring), and a busy machine trains slower than the benchmark.
import type { ArchName, ExperimentConfig } from '../../shared/config';
import type { BackendChoice, BackendName } from '../../shared/contract';

export interface Throughput {
  /** Training samples/s of one run (the trainer's step at batch 60), and inference samples/s at batch 500. */
  train: number;
  infer: number;
}

/**
 * Benchmarked samples/s of one run per architecture: `npm run bench` on the 2-core development machine, wasm, 2026-11-26
 * (docs/bench.md's table, measured while other jobs shared the machine, so on the slow side). No other backend has
 * figures here; Conv-8 was not benchmarked.
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
 * Seconds a round spends before its first step: a new worker process, tfjs and its backend, the data set. Measured on
 * the 2-core machine: `run --preset quick --set iterations=10` (one round, 0.2 s of training and evaluation) took
 * 2.7-2.9 s from the command to its result in three tries.
 */
export const STARTUP_SECONDS = 2.5;

/** The backend the figures should be for: an explicit one, or what auto picks when no GPU backend is installed (wasm). */
export function estimateBackend(choice: BackendChoice, installed: (pkg: string) => boolean): { backend: BackendName | null; note: string } {
  if (choice !== 'auto') return { backend: choice, note: `--backend ${choice}` };
  if (installed('@tensorflow/tfjs-node-gpu')) return { backend: null, note: 'auto (which picks CUDA here when a GPU works: no figures for it)' };
  return { backend: 'wasm', note: 'auto, which runs wasm on a machine without a GPU backend' };
}

export interface Estimate {
  seconds: number;
  /** One round of one run. */
  roundSeconds: number;
  /** Rounds of every run of every seed, and how many run at once. */
  rounds: number;
  workers: number;
}

/** Evaluations a round makes: every evalEvery iterations and at the last. */
export const evaluationsPerRound = (c: Pick<ExperimentConfig, 'iterations' | 'evalEvery'>): number => Math.ceil(c.iterations / c.evalEvery);

/** A planned run as the estimate needs it: how many rounds it trains, and whether it is a control. */
export interface RunRounds {
  rounds: number;
  isControl: boolean;
}

/**
 * The estimate for `config` whose runs per seed are `plan`, at `rates`, with `workers` runs at once and
 * `evalExamples` images read per evaluation (validation plus test).
 */
export function estimateExperiment(config: ExperimentConfig, plan: readonly RunRounds[], rates: Throughput, workers: number, evalExamples: number): Estimate {
  const roundSeconds = STARTUP_SECONDS + (config.iterations * config.batchSize) / rates.train + (evaluationsPerRound(config) * evalExamples) / rates.infer;
  const perSeed = plan.reduce((a, r) => a + r.rounds, 0);
  const ticket = plan.find((r) => !r.isControl);
  // A control trains round r once its ticket has committed round r: controls finish one round after the ticket.
  const chain = (ticket?.rounds ?? 1) + (plan.some((r) => r.isControl && r.rounds > 0) ? 1 : 0);
  const rounds = perSeed * config.seeds.length;
  const w = Math.max(1, workers);
  return { seconds: roundSeconds * Math.max(chain, rounds / w), roundSeconds, rounds, workers: w };
}

// The engine's public surface, as the engine host (src/main/worker) uses it. Pure computation: no store, no electron.
import type { ExperimentConfig } from '../../shared/config';
import type { BackendChoice, BackendReport, MetricPoint, RoundResult, Normalisation } from '../../shared/contract';
import type { NetState } from '../../shared/tensors';
import type { RoundOutput, RoundSpec } from './rounds';

export interface TrainCallbacks {
  /** Called after every evaluation with the new points (train, validation and test for that iteration). */
  onMetrics(points: MetricPoint[]): void;
  /** Called every few iterations; `iteration` counts from 1 to `iterations`. */
  onProgress(iteration: number, iterations: number): void;
  /** Polled between steps; when it returns true the trainer stops and throws CancelledError. */
  isCancelled(): boolean;
}

export interface DenseRunResult {
  round: RoundResult;
  /** Normalisation constants computed on the training split and applied to every split. */
  normalisation: Normalisation;
  /** The round's network before training (init) and after (trained), masks included. */
  states: { init: NetState; trained: NetState };
}

export interface Engine {
  selectBackend(choice: BackendChoice): Promise<BackendReport>;
  /** Library versions to record with every run (tfjs, backend, node). */
  versions(): Record<string, string>;
  runDense(config: ExperimentConfig, seed: number, callbacks: TrainCallbacks): Promise<DenseRunResult>;
  /** One round of an experiment, from the weights and mask its spec names (see rounds.ts). */
  runRound(config: ExperimentConfig, seed: number, spec: RoundSpec, callbacks: TrainCallbacks, opts?: { dataDir?: string }): Promise<RoundOutput>;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

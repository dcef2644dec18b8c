// Messages between the engine host (core side) and the engine worker (child process, worker thread or Electron
// utilityProcess). Every message carries a sequence number and a type; errors cross as plain strings.
import type { ExperimentConfig } from '../../shared/config';
import type { BackendChoice, BackendReport, MetricPoint, RoundResult, Normalisation } from '../../shared/contract';
import type { NetState } from '../../shared/tensors';
import type { RoundSpec } from '../engine/rounds';

/** One round of one run: what to start from (weights, mask) is in the spec, so any round can run (or re-run) alone. */
export interface TrainJob {
  runId: string;
  config: ExperimentConfig;
  seed: number;
  backend: BackendChoice;
  dataDir: string;
  spec: RoundSpec;
}

export type HostToWorker = { seq: number; type: 'start'; job: TrainJob } | { seq: number; type: 'cancel' };

export type WorkerToHost =
  | { seq: number; type: 'ready' }
  | { seq: number; type: 'backend'; report: BackendReport; versions: Record<string, string> }
  | { seq: number; type: 'progress'; iteration: number; iterations: number }
  | { seq: number; type: 'metrics'; points: MetricPoint[] }
  | {
      seq: number;
      type: 'round';
      result: RoundResult;
      normalisation: Normalisation;
      states: { init: NetState; trained: NetState; rewind?: NetState };
      warnings: string[];
    }
  | { seq: number; type: 'done' }
  | { seq: number; type: 'cancelled' }
  | { seq: number; type: 'error'; message: string };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type WorkerMessage = DistributiveOmit<WorkerToHost, 'seq'>;
export type HostMessage = DistributiveOmit<HostToWorker, 'seq'>;

// Messages between the engine host (core side) and the engine worker (child process, worker thread or Electron
// utilityProcess). Every message carries a sequence number and a type; errors cross as plain strings.
import type { ExperimentConfig } from '../../shared/config';
import type { BackendChoice, BackendReport, MetricPoint, RoundResult, Normalisation } from '../../shared/contract';
import type { NetState } from '../../shared/tensors';
import type { RoundSpec } from '../engine/rounds';
import type { EngineAnalysisRequest } from '../engine/analysis/types';

/** One round of one run: what to start from (weights, mask) is in the spec, so any round can run (or re-run) alone. */
export interface TrainJob {
  runId: string;
  config: ExperimentConfig;
  seed: number;
  backend: BackendChoice;
  dataDir: string;
  spec: RoundSpec;
}

/** An analysis of stored states (selectivity, activation maps, subcircuit): the states travel with the job. */
export interface AnalysisJob {
  analysis: EngineAnalysisRequest;
  backend: BackendChoice;
  dataDir: string;
}

export type Job = TrainJob | AnalysisJob;

export function isAnalysisJob(job: Job): job is AnalysisJob {
  return 'analysis' in job;
}

export type HostToWorker = { seq: number; type: 'start'; job: Job } | { seq: number; type: 'cancel' };

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
  | { seq: number; type: 'analysis-progress'; stage: string; done: number; total: number }
  | { seq: number; type: 'analysis'; result: unknown }
  | { seq: number; type: 'done' }
  | { seq: number; type: 'cancelled' }
  /** `invalid`: the job's input was at fault (a ValidationError), not the engine. */
  | { seq: number; type: 'error'; message: string; invalid?: boolean };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type WorkerMessage = DistributiveOmit<WorkerToHost, 'seq'>;
export type HostMessage = DistributiveOmit<HostToWorker, 'seq'>;

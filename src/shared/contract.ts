// The contract between the UI and the app core: every method and event with its payload types. The Electron preload
// and the WebSocket client both expose exactly this (see client.ts), so a view cannot tell which transport it runs on.
// Imports nothing from node, electron or the DOM.
import { z } from 'zod';
import type { ExperimentConfig, RunKind } from './config';

export const CHANNEL_PREFIX = 'ticketscope:';
export const BACKENDS = ['auto', 'cuda', 'webgpu', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export type Split = 'train' | 'validation' | 'test';

export interface BackendReport {
  /** The backend that runs the engine. */
  name: BackendName;
  /** Why it was chosen, e.g. "requested" or "first available". */
  reason: string;
  /** Backends tried before it and why each was skipped. */
  skipped: { name: BackendName; reason: string }[];
}

export interface RunSummary {
  runId: string;
  experimentId: string;
  experimentName: string;
  seed: number;
  /** The method (dense, imp, one-shot) or the control (reinit, random-prune, shuffle) this run trains. */
  kind: RunKind;
  /** For a control: the run whose masks it controls. */
  parentRunId: string | null;
  /** Rounds this run trains (controls start at round 1), and how many of them are committed. */
  roundsTotal: number;
  roundsDone: number;
  dataset: string;
  arch: string;
  status: RunStatus;
  /** Iterations done in the current job, and in all. */
  iteration: number;
  iterations: number;
  /** Seconds left, from the measured pace; null when unknown. */
  etaSeconds: number | null;
  /** Test accuracy (0..1) of the last finished round; null until then. */
  testAccuracy: number | null;
  backend: BackendName | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Input normalisation computed on the training split; CIFAR-shaped sets also record per-channel constants. */
export interface Normalisation {
  mean: number;
  std: number;
  perChannel?: { mean: number[]; std: number[] };
}

export interface RoundResult {
  round: number;
  /** Fraction of prunable weights kept. */
  density: number;
  /** Test accuracy (0..1) at the early-stopping iteration. */
  testAccuracy: number;
  /** Iteration with the minimum validation loss. */
  earlyStopIteration: number;
  /** Test accuracy at the last iteration. */
  finalTestAccuracy: number;
}

export interface RunDetail extends RunSummary {
  config: ExperimentConfig;
  rounds: RoundResult[];
  normalisation: Normalisation | null;
  versions: Record<string, string> | null;
  backendReport: BackendReport | null;
  /** Problems that do not stop a run but matter for reading it, e.g. a layer pruned to nothing. */
  warnings: string[];
}

export interface MetricPoint {
  round: number;
  iteration: number;
  split: Split;
  loss: number;
  accuracy: number;
}

export interface PresetSummary {
  name: string;
  description: string;
  config: ExperimentConfig;
}

export interface AppInfo {
  version: string;
  /** What `--backend` (or the app setting) asks for. */
  backendChoice: BackendChoice;
  /** The backend the last job ran on, with the reasons; null before any job ran in this session. */
  backend: BackendReport | null;
  presets: PresetSummary[];
  dbPath: string;
  dataDir: string;
  transport: 'ipc' | 'websocket';
}

export interface StartRunResult {
  experimentId: string;
  runIds: string[];
}

/** Every method: its params and its result. */
export interface Methods {
  getInfo: { params: Record<string, never>; result: AppInfo };
  listRuns: { params: Record<string, never>; result: RunSummary[] };
  getRun: { params: { runId: string }; result: RunDetail };
  getMetrics: { params: { runId: string }; result: MetricPoint[] };
  startRun: {
    params: { preset?: string; config?: unknown; overrides?: string[] };
    result: StartRunResult;
  };
  cancelRun: { params: { runId: string }; result: { cancelled: boolean } };
  /** Continue an interrupted, failed or cancelled run (with its controls) from its last committed round. */
  resumeRun: { params: { runId: string }; result: { runIds: string[] } };
}

/** Every event the core pushes to the UI. */
export interface Events {
  /** A run was created or its status, progress or result changed. */
  runUpdate: RunSummary;
  /** New metric points of a run (evaluations as they happen). */
  metrics: { runId: string; points: MetricPoint[] };
  /** The engine reported which backend it runs on. */
  backend: BackendReport;
}

export type MethodName = keyof Methods;
export type EventName = keyof Events;
export type Params<M extends MethodName> = Methods[M]['params'];
export type Result<M extends MethodName> = Methods[M]['result'];

const runId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a run id');
const empty = z.object({}).strict();

/** The schema every method's params are validated against before the core acts on them. */
export const paramSchemas: { [M in MethodName]: z.ZodType<Params<M>> } = {
  getInfo: empty as z.ZodType<Record<string, never>>,
  listRuns: empty as z.ZodType<Record<string, never>>,
  getRun: z.object({ runId }).strict(),
  getMetrics: z.object({ runId }).strict(),
  startRun: z
    .object({
      preset: z.string().min(1).max(100).optional(),
      config: z.unknown().optional(),
      overrides: z.array(z.string().max(10_000)).max(100).optional(),
    })
    .strict()
    .refine((p) => (p.preset === undefined) !== (p.config === undefined), 'give exactly one of preset or config'),
  cancelRun: z.object({ runId }).strict(),
  resumeRun: z.object({ runId }).strict(),
};

export const METHOD_NAMES = Object.keys(paramSchemas) as MethodName[];
export const EVENT_NAMES: EventName[] = ['runUpdate', 'metrics', 'backend'];

export function isMethodName(x: unknown): x is MethodName {
  return typeof x === 'string' && (METHOD_NAMES as string[]).includes(x);
}

/** Errors cross the transport as this; `code` lets the UI tell bad input from a missing thing from a failure. */
export interface WireError {
  code: 'invalid' | 'not-found' | 'internal';
  message: string;
}

/** The typed API a view uses; identical over IPC and WebSocket. */
export type Api = { [M in MethodName]: (params: Params<M>) => Promise<Result<M>> } & {
  on<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void;
};

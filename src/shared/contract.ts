// The contract between the UI and the app core: every method and event with its payload types. The Electron preload
// and the WebSocket client both expose exactly this (see client.ts), so a view cannot tell which transport it runs on.
// Imports nothing from node, electron or the DOM.
import { z } from 'zod';
import type { ExperimentConfig, RunKind } from './config';
import {
  analysisParamSchemas,
  type AnalysisMethods,
  type AnalysisProgress,
  type ListStatesParams,
  type MaskPixels,
  type MaskPixelsParams,
  type StateInfo,
} from './analysis';
import { reportDogSchema, type DogReport, type ReportDogParams } from './dog-report';
import type { RunObjective } from './objective';
import type { wireCode } from './errors';
import { ID_PATTERN, experimentIdSchema, runIdSchema, whichSchema, type Which } from './refs';

export const CHANNEL_PREFIX = 'ticketscope:';
/** The most shards an experiment may be split into (startRun's `shard`, `ticketscope sweep --shards`). */
export const MAX_SHARDS = 10_000;
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
  /**
   * A class-specific supermask's objective (shared/objective.ts); null or absent: the full classification loss. Its
   * accuracy figures are then balanced accuracies of the class against the rest (objective.metric).
   */
  objective?: RunObjective | null;
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

/** What training a preset takes here (main/core/estimate.ts): derived from benchmarked samples/s, not measured. */
export interface PresetEstimate {
  /** Seconds to train every run of every seed; null when there are no benchmark figures for the backend or network. */
  seconds: number | null;
  /** Seconds of one round of one run; null as above. */
  roundSeconds: number | null;
  /** Rounds of every run of every seed, and how many train at once. */
  rounds: number;
  workers: number;
  /** What the figures are for and where they come from, or why there are none. */
  basis: string;
}

export interface PresetSummary {
  name: string;
  description: string;
  config: ExperimentConfig;
  /** Filled in by getInfo: the training time estimated for this machine. */
  estimate?: PresetEstimate;
  /** Filled in by getInfo: the real data set the preset trains on when it is not installed, and the command that installs it. */
  missingData?: { dataset: string; install: string } | null;
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
  /** True in the desktop app, where chooseSnapshotPath opens native file dialogs; false in a browser (serve mode). */
  nativeDialogs: boolean;
}

export interface StartRunResult {
  experimentId: string;
  runIds: string[];
}

/** An experiment (one config hash) with how many of its runs are in each status. */
export interface ExperimentSummary {
  experimentId: string;
  name: string;
  config: ExperimentConfig;
  createdAt: string;
  /** Runs of the experiment by status, and in all. */
  runCounts: Record<RunStatus, number> & { total: number };
  /** The experiment as a whole: running if any run is, else queued, failed, cancelled, done (in that order). */
  status: RunStatus | 'empty';
  /** Latest change of any of its runs (ISO time); the creation time when it has none. */
  updatedAt: string;
}

/** A run of an experiment with its committed rounds and warnings (what the lottery plot needs). */
export interface ExperimentRun extends RunSummary {
  rounds: RoundResult[];
  warnings: string[];
}

export interface ExperimentDetail extends ExperimentSummary {
  /** Every run, tickets before their controls, by seed. */
  runs: ExperimentRun[];
}

export const SNAPSHOT_FORMATS = ['safetensors', 'npz'] as const;
export type SnapshotFormat = (typeof SNAPSHOT_FORMATS)[number];

export interface ExportSnapshotResult {
  /** The file written (absolute), its format and size. */
  path: string;
  format: SnapshotFormat;
  bytes: number;
  runId: string;
  round: number;
  which: Which;
  density: number;
}

export interface ImportSnapshotResult {
  /** The new run (kind "imported") that holds the snapshot. */
  runId: string;
  experimentId: string;
  round: number;
  density: number;
  withWeights: boolean;
}

/** A command from the desktop app's menu that the window carries out. Sent in Electron only, never in a browser. */
export type MenuEvent =
  /** File > Export snapshot…: export the state selected in the window (chooseSnapshotPath, then exportSnapshot). */
  | { action: 'exportSnapshot' }
  /** File > Import snapshot… stored a new run: show it. */
  | { action: 'showRun'; runId: string }
  /** File > Merge databases… is under way: show how far (replaces the previous notice). */
  | { action: 'notice'; message: string }
  /** File > Merge databases… finished: list the runs again and show what was merged. */
  | { action: 'merged'; message: string };

/** Every method: its params and its result (the cached analyses are in analysis.ts, AnalysisMethods). */
export interface Methods extends AnalysisMethods {
  getInfo: { params: Record<string, never>; result: AppInfo };
  listRuns: { params: Record<string, never>; result: RunSummary[] };
  getRun: { params: { runId: string }; result: RunDetail };
  getMetrics: { params: { runId: string }; result: MetricPoint[] };
  startRun: {
    /**
     * `shard`: train only shard `index` of `count` (0-based) of the experiment's seed groups, for sweeps over several
     * machines whose databases are merged afterwards; where the database already holds the shard's runs, they are
     * continued instead of started anew.
     */
    params: { preset?: string; config?: unknown; overrides?: string[]; shard?: { index: number; count: number } };
    result: StartRunResult;
  };
  cancelRun: { params: { runId: string }; result: { cancelled: boolean } };
  /** Continue an interrupted, failed or cancelled run (with its controls) from its last committed round. */
  resumeRun: { params: { runId: string }; result: { runIds: string[] } };
  /** Every experiment in the database, newest first, with its config and run counts. */
  listExperiments: { params: Record<string, never>; result: ExperimentSummary[] };
  /** One experiment with all its runs and their rounds. */
  getExperiment: { params: { experimentId: string }; result: ExperimentDetail };
  /**
   * Write a stored state (a round of a run: trained, init, mask, ticket-at-init or dense-init; the last round by default) as a
   * snapshot file in PyTorch layout, at an absolute path ending in .safetensors or .npz on the machine running the core.
   * Desktop app (a path from its save dialog) and CLI only: refused for a remote client (a browser on `ticketscope
   * serve`), which downloads the snapshot instead: GET SNAPSHOT_HTTP_PATH with SnapshotDownloadParams as the query.
   */
  exportSnapshot: {
    params: { runId: string; round?: number; which?: Which; path: string; format?: SnapshotFormat; masksOnly?: boolean };
    result: ExportSnapshotResult;
  };
  /**
   * Store a snapshot file (absolute path, .safetensors or .npz) as a new run; a malformed file changes nothing.
   * Desktop app and CLI only: a remote client uploads the file's bytes instead (POST SNAPSHOT_HTTP_PATH, answered
   * with an ImportSnapshotResult).
   */
  importSnapshot: { params: { path: string }; result: ImportSnapshotResult };
  /**
   * Desktop app only: a native save (default) or open dialog for a snapshot file; `path` is null when cancelled.
   * Where AppInfo.nativeDialogs is false (a browser on `ticketscope serve`) it fails with code "invalid".
   */
  chooseSnapshotPath: { params: { mode?: 'save' | 'open'; defaultName?: string }; result: { path: string | null } };
  /**
   * The stored states analyses can read (see analysis.ts, StateInfo): every committed round of every run, or of one
   * run or experiment, each as trained, init, ticket-at-init and mask where they exist.
   */
  listStates: { params: ListStatesParams; result: StateInfo[] };
  /** A window (at most 1024 x 1024) of a layer's weight matrix coloured by two masks, for the pixel view. */
  maskPixels: { params: MaskPixelsParams; result: MaskPixels };
  /**
   * Stops the work of this client's call with that request id (a WebSocket frame's id, or the id an IPC call carried),
   * if it is still in progress: the call fails with code "cancelled". A computation other calls share goes on for them.
   */
  cancelRequest: { params: { requestId: string | number }; result: { cancelled: boolean } };
  /** The dog report of an experiment (shared/dog-report.ts): its parts are cached analyses; the verdict is computed. */
  reportDog: { params: ReportDogParams; result: DogReport };
}

/** Every event the core pushes to the UI. */
export interface Events {
  /** A run was created or its status, progress or result changed. */
  runUpdate: RunSummary;
  /** New metric points of a run (evaluations as they happen). */
  metrics: { runId: string; points: MetricPoint[] };
  /** The engine reported which backend it runs on. */
  backend: BackendReport;
  /** A menu command of the desktop app for the window (Electron only). */
  menu: MenuEvent;
  /** A running analysis reports how far it is. */
  analysisProgress: AnalysisProgress;
}

export type MethodName = keyof Methods;
export type EventName = keyof Events;
export type Params<M extends MethodName> = Methods[M]['params'];
export type Result<M extends MethodName> = Methods[M]['result'];

const runId = runIdSchema;
const empty = z.object({}).strict();

const hasControlChars = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/**
 * Why a string is not acceptable as a snapshot file path, or null when it is: it must be absolute (POSIX, a Windows
 * drive or a UNC share), free of control characters, `.`/`..` segments and Windows stream or device syntax, and end in
 * .safetensors or .npz. Checked by the contract before the core touches the file system.
 */
export function snapshotPathProblem(path: string): string | null {
  if (path.length > 4096) return 'path is too long';
  if (hasControlChars(path)) return 'path contains control characters';
  const drive = /^[A-Za-z]:[\\/]/.test(path);
  if (!(path.startsWith('/') || drive || /^\\\\[^\\/?.]/.test(path))) return 'path must be absolute';
  if (path.indexOf(':', drive ? 2 : 0) >= 0 && !path.startsWith('/')) return 'path must not contain ":" after the drive';
  if (path.split(/[\\/]/).some((s) => s === '.' || s === '..')) return 'path must not contain . or .. segments';
  const name = path.split(/[\\/]/).pop() ?? '';
  if (!SNAPSHOT_FORMATS.some((f) => name.toLowerCase().endsWith(`.${f}`) && name.length > f.length + 1)) {
    return 'file name must end in .safetensors or .npz';
  }
  return null;
}

/** The snapshot format a path's extension names (the path passed snapshotPathProblem). */
export function snapshotFormatOfPath(path: string): SnapshotFormat {
  return path.toLowerCase().endsWith('.npz') ? 'npz' : 'safetensors';
}

const snapshotPath = z.string().superRefine((p, ctx) => {
  const problem = snapshotPathProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
/** A bare file name suggested to a save dialog. */
const fileName = z
  .string()
  .min(1)
  .max(200)
  .refine((n) => !/[\\/:*?"<>|]/.test(n) && !hasControlChars(n) && n !== '.' && n !== '..', 'expected a file name without folders');

/**
 * Serve mode's snapshot transfer over HTTP (the token in an `Authorization: Bearer` header): GET with
 * SnapshotDownloadParams as the query answers the snapshot file as a download (Content-Disposition: attachment);
 * POST with the file's bytes as the body (at most the size of the largest possible snapshot; its name in the
 * `name` query parameter, for messages) stores it as a new run and answers an ImportSnapshotResult as JSON.
 */
export const SNAPSHOT_HTTP_PATH = '/api/snapshot';

/** What a snapshot download names: exportSnapshot's params without a path. */
export type SnapshotDownloadParams = Omit<Params<'exportSnapshot'>, 'path'>;

export const snapshotDownloadSchema: z.ZodType<SnapshotDownloadParams> = z
  .object({
    runId,
    round: z.number().int().min(0).max(100_000).optional(),
    which: whichSchema.optional(),
    format: z.enum(SNAPSHOT_FORMATS).optional(),
    masksOnly: z.boolean().optional(),
  })
  .strict();

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
      shard: z
        .object({ index: z.number().int().min(0), count: z.number().int().min(1).max(MAX_SHARDS) })
        .strict()
        .refine((s) => s.index < s.count, 'shard index must be below the shard count')
        .optional(),
    })
    .strict()
    .refine((p) => (p.preset === undefined) !== (p.config === undefined), 'give exactly one of preset or config'),
  cancelRun: z.object({ runId }).strict(),
  resumeRun: z.object({ runId }).strict(),
  listExperiments: empty as z.ZodType<Record<string, never>>,
  getExperiment: z.object({ experimentId: experimentIdSchema }).strict(),
  exportSnapshot: z
    .object({
      runId,
      round: z.number().int().min(0).max(100_000).optional(),
      which: whichSchema.optional(),
      path: snapshotPath,
      format: z.enum(SNAPSHOT_FORMATS).optional(),
      masksOnly: z.boolean().optional(),
    })
    .strict()
    .refine((p) => p.format === undefined || snapshotPathProblem(p.path) !== null || snapshotFormatOfPath(p.path) === p.format, {
      message: 'format does not match the file extension',
      path: ['format'],
    }),
  importSnapshot: z.object({ path: snapshotPath }).strict(),
  cancelRequest: z.object({ requestId: z.union([z.string().regex(ID_PATTERN, 'expected a request id'), z.number().int().safe()]) }).strict(),
  chooseSnapshotPath: z.object({ mode: z.enum(['save', 'open']).optional(), defaultName: fileName.optional() }).strict(),
  ...analysisParamSchemas,
  reportDog: reportDogSchema,
};

export const METHOD_NAMES = Object.keys(paramSchemas) as MethodName[];
export const EVENT_NAMES: EventName[] = ['runUpdate', 'metrics', 'backend', 'menu', 'analysisProgress'];

export function isMethodName(x: unknown): x is MethodName {
  return typeof x === 'string' && (METHOD_NAMES as string[]).includes(x);
}

/** Errors cross the transport as this; `code` lets the UI tell bad input from a missing thing from a failure. */
export interface WireError {
  code: ReturnType<typeof wireCode>;
  message: string;
}

/**
 * How a client calls: `requestId` (letters, digits, `_`, `-`; unique among the client's calls in progress) lets it
 * cancel the call (cancelRequest) and tells it which analysisProgress events are this call's.
 */
export interface CallOptions {
  requestId?: string;
}

/** The typed API a view uses; identical over IPC and WebSocket. */
export type Api = { [M in MethodName]: (params: Params<M>, options?: CallOptions) => Promise<Result<M>> } & {
  on<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void;
};

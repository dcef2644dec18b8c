// The app core: implements the contract over the store and the engine workers. Transport-agnostic: Electron IPC,
// the WebSocket server and the CLI all call `call(method, params, ctx)` and subscribe to events. It validates every
// argument and wires the parts that do the work:
//   jobs.ts       the job queue: every engine worker (training rounds, analyses), at most `concurrency` at once
//   scheduler.ts  the runs this process trains: start (shards.ts: a shard's runs, run ids), schedule rounds,
//                 progress, cancel, resume
//   watcher.ts    runs other processes train on the same database, pushed as events
//   analysis.ts   analyses (analysis-kinds.ts), cached; states.ts resolves state references
//   snapshots.ts  snapshot export and import
//   requests.ts   request ids, cancellation of calls in progress
//   estimate.ts   the presets' estimated times on this machine (getInfo)
//   merge.ts      shard databases merged into this one (the desktop app's File > Merge databases…)
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { ANALYSIS_METHOD_NAMES } from '../../shared/analysis';
import { describeZodError, type ExperimentConfig } from '../../shared/config';
import {
  paramSchemas,
  isMethodName,
  snapshotPathProblem,
  type AppInfo,
  type BackendChoice,
  type EventName,
  type Events,
  type Methods,
  type MethodName,
  type Params,
  type PresetSummary,
  type Result,
  type RunSummary,
} from '../../shared/contract';
import { ValidationError } from '../../shared/errors';
import { formatStateRef } from '../../shared/refs';
import { Store } from '../store';
import type { SpawnWorker } from '../worker/host';
import { AnalysisService } from './analysis';
import { describePresets } from './estimate';
import { mergeIntoOpen, type MergeProgress, type MergeResult } from './merge';
import { JobQueue } from './jobs';
import { preflight } from './preflight';
import { loadPresets, resolveRunConfig } from './presets';
import { RequestRegistry, remoteRefusal, type CallContext } from './requests';
import { claimRun, ownerAlive, RunScheduler } from './scheduler';
import { downloadSnapshot, exportSnapshot, importSnapshot, importSnapshotBytes, type SnapshotDownload } from './snapshots';
import { APP_VERSION } from './version';
import { ExternalRunWatcher } from './watcher';

export interface CoreOptions {
  dbPath: string;
  dataDir: string;
  backend: BackendChoice;
  presetsDir: string;
  spawnWorker: SpawnWorker;
  transport: AppInfo['transport'];
  /** Engine workers at once (training rounds and analyses together); default: one per core. */
  concurrency?: number;
  /**
   * Poll the database this often (ms) for runs written by other processes (a CLI run while the app is open) and
   * push their updates and metrics as events. Off by default (the CLI needs none).
   */
  watchExternalMs?: number;
  /**
   * A UI looks at this core: one worker slot (of two or more) is kept free of training, so a view's analysis does not
   * wait for a training round to end. Default: true when watchExternalMs is set (the desktop app, serve mode).
   */
  interactive?: boolean;
  /** What only the desktop app can do (native file dialogs); absent in serve mode and the CLI. */
  host?: CoreHost;
}

export interface CoreHost {
  /** Shows a save or open dialog for a snapshot file; null when the user cancels. */
  chooseSnapshotPath(p: Params<'chooseSnapshotPath'>): Promise<string | null>;
}

/** A path the contract accepted (absolute on some OS) must be absolute on this one too. */
function localPath(path: string): string {
  if (!isAbsolute(path)) throw new ValidationError(`${path}: not an absolute path on this machine`);
  return path;
}

type Listener = <E extends EventName>(event: E, payload: Events[E]) => void;
type Handlers = { [M in MethodName]: (p: Params<M>, ctx?: CallContext) => Promise<Result<M>> };

export class Core {
  /** The database. For tests and diagnostics: transports and the CLI go through `call` (lint enforces it). */
  readonly store: Store;
  readonly analyses: AnalysisService;
  /** Every engine worker goes through it (for tests and diagnostics: what runs and waits). */
  readonly jobs: JobQueue;
  private readonly scheduler: RunScheduler;
  private readonly watcher: ExternalRunWatcher | null;
  private readonly requests = new RequestRegistry();
  private readonly presets: Map<string, PresetSummary>;
  private readonly concurrency: number;
  private readonly listeners = new Set<Listener>();
  /** Imported runs this process stored and announced itself. */
  private readonly announced = new Set<string>();
  private closed = false;

  constructor(private readonly opts: CoreOptions) {
    this.presets = loadPresets(opts.presetsDir);
    this.store = new Store(opts.dbPath);
    this.concurrency = opts.concurrency ?? Math.max(1, availableParallelism());
    const concurrency = this.concurrency;
    const interactive = opts.interactive ?? opts.watchExternalMs !== undefined;
    this.jobs = new JobQueue({ spawnWorker: opts.spawnWorker, concurrency, reserved: interactive ? 1 : 0 });
    const emit: Listener = (event, payload) => this.emit(event, payload);
    this.scheduler = new RunScheduler({
      store: this.store,
      jobs: this.jobs,
      backend: opts.backend,
      dataDir: opts.dataDir,
      emit,
      preflight: (config) => preflight(config, opts.backend, opts.dataDir),
    });
    this.analyses = new AnalysisService(this.store, {
      jobs: this.jobs,
      shards: concurrency,
      backend: opts.backend,
      dataDir: opts.dataDir,
      emitProgress: (p) => this.emit('analysisProgress', p),
    });
    this.store.repo.markOrphansInterrupted(ownerAlive);
    this.watcher = opts.watchExternalMs
      ? new ExternalRunWatcher({ store: this.store, owns: (id) => this.scheduler.owns(id) || this.announced.has(id), emit, intervalMs: opts.watchExternalMs })
      : null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.listeners) l(event, payload);
  }

  /**
   * The single entry point for every transport: validates params against the contract's schema, then acts. `ctx`
   * says who calls: a remote client (serve mode) may not name files on this machine; a call with a request id can be
   * cancelled (cancelRequest) and gets its analysis progress with that id (requests.ts).
   */
  async call(method: unknown, params: unknown, ctx?: CallContext): Promise<unknown> {
    if (!isMethodName(method)) throw new ValidationError(`unknown method ${String(method).slice(0, 64)}`);
    const refusal = ctx?.remote ? remoteRefusal(method) : null;
    if (refusal) throw new ValidationError(`${method}: ${refusal}`);
    const parsed = paramSchemas[method].safeParse(params ?? {});
    if (!parsed.success) throw new ValidationError(describeZodError(method, parsed.error));
    return this.requests.track(ctx, (c) => (this.handlers[method] as (p: unknown, ctx?: CallContext) => Promise<unknown>)(parsed.data, c));
  }

  /** serve mode's snapshot upload: validates the bytes completely, then stores them as a new run. */
  uploadSnapshot(bytes: Uint8Array, name: string): Result<'importSnapshot'> {
    return this.announceImport(importSnapshotBytes(this.store, bytes, name));
  }

  /** serve mode's snapshot download: a stored state as file bytes (params as exportSnapshot's, without a path). */
  downloadSnapshot(params: unknown): SnapshotDownload {
    return downloadSnapshot(this.store, params);
  }

  private announceImport(r: Result<'importSnapshot'>): Result<'importSnapshot'> {
    this.announced.add(r.runId);
    claimRun(r.runId);
    this.emit('runUpdate', this.store.repo.getSummary(r.runId));
    return r;
  }

  private readonly analysisHandlers = Object.fromEntries(
    ANALYSIS_METHOD_NAMES.map((m) => [m, (p: never, ctx?: CallContext) => this.analyses.run(m, p, ctx)]),
  ) as Pick<Handlers, (typeof ANALYSIS_METHOD_NAMES)[number]>;

  readonly handlers: Handlers = {
    getInfo: async () => ({
      version: APP_VERSION,
      backendChoice: this.opts.backend,
      backend: this.scheduler.backend,
      presets: describePresets(this.presets.values(), {
        choice: this.opts.backend,
        last: this.scheduler.backend,
        workers: this.concurrency,
        dataDir: this.opts.dataDir,
      }),
      dbPath: this.opts.dbPath,
      dataDir: this.opts.dataDir,
      transport: this.opts.transport,
      nativeDialogs: this.opts.host !== undefined,
    }),
    listRuns: async () => this.store.repo.listRuns().map((r) => this.scheduler.withLive(r)),
    getRun: async ({ runId }) => this.scheduler.withLive(this.store.repo.getRun(runId)),
    getMetrics: async ({ runId }) => this.store.repo.getMetrics(runId),
    startRun: async (p) => this.startRun(p),
    cancelRun: async ({ runId }) => this.scheduler.cancel(runId),
    resumeRun: async ({ runId }) => this.resumeRun(runId),
    listExperiments: async () => this.store.repo.listExperiments(),
    getExperiment: async ({ experimentId }) => {
      const e = this.store.repo.getExperiment(experimentId);
      return { ...e, runs: e.runs.map((r) => this.scheduler.withLive(r)) };
    },
    exportSnapshot: async (p) => {
      const opts = { ...(p.format ? { format: p.format } : {}), ...(p.masksOnly !== undefined ? { masksOnly: p.masksOnly } : {}) };
      const { path, format, bytes, runId, round, which, density } = exportSnapshot(this.store, formatStateRef(p), localPath(p.path), opts);
      return { path, format, bytes, runId, round, which, density };
    },
    importSnapshot: async ({ path }) => this.announceImport(importSnapshot(this.store, localPath(path))),
    chooseSnapshotPath: async (p) => {
      if (!this.opts.host) {
        throw new ValidationError(`chooseSnapshotPath: ${remoteRefusal('chooseSnapshotPath')}`);
      }
      const path = await this.opts.host.chooseSnapshotPath(p);
      const problem = path === null ? null : snapshotPathProblem(path);
      if (problem) throw new ValidationError(`chooseSnapshotPath: ${problem}`);
      return { path };
    },
    listStates: async (p) => this.analyses.listStates(p),
    maskPixels: async (p) => this.analyses.maskPixels(p),
    cancelRequest: async ({ requestId }, ctx) => ({ cancelled: this.requests.cancel(ctx?.client, requestId) }),
    ...this.analysisHandlers,
  };

  /** Resolves a preset or a raw config plus `--set` style overrides to a validated config. */
  resolveConfig(p: Methods['startRun']['params']): ExperimentConfig {
    return resolveRunConfig(this.presets, p);
  }

  startRun(p: Methods['startRun']['params']): Result<'startRun'> {
    return this.scheduler.start(this.resolveConfig(p), p.shard);
  }

  /** Continues the runs of a group (a ticket and its controls) that are not done, from their last committed round. */
  resumeRun(runId: string): Result<'resumeRun'> {
    return this.scheduler.resume(runId);
  }

  cancelRun(runId: string): Result<'cancelRun'> {
    return this.scheduler.cancel(runId);
  }

  /** Resolves when the run reaches done, failed or cancelled. */
  waitForRun(runId: string): Promise<RunSummary> {
    return this.scheduler.waitFor(runId);
  }

  /**
   * Merges shard databases into this core's database (File > Merge databases…), a shard a step with the event loop
   * running between them; a shard that conflicts changes nothing (core/merge.ts).
   */
  mergeDatabases(shards: readonly string[], onProgress: (p: MergeProgress) => void): Promise<MergeResult> {
    return mergeIntoOpen(this.store, shards, onProgress);
  }

  /** Cancels the jobs in progress (their runs end as cancelled), waits for them, and closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.stop();
    await this.scheduler.close();
    await this.jobs.close();
    this.store.close();
  }
}

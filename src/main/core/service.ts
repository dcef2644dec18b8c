// The app core: implements the contract over the store and the engine host. Transport-agnostic: Electron IPC, the
// WebSocket server and the CLI all call `call(method, params)` and subscribe to events. Validates every argument.
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { applyOverrides, describeZodError, identityOfConfig, parseExperimentConfig } from '../../shared/config';
import type { ExperimentConfig } from '../../shared/config';
import {
  paramSchemas,
  isMethodName,
  type AppInfo,
  type BackendChoice,
  type BackendReport,
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
import { openDatabase, type Db } from '../store/db';
import { Repo } from '../store/repo';
import { TensorStore } from '../store/tensors';
import { runJob, type JobHandle, type SpawnWorker } from '../worker/host';
import type { WorkerToHost } from '../worker/protocol';
import { getPreset, loadPresets } from './presets';

export const APP_VERSION = '0.1.0';

export interface CoreOptions {
  dbPath: string;
  dataDir: string;
  backend: BackendChoice;
  presetsDir: string;
  spawnWorker: SpawnWorker;
  transport: AppInfo['transport'];
  /** Jobs run at once; default: one per spare core. */
  concurrency?: number;
  /**
   * Poll the database this often (ms) for runs written by other processes (a CLI run while the app is open) and
   * push their updates and metrics as events. Off by default (the CLI needs none).
   */
  watchExternalMs?: number;
}

type Listener = <E extends EventName>(event: E, payload: Events[E]) => void;

interface Live {
  handle: JobHandle | null;
  startedAt: number;
  startIteration: number;
  lastEmit: number;
  lastPersist: number;
  etaSeconds: number | null;
}

export function experimentId(config: ExperimentConfig): string {
  return createHash('sha256').update(identityOfConfig(config)).digest('hex').slice(0, 16);
}

export function newRunId(): string {
  return `r${randomBytes(5).toString('hex')}`;
}

export class Core {
  readonly db: Db;
  readonly repo: Repo;
  readonly tensors: TensorStore;
  private readonly presets: Map<string, PresetSummary>;
  private readonly listeners = new Set<Listener>();
  private readonly live = new Map<string, Live>();
  private readonly queue: { runId: string; config: ExperimentConfig; seed: number }[] = [];
  private readonly waiters = new Map<string, ((s: RunSummary) => void)[]>();
  private backend: BackendReport | null = null;
  private readonly concurrency: number;
  private closed = false;
  private watchTimer: ReturnType<typeof setInterval> | null = null;
  private externalSince = '';
  /** Per external run: the last update time pushed and how many metric points were pushed. */
  private readonly ownRuns = new Set<string>();
  private readonly externalSeen = new Map<string, { updatedAt: string; points: number }>();

  constructor(private readonly opts: CoreOptions) {
    this.presets = loadPresets(opts.presetsDir);
    this.db = openDatabase(opts.dbPath);
    this.repo = new Repo(this.db);
    this.tensors = new TensorStore(this.db);
    this.repo.markOrphansInterrupted(isAlive);
    this.concurrency = opts.concurrency ?? Math.max(1, availableParallelism() - 1);
    if (opts.watchExternalMs) {
      this.externalSince = new Date().toISOString();
      this.watchTimer = setInterval(() => this.pollExternal(), opts.watchExternalMs);
      this.watchTimer.unref();
    }
  }

  /** Pushes updates of runs this core does not own (another process trains them) to the listeners. */
  private pollExternal(): void {
    if (this.closed) return;
    const changed = this.repo.runsUpdatedSince(this.externalSince);
    for (const s of changed) {
      if (s.updatedAt > this.externalSince) this.externalSince = s.updatedAt;
      if (this.ownRuns.has(s.runId)) continue;
      const seen = this.externalSeen.get(s.runId) ?? { updatedAt: '', points: 0 };
      if (seen.updatedAt === s.updatedAt) continue;
      // Metrics are written in (round, iteration) order, so the new points are the tail.
      const points = this.repo.getMetrics(s.runId).slice(seen.points);
      this.externalSeen.set(s.runId, { updatedAt: s.updatedAt, points: seen.points + points.length });
      if (points.length) this.emit('metrics', { runId: s.runId, points });
      this.emit('runUpdate', s);
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.listeners) l(event, payload);
  }

  /** The single entry point for every transport: validates params against the contract's schema, then acts. */
  async call(method: unknown, params: unknown): Promise<unknown> {
    if (!isMethodName(method)) throw new ValidationError(`unknown method ${String(method).slice(0, 64)}`);
    const parsed = paramSchemas[method].safeParse(params ?? {});
    if (!parsed.success) throw new ValidationError(describeZodError(method, parsed.error));
    return this.handlers[method](parsed.data as never);
  }

  readonly handlers: { [M in MethodName]: (p: Params<M>) => Promise<Result<M>> } = {
    getInfo: async () => ({
      version: APP_VERSION,
      backendChoice: this.opts.backend,
      backend: this.backend,
      presets: [...this.presets.values()],
      dbPath: this.opts.dbPath,
      dataDir: this.opts.dataDir,
      transport: this.opts.transport,
    }),
    listRuns: async () => this.repo.listRuns().map((r) => this.withLive(r)),
    getRun: async ({ runId }) => this.withLive(this.repo.getRun(runId)),
    getMetrics: async ({ runId }) => this.repo.getMetrics(runId),
    startRun: async (p) => this.startRun(p),
    cancelRun: async ({ runId }) => this.cancelRun(runId),
  };

  /** Resolves a preset or a raw config plus `--set` style overrides to a validated config. */
  resolveConfig(p: Methods['startRun']['params']): ExperimentConfig {
    const base: unknown = p.preset !== undefined ? getPreset(this.presets, p.preset).config : p.config;
    const withSets = p.overrides?.length ? applyOverrides(base, p.overrides) : base;
    return parseExperimentConfig(withSets);
  }

  startRun(p: Methods['startRun']['params']): Result<'startRun'> {
    if (this.closed) throw new Error('the core is shutting down');
    const config = this.resolveConfig(p);
    const expId = experimentId(config);
    const runIds: string[] = [];
    this.db.transaction(() => {
      this.repo.ensureExperiment(expId, config);
      for (const seed of config.seeds) {
        const runId = newRunId();
        this.repo.createRun({
          id: runId,
          experimentId: expId,
          seed,
          kind: config.method.kind,
          config,
          iterations: config.iterations,
          pid: process.pid,
        });
        runIds.push(runId);
        this.ownRuns.add(runId);
        this.queue.push({ runId, config, seed });
      }
    })();
    for (const id of runIds) this.emit('runUpdate', this.repo.getSummary(id));
    this.pump();
    return { experimentId: expId, runIds };
  }

  cancelRun(runId: string): { cancelled: boolean } {
    const summary = this.repo.getSummary(runId);
    const queued = this.queue.findIndex((q) => q.runId === runId);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.finishRun(runId, 'cancelled', null);
      return { cancelled: true };
    }
    const live = this.live.get(runId);
    if (!live?.handle || summary.status !== 'running') return { cancelled: false };
    live.handle.cancel();
    return { cancelled: true };
  }

  /** Resolves when the run reaches done, failed or cancelled. */
  waitForRun(runId: string): Promise<RunSummary> {
    const s = this.repo.getSummary(runId);
    if (s.status === 'done' || s.status === 'failed' || s.status === 'cancelled') return Promise.resolve(s);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  private withLive<T extends RunSummary>(s: T): T {
    const live = this.live.get(s.runId);
    return live ? { ...s, etaSeconds: live.etaSeconds } : s;
  }

  private pump(): void {
    while (!this.closed && this.live.size < this.concurrency && this.queue.length) {
      const next = this.queue.shift()!;
      this.startJob(next.runId, next.config, next.seed);
    }
  }

  private startJob(runId: string, config: ExperimentConfig, seed: number): void {
    const live: Live = { handle: null, startedAt: Date.now(), startIteration: 0, lastEmit: 0, lastPersist: 0, etaSeconds: null };
    this.live.set(runId, live);
    this.repo.updateRun(runId, { status: 'running', iteration: 0, error: null });
    this.emit('runUpdate', this.withLive(this.repo.getSummary(runId)));
    const job = { runId, config, seed, backend: this.opts.backend, dataDir: this.opts.dataDir };
    live.handle = runJob(this.opts.spawnWorker, job, (msg) => this.onWorkerMessage(runId, live, msg));
    void live.handle.outcome.then((o) => {
      if (o.kind === 'done') this.finishRun(runId, 'done', null);
      else if (o.kind === 'cancelled') this.finishRun(runId, 'cancelled', null);
      else this.finishRun(runId, 'failed', o.message);
    });
  }

  private onWorkerMessage(runId: string, live: Live, msg: WorkerToHost): void {
    switch (msg.type) {
      case 'backend':
        this.backend = msg.report;
        this.repo.updateRun(runId, { backendReport: msg.report, versions: { ticketscope: APP_VERSION, ...msg.versions } });
        this.emit('backend', msg.report);
        this.emit('runUpdate', this.withLive(this.repo.getSummary(runId)));
        return;
      case 'progress': {
        const t = Date.now();
        if (live.startIteration === 0 && msg.iteration > 0 && live.etaSeconds === null) {
          // Measure pace from the first report on, so start-up (data, backend) does not skew the ETA.
          live.startIteration = msg.iteration;
          live.startedAt = t;
          live.etaSeconds = null;
        } else if (msg.iteration > live.startIteration) {
          const rate = (msg.iteration - live.startIteration) / ((t - live.startedAt) / 1000);
          live.etaSeconds = rate > 0 ? Math.max(0, (msg.iterations - msg.iteration) / rate) : null;
        }
        const persist = t - live.lastPersist >= 1000 || msg.iteration === msg.iterations;
        if (persist) {
          live.lastPersist = t;
          this.repo.updateRun(runId, { iteration: msg.iteration });
        }
        if (persist || t - live.lastEmit >= 250) {
          live.lastEmit = t;
          const s = this.repo.getSummary(runId);
          this.emit('runUpdate', this.withLive({ ...s, iteration: msg.iteration }));
        }
        return;
      }
      case 'metrics':
        this.repo.addMetrics(runId, msg.points);
        this.emit('metrics', { runId, points: msg.points });
        return;
      case 'round':
        // A finished round is committed whole: its result, its init and trained weights and its mask.
        this.db.transaction(() => {
          this.repo.addRound(runId, msg.result);
          this.tensors.saveState(runId, msg.result.round, 'init', msg.states.init);
          this.tensors.saveState(runId, msg.result.round, 'trained', msg.states.trained);
          this.repo.updateRun(runId, { normalisation: msg.normalisation });
        })();
        return;
      default:
        return;
    }
  }

  private finishRun(runId: string, status: 'done' | 'failed' | 'cancelled', error: string | null): void {
    this.live.delete(runId);
    this.repo.updateRun(runId, { status, error, pid: null });
    const s = this.repo.getSummary(runId);
    this.emit('runUpdate', s);
    for (const w of this.waiters.get(runId) ?? []) w(s);
    this.waiters.delete(runId);
    this.pump();
  }

  /** Cancels running jobs, waits for them, and closes the database. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.watchTimer) clearInterval(this.watchTimer);
    for (const q of this.queue.splice(0)) this.finishRun(q.runId, 'cancelled', null);
    const pending = [...this.live.values()].map((l) => {
      l.handle?.cancel();
      return l.handle?.outcome;
    });
    await Promise.all(pending);
    this.db.close();
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// The app core: implements the contract over the store and the engine host. Transport-agnostic: Electron IPC, the
// WebSocket server and the CLI all call `call(method, params)` and subscribe to events. Validates every argument.
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { describeZodError, identityOfConfig } from '../../shared/config';
import type { ExperimentConfig } from '../../shared/config';
import {
  paramSchemas,
  isMethodName,
  snapshotPathProblem,
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
import { ValidationError, oneLine } from '../../shared/errors';
import { openDatabase, type Db } from '../store/db';
import { Repo } from '../store/repo';
import { TensorStore } from '../store/tensors';
import { runJob, type JobHandle, type SpawnWorker } from '../worker/host';
import type { WorkerToHost } from '../worker/protocol';
import { describePresets } from './estimate';
import { loadPresets, resolveRunConfig } from './presets';
import { buildSpec, isReady, nextRound, plannedRounds, planRuns, type RunRounds, type StateSource } from './planner';
import { exportSnapshot, importSnapshot, importSnapshotBytes } from './snapshots';
import { AnalysisService } from './analysis';
import { preflight } from './preflight';
import { remoteRefusal, type CallContext } from './requests';
import { pidAlive } from '../pid';
import { freeReplicate, plannedRunIds, seedsOfShard, shardText, type PlannedId, type Shard } from './shards';

export const APP_VERSION = '0.1.0';

export interface CoreOptions {
  dbPath: string;
  dataDir: string;
  backend: BackendChoice;
  presetsDir: string;
  spawnWorker: SpawnWorker;
  transport: AppInfo['transport'];
  /** Jobs run at once; default: one per core. */
  concurrency?: number;
  /**
   * Poll the database this often (ms) for runs written by other processes (a CLI run while the app is open) and
   * push their updates and metrics as events. Off by default (the CLI needs none).
   */
  watchExternalMs?: number;
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

interface Live {
  handle: JobHandle | null;
  startedAt: number;
  startIteration: number;
  lastEmit: number;
  lastPersist: number;
  etaSeconds: number | null;
  /** Iterations of the run's earlier rounds, added to the round's own progress. */
  offset: number;
  cancelled: boolean;
}

export function experimentId(config: ExperimentConfig): string {
  return createHash('sha256').update(identityOfConfig(config)).digest('hex').slice(0, 16);
}

/** A random run id, for runs that are not part of an experiment's plan (imported snapshots). */
export function newRunId(): string {
  return `r${randomBytes(5).toString('hex')}`;
}

/**
 * Runs some core of this process has claimed (its pid written into them). A run that names this process's pid but
 * is not among them was left by an earlier process that had the same pid: in a restarted container the new process
 * often gets the old one's pid.
 */
const claimedHere = new Set<string>();

export class Core {
  readonly db: Db;
  readonly repo: Repo;
  readonly tensors: TensorStore;
  readonly analyses: AnalysisService;
  private readonly presets: Map<string, PresetSummary>;
  private readonly listeners = new Set<Listener>();
  private readonly live = new Map<string, Live>();
  /** Runs whose next round is ready, waiting for a free worker. */
  private readonly queue: string[] = [];
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
    this.concurrency = opts.concurrency ?? Math.max(1, availableParallelism());
    this.analyses = new AnalysisService(this, {
      spawnWorker: opts.spawnWorker,
      shards: this.concurrency,
      backend: opts.backend,
      dataDir: opts.dataDir,
      emitProgress: (p) => this.emit('analysisProgress', p),
    });
    this.repo.markOrphansInterrupted(isAlive);
    // One worker per core: each trains single-threaded (wasm) and the core itself is mostly idle.
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

  /** Claims a run for this core (and process): its pid is written into the run. */
  private own(runId: string): void {
    this.ownRuns.add(runId);
    claimedHere.add(runId);
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
   * says who calls: a remote client (serve mode) may not name files on this machine, and may abort or take the
   * progress of its own analyses (see requests.ts).
   */
  async call(method: unknown, params: unknown, ctx?: CallContext): Promise<unknown> {
    if (!isMethodName(method)) throw new ValidationError(`unknown method ${String(method).slice(0, 64)}`);
    const refusal = ctx?.remote ? remoteRefusal(method) : null;
    if (refusal) throw new ValidationError(`${method}: ${refusal}`);
    const parsed = paramSchemas[method].safeParse(params ?? {});
    if (!parsed.success) throw new ValidationError(describeZodError(method, parsed.error));
    return this.handlers[method](parsed.data as never, ctx);
  }

  /** serve mode's snapshot upload: validates the bytes completely, then stores them as a new run. */
  uploadSnapshot(bytes: Uint8Array, name: string): Result<'importSnapshot'> {
    return this.announceImport(importSnapshotBytes(this, bytes, name));
  }

  private announceImport(r: Result<'importSnapshot'>): Result<'importSnapshot'> {
    this.own(r.runId);
    this.emit('runUpdate', this.repo.getSummary(r.runId));
    return r;
  }

  readonly handlers: { [M in MethodName]: (p: Params<M>, ctx?: CallContext) => Promise<Result<M>> } = {
    getInfo: async () => ({
      version: APP_VERSION,
      backendChoice: this.opts.backend,
      backend: this.backend,
      presets: describePresets(this.presets.values(), { choice: this.opts.backend, last: this.backend, workers: this.concurrency, dataDir: this.opts.dataDir }),
      dbPath: this.opts.dbPath,
      dataDir: this.opts.dataDir,
      transport: this.opts.transport,
      nativeDialogs: this.opts.host !== undefined,
    }),
    listRuns: async () => this.repo.listRuns().map((r) => this.withLive(r)),
    getRun: async ({ runId }) => this.withLive(this.repo.getRun(runId)),
    getMetrics: async ({ runId }) => this.repo.getMetrics(runId),
    startRun: async (p) => this.startRun(p),
    cancelRun: async ({ runId }) => this.cancelRun(runId),
    resumeRun: async ({ runId }) => this.resumeRun(runId),
    listExperiments: async () => this.repo.listExperiments(),
    getExperiment: async ({ experimentId }) => {
      const e = this.repo.getExperiment(experimentId);
      return { ...e, runs: e.runs.map((r) => this.withLive(r)) };
    },
    exportSnapshot: async (p) => {
      const ref = [p.runId, ...(p.round !== undefined ? [String(p.round)] : []), p.which ?? 'trained'].join(':');
      const opts = { ...(p.format ? { format: p.format } : {}), ...(p.masksOnly !== undefined ? { masksOnly: p.masksOnly } : {}) };
      const { path, format, bytes, runId, round, which, density } = exportSnapshot(this, ref, localPath(p.path), opts);
      return { path, format, bytes, runId, round, which, density };
    },
    importSnapshot: async ({ path }) => this.announceImport(importSnapshot(this, localPath(path))),
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
    analyzeOverlap: async (p) => this.analyses.overlap(p),
    analyzeOverlapMatrix: async (p) => this.analyses.overlapMatrix(p),
    maskPixels: async (p) => this.analyses.maskPixels(p),
    analyzeSelectivity: async (p, ctx) => this.analyses.selectivity(p, ctx),
    analyzeActivations: async (p, ctx) => this.analyses.activations(p, ctx),
    analyzeSubcircuit: async (p, ctx) => this.analyses.subcircuit(p, ctx),
    analyzeMultigraph: async (p) => this.analyses.multigraph(p),
  };

  /** Resolves a preset or a raw config plus `--set` style overrides to a validated config. */
  resolveConfig(p: Methods['startRun']['params']): ExperimentConfig {
    return resolveRunConfig(this.presets, p);
  }

  startRun(p: Methods['startRun']['params']): Result<'startRun'> {
    if (this.closed) throw new Error('the core is shutting down');
    const config = this.resolveConfig(p);
    preflight(config, this.opts.backend, this.opts.dataDir);
    const expId = experimentId(config);
    const plan = planRuns(config);
    // Run ids follow from the experiment, seed, kind and replicate (shards.ts), so shards merge into one experiment.
    const seeds = p.shard ? seedsOfShard(config.seeds, p.shard) : config.seeds;
    const idsAt = (replicate: number) => plannedRunIds(expId, seeds, plan, replicate);
    if (p.shard) {
      const continued = this.continueShard(expId, idsAt(0), p.shard);
      if (continued) return continued;
    }
    const planned = idsAt(p.shard ? 0 : freeReplicate((r) => idsAt(r).map((x) => x.runId), (id) => this.repo.runExists(id)));
    const runIds: string[] = [];
    this.db.transaction(() => {
      this.repo.ensureExperiment(expId, config);
      let parent: string | null = null;
      for (const { runId, seed, kind, isControl } of planned) {
        const rounds = plan.find((x) => x.kind === kind)!.rounds;
        this.repo.createRun({
          id: runId,
          experimentId: expId,
          seed,
          kind,
          config,
          iterations: config.iterations * rounds.length,
          pid: process.pid,
          parentRunId: isControl ? parent : null,
          firstRound: rounds[0]!,
          roundsTotal: rounds.length,
        });
        if (!isControl) parent = runId;
        runIds.push(runId);
        this.own(runId);
      }
    })();
    for (const id of runIds) this.emit('runUpdate', this.repo.getSummary(id));
    for (const id of runIds) this.schedule(id);
    return { experimentId: expId, runIds };
  }

  /**
   * `run --shard` into a database that already holds the shard's runs continues them (a pre-empted job re-queued by
   * the scheduler picks up where it stopped; a finished shard just reports) instead of starting new ones. Null when
   * the database holds none of them; a database holding only some is refused.
   */
  private continueShard(expId: string, planned: PlannedId[], shard: Shard): Result<'startRun'> | null {
    const held = planned.filter((x) => this.repo.runExists(x.runId));
    if (!held.length) return null;
    if (held.length < planned.length) {
      throw new ValidationError(`shard ${shardText(shard)}: the database holds ${held.length} of its ${planned.length} runs; give each shard a database of its own`);
    }
    const resumed = new Set<string>();
    for (const t of planned.filter((x) => !x.isControl)) {
      if (this.repo.group(t.runId).some((id) => this.repo.getSummary(id).status !== 'done')) this.resumeRun(t.runId).runIds.forEach((id) => resumed.add(id));
    }
    // Like a start, report every run of the shard (the resumed ones reported themselves as queued).
    for (const x of planned) if (!resumed.has(x.runId)) this.emit('runUpdate', this.repo.getSummary(x.runId));
    return { experimentId: expId, runIds: planned.map((x) => x.runId) };
  }

  /** Continues the runs of a group (a ticket and its controls) that are not done, from their last committed round. */
  resumeRun(runId: string): Result<'resumeRun'> {
    if (this.closed) throw new Error('the core is shutting down');
    const group = this.repo.group(runId);
    const todo = group.filter((id) => this.repo.getSummary(id).status !== 'done');
    if (!todo.length) throw new ValidationError(`run ${runId} is done: nothing to resume`);
    preflight(this.repo.getRun(runId).config, this.opts.backend, this.opts.dataDir);
    for (const id of todo) {
      if (this.live.has(id) || this.queue.includes(id)) throw new ValidationError(`run ${id} is already running`);
      const s = this.repo.getSummary(id);
      if (s.status === 'running' || s.status === 'queued') {
        // Owned by another live process (orphans were marked failed when this core opened the database).
        throw new ValidationError(`run ${id} is ${s.status} in another process`);
      }
    }
    for (const id of todo) {
      this.repo.updateRun(id, { status: 'queued', error: null, pid: process.pid });
      this.own(id);
      this.emit('runUpdate', this.repo.getSummary(id));
    }
    for (const id of todo) this.schedule(id);
    return { runIds: todo };
  }

  cancelRun(runId: string): { cancelled: boolean } {
    const summary = this.repo.getSummary(runId);
    if (summary.status === 'done' || summary.status === 'failed' || summary.status === 'cancelled') return { cancelled: false };
    // Cancelling a ticket cancels its controls too: they cannot go on without its rounds.
    const targets = summary.parentRunId ? [runId] : this.repo.group(runId);
    let any = false;
    for (const id of targets) {
      const live = this.live.get(id);
      if (live?.handle) {
        live.cancelled = true;
        live.handle.cancel();
        any = true;
      } else if (this.ownRuns.has(id) && ['queued', 'running'].includes(this.repo.getSummary(id).status)) {
        const q = this.queue.indexOf(id);
        if (q >= 0) this.queue.splice(q, 1);
        this.finishRun(id, 'cancelled', null);
        any = true;
      }
    }
    return { cancelled: any };
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

  /** The rounds a run trains (from its config: controls may skip rounds) and those it has committed. */
  private rounds(runId: string): RunRounds {
    const info = this.repo.roundInfo(runId);
    const run = this.repo.getRun(runId);
    return { rounds: plannedRounds(run.config, run.kind, info), committed: info.committed };
  }

  /** Queues the run's next round if it is ready; finishes the run when all its rounds are committed. */
  private schedule(runId: string): void {
    if (this.closed || this.live.has(runId) || this.queue.includes(runId) || !this.ownRuns.has(runId)) return;
    const s = this.repo.getSummary(runId);
    if (s.status !== 'queued' && s.status !== 'running') return;
    const own = this.rounds(runId);
    const round = nextRound(own);
    if (round === null) {
      this.finishRun(runId, 'done', null);
      return;
    }
    const parent = s.parentRunId ? this.rounds(s.parentRunId) : null;
    if (!isReady(round, own, parent)) return;
    this.queue.push(runId);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.live.size < this.concurrency && this.queue.length) {
      const runId = this.queue.shift()!;
      try {
        this.startJob(runId);
      } catch (err) {
        this.finishRun(runId, 'failed', oneLine(err));
      }
    }
  }

  private stateSource(runId: string, parentRunId: string | null, arch: string): StateSource {
    const parent = parentRunId ?? runId;
    return {
      own: (round, state) => this.tensors.loadState(runId, round, state, arch),
      parent: (round, state) => this.tensors.loadState(parent, round, state, arch),
      ownHasRewind: () => this.tensors.hasState(runId, 0, 'rewind'),
      parentHasRewind: () => this.tensors.hasState(parent, 0, 'rewind'),
    };
  }

  private startJob(runId: string): void {
    const run = this.repo.getRun(runId);
    const own = this.rounds(runId);
    const round = nextRound(own)!;
    const spec = buildSpec(run.config, run.kind, round, this.stateSource(runId, run.parentRunId, run.config.arch));
    // Iterations of the rounds this run trained before this one (not round numbers: controls may skip rounds).
    const offset = own.rounds.indexOf(round) * run.config.iterations;
    const live: Live = { handle: null, startedAt: Date.now(), startIteration: 0, lastEmit: 0, lastPersist: 0, etaSeconds: null, offset, cancelled: false };
    this.live.set(runId, live);
    this.repo.updateRun(runId, { status: 'running', iteration: offset, error: null, pid: process.pid });
    this.emit('runUpdate', this.withLive(this.repo.getSummary(runId)));
    const job = { runId, config: run.config, seed: run.seed, backend: this.opts.backend, dataDir: this.opts.dataDir, spec };
    live.handle = runJob(this.opts.spawnWorker, job, (msg) => this.onWorkerMessage(runId, live, msg));
    void live.handle.outcome.then((o) => {
      this.live.delete(runId);
      if (o.kind === 'cancelled' || live.cancelled) this.finishRun(runId, 'cancelled', null);
      else if (o.kind === 'failed') this.finishRun(runId, 'failed', o.message);
      else {
        // The round is committed: this run and the controls waiting on it may go on.
        this.schedule(runId);
        for (const id of this.repo.group(runId)) if (id !== runId) this.schedule(id);
      }
      this.pump();
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
        const iteration = live.offset + msg.iteration;
        const persist = t - live.lastPersist >= 1000 || msg.iteration === msg.iterations;
        if (persist) {
          live.lastPersist = t;
          this.repo.updateRun(runId, { iteration });
        }
        if (persist || t - live.lastEmit >= 250) {
          live.lastEmit = t;
          const s = this.repo.getSummary(runId);
          // ETA of this round plus the run's rounds still to come, at the pace measured in this round.
          const perIteration = live.etaSeconds !== null && msg.iterations > msg.iteration ? live.etaSeconds / (msg.iterations - msg.iteration) : null;
          const etaSeconds = perIteration !== null ? perIteration * (s.iterations - iteration) : live.etaSeconds;
          this.emit('runUpdate', { ...s, iteration, etaSeconds });
        }
        return;
      }
      case 'metrics':
        this.repo.addMetrics(runId, msg.points);
        this.emit('metrics', { runId, points: msg.points });
        return;
      case 'round':
        // A finished round is committed whole: its result, its init and trained weights, its mask and warnings.
        this.db.transaction(() => {
          const round = msg.result.round;
          this.repo.addRound(runId, msg.result);
          this.tensors.saveState(runId, round, 'init', msg.states.init);
          this.tensors.saveState(runId, round, 'trained', msg.states.trained);
          if (msg.states.rewind) this.tensors.saveState(runId, round, 'rewind', msg.states.rewind);
          const prior = this.repo.getRun(runId).warnings.filter((w) => !w.startsWith(`round ${round}:`));
          this.repo.updateRun(runId, { normalisation: msg.normalisation, warnings: [...prior, ...msg.warnings] });
        })();
        this.emit('runUpdate', this.withLive(this.repo.getSummary(runId)));
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
    if (status !== 'done' && !s.parentRunId) {
      // Controls cannot go on without their ticket's rounds.
      for (const id of this.repo.group(runId)) {
        if (id === runId || this.live.has(id)) continue;
        const c = this.repo.getSummary(id);
        if (c.status === 'queued' || c.status === 'running') {
          const q = this.queue.indexOf(id);
          if (q >= 0) this.queue.splice(q, 1);
          this.finishRun(id, status === 'cancelled' ? 'cancelled' : 'failed', status === 'cancelled' ? null : `its ticket run ${runId} failed`);
        }
      }
    }
  }

  /** Cancels running jobs, waits for them, and closes the database. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.watchTimer) clearInterval(this.watchTimer);
    for (const id of this.queue.splice(0)) this.finishRun(id, 'cancelled', null);
    const pending = [...this.live.values()].map((l) => {
      l.handle?.cancel();
      return l.handle?.outcome;
    });
    await Promise.all(pending);
    this.db.close();
  }
}

function isAlive(pid: number, runId: string): boolean {
  return pid === process.pid ? claimedHere.has(runId) : pidAlive(pid);
}

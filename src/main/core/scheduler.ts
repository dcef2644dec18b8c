// The runs this process trains: an experiment's runs are created in one transaction, then each run's rounds go to
// the job queue (jobs.ts) as they become ready (a control's round waits for its ticket's same round, planner.ts). A
// worker's messages become committed rounds, metrics and progress; the owner persists the iteration and its ETA every
// second, so other processes on the database can show them. Runs another process owns are cancelled through a cancel
// request (the owner polls for them). A resumed run keeps the backend it trained on unless told otherwise.
import type { ExperimentConfig } from '../../shared/config';
import type { BackendChoice, BackendReport, EventName, Events, Result, RunSummary } from '../../shared/contract';
import { ValidationError } from '../../shared/errors';
import { experimentId } from '../../shared/refs';
import type { Store } from '../store';
import type { JobOutcome } from '../worker/host';
import type { TrainJob, WorkerToHost } from '../worker/protocol';
import { pidAlive } from '../pid';
import type { JobQueue, QueuedJob } from './jobs';
import { buildSpec, isReady, nextRound, plannedRounds, planRuns, type RunRounds, type StateSource } from './planner';
import { backendProblem } from './preflight';
import { freeReplicate, plannedRunIds, seedsOfShard, shardText, type PlannedId, type Shard } from './shards';
import { APP_VERSION } from './version';

export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

export interface SchedulerOptions {
  store: Store;
  jobs: JobQueue;
  /** What the core was asked to train on (`--backend`, the app setting). */
  backend: BackendChoice;
  dataDir: string;
  emit: Emit;
  /** Throws (one line) when a run of this config cannot start here: its data set or backend is missing. */
  preflight(config: ExperimentConfig): void;
  /** How often (ms) to look for cancel requests from other processes while runs are in progress here. */
  cancelPollMs?: number;
}

interface Live {
  job: QueuedJob | null;
  /** Settles once the job's outcome has been recorded. */
  done: Promise<void>;
  startedAt: number;
  startIteration: number;
  lastEmit: number;
  lastPersist: number;
  etaSeconds: number | null;
  /** Iterations of the run's earlier rounds, added to the round's own progress. */
  offset: number;
  cancelled: boolean;
  /** How the run ends when its job stops (a control whose ticket failed); cancelled otherwise. */
  endAs?: { status: 'failed' | 'cancelled'; error: string | null };
}

const ACTIVE = new Set(['queued', 'running']);

/**
 * Runs some core of this process has claimed (its pid written into them). A run that names this process's pid but
 * is not among them was left by an earlier process that had the same pid: in a restarted container the new process
 * often gets the old one's pid.
 */
const claimedHere = new Set<string>();

/** Claims a run for this process (a run it trains, or an import it stored). */
export function claimRun(runId: string): void {
  claimedHere.add(runId);
}

/** Whether the process `pid` still owns the run (for markOrphansInterrupted). */
export function ownerAlive(pid: number, runId: string): boolean {
  return pid === process.pid ? claimedHere.has(runId) : pidAlive(pid);
}
const isTerminal = (s: RunSummary) => s.status === 'done' || s.status === 'failed' || s.status === 'cancelled';

export class RunScheduler {
  private readonly live = new Map<string, Live>();
  /** Runs this process created or resumed (it schedules their rounds), and those of them still in progress. */
  private readonly own = new Set<string>();
  private readonly active = new Set<string>();
  private readonly waiters = new Map<string, ((s: RunSummary) => void)[]>();
  /** The backend a resumed run trains on (its own, or the one `--backend` named). */
  private readonly runBackend = new Map<string, BackendChoice>();
  private lastBackend: BackendReport | null = null;
  private readonly cancelTimer: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.cancelTimer = setInterval(() => this.takeCancelRequests(), opts.cancelPollMs ?? 500);
    this.cancelTimer.unref();
  }

  private get repo() {
    return this.opts.store.repo;
  }

  /** The backend the last job reported (null before any job ran in this process). */
  get backend(): BackendReport | null {
    return this.lastBackend;
  }

  owns(runId: string): boolean {
    return this.own.has(runId);
  }

  /**
   * Stores the experiment's runs (one transaction) and schedules them; with `shard`, only that shard's seed groups.
   * Run ids follow from the experiment, seed, kind and replicate (shards.ts), so shards merge into one experiment.
   */
  start(config: ExperimentConfig, shard?: Shard): Result<'startRun'> {
    if (this.closed) throw new Error('the core is shutting down');
    this.opts.preflight(config);
    const expId = experimentId(config);
    const plan = planRuns(config);
    const seeds = shard ? seedsOfShard(config.seeds, shard) : config.seeds;
    const idsAt = (replicate: number) => plannedRunIds(expId, seeds, plan, replicate);
    if (shard) {
      const continued = this.continueShard(expId, idsAt(0), shard);
      if (continued) return continued;
    }
    const planned = idsAt(shard ? 0 : freeReplicate((r) => idsAt(r).map((x) => x.runId), (id) => this.repo.runExists(id)));
    const runIds: string[] = [];
    this.opts.store.transaction(() => {
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
      }
    });
    for (const id of runIds) this.adopt(id);
    for (const id of runIds) this.opts.emit('runUpdate', this.repo.getSummary(id));
    for (const id of runIds) this.schedule(id);
    return { experimentId: expId, runIds };
  }

  /**
   * `run --shard` into a database that already holds the shard's runs continues them (a pre-empted job re-queued by
   * the cluster's scheduler picks up where it stopped; a finished shard just reports) instead of starting new ones.
   * Null when the database holds none of them; a database holding only some is refused.
   */
  private continueShard(expId: string, planned: PlannedId[], shard: Shard): Result<'startRun'> | null {
    const held = planned.filter((x) => this.repo.runExists(x.runId));
    if (!held.length) return null;
    if (held.length < planned.length) {
      throw new ValidationError(`shard ${shardText(shard)}: the database holds ${held.length} of its ${planned.length} runs; give each shard a database of its own`);
    }
    const resumed = new Set<string>();
    for (const t of planned.filter((x) => !x.isControl)) {
      if (this.repo.group(t.runId).some((id) => this.repo.getSummary(id).status !== 'done')) this.resume(t.runId).runIds.forEach((id) => resumed.add(id));
    }
    // Like a start, report every run of the shard (the resumed ones reported themselves as queued).
    for (const x of planned) if (!resumed.has(x.runId)) this.opts.emit('runUpdate', this.repo.getSummary(x.runId));
    return { experimentId: expId, runIds: planned.map((x) => x.runId) };
  }

  /**
   * Continues the runs of a group (a ticket and its controls) that are not done, from their last committed round.
   * They train on the backend they trained on before: with `--backend auto` a run whose backend is not available here
   * is refused; a backend named explicitly is used, and the runs record the change as a warning.
   */
  resume(runId: string): Result<'resumeRun'> {
    if (this.closed) throw new Error('the core is shutting down');
    const group = this.repo.group(runId);
    const todo = group.filter((id) => this.repo.getSummary(id).status !== 'done');
    if (!todo.length) throw new ValidationError(`run ${runId} is done: nothing to resume`);
    for (const id of todo) {
      if (this.live.has(id)) throw new ValidationError(`run ${id} is already running`);
      const s = this.repo.getSummary(id);
      // Owned by another live process (orphans were marked failed when this core opened the database).
      if (ACTIVE.has(s.status)) throw new ValidationError(`run ${id} is ${s.status} in another process`);
    }
    this.opts.preflight(this.repo.getRun(runId).config);
    const { backend, warning } = this.resumeBackend(runId, group);
    for (const id of todo) {
      const warnings = warning ? [...this.repo.getRun(id).warnings.filter((w) => w !== warning), warning] : undefined;
      this.repo.updateRun(id, { status: 'queued', error: null, pid: process.pid, ...(warnings ? { warnings } : {}) });
      this.runBackend.set(id, backend);
      this.adopt(id);
      this.opts.emit('runUpdate', this.repo.getSummary(id));
    }
    for (const id of todo) this.schedule(id);
    return { runIds: todo };
  }

  private resumeBackend(runId: string, group: string[]): { backend: BackendChoice; warning: string | null } {
    const choice = this.opts.backend;
    const recorded = [runId, ...group].map((id) => this.repo.getSummary(id).backend).find((b) => b !== null) ?? null;
    if (recorded === null || recorded === choice) return { backend: choice, warning: null };
    if (choice === 'auto') {
      const problem = backendProblem(recorded);
      if (problem) {
        throw new ValidationError(
          `run ${runId} trained on the ${recorded} backend, which is not available here (${problem}); ` +
            'resume with --backend NAME to go on with another backend (the run records the change)',
        );
      }
      return { backend: recorded, warning: null };
    }
    return { backend: choice, warning: `resumed on the ${choice} backend (its earlier rounds trained on ${recorded})` };
  }

  /**
   * Cancels a run, and a ticket's controls with it (they cannot go on without its rounds). A run another process
   * trains gets a cancel request, which that process carries out within a second.
   */
  cancel(runId: string): Result<'cancelRun'> {
    const summary = this.repo.getSummary(runId);
    if (isTerminal(summary)) return { cancelled: false };
    const targets = summary.parentRunId ? [runId] : this.repo.group(runId);
    let any = false;
    for (const id of targets) {
      const live = this.live.get(id);
      const s = this.repo.getSummary(id);
      if (live) {
        live.cancelled = true;
        live.job?.cancel();
        any = true;
      } else if (this.active.has(id)) {
        // Ours, waiting for its ticket's round: nothing is queued yet.
        this.finishRun(id, 'cancelled', null);
        any = true;
      } else if (id === runId && ACTIVE.has(s.status) && this.ownedElsewhere(id)) {
        // The owner cancels the rest of the group itself.
        this.repo.requestCancel(id, process.pid);
        any = true;
      }
    }
    return { cancelled: any };
  }

  /** Whether a live process other than this one owns the run. */
  private ownedElsewhere(runId: string): boolean {
    const pid = this.repo.ownerPid(runId);
    return pid !== null && pid !== process.pid && pidAlive(pid);
  }

  /** Carries out cancel requests other processes left for the runs in progress here. */
  private takeCancelRequests(): void {
    if (this.closed || !this.active.size) return;
    for (const id of this.repo.takeCancelRequests([...this.active])) this.cancel(id);
  }

  /** Resolves when the run reaches done, failed or cancelled. */
  waitFor(runId: string): Promise<RunSummary> {
    const s = this.repo.getSummary(runId);
    if (isTerminal(s)) return Promise.resolve(s);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** A run's summary with the live ETA of a run this process trains. */
  withLive<T extends RunSummary>(s: T): T {
    const live = this.live.get(s.runId);
    return live ? { ...s, etaSeconds: live.etaSeconds } : s;
  }

  private adopt(runId: string): void {
    claimRun(runId);
    this.own.add(runId);
    this.active.add(runId);
  }

  /** The rounds a run trains (from its config: controls may skip rounds) and those it has committed. */
  private rounds(runId: string): RunRounds {
    const info = this.repo.roundInfo(runId);
    const run = this.repo.getRun(runId);
    return { rounds: plannedRounds(run.config, run.kind, info), committed: info.committed };
  }

  /** Queues the run's next round if it is ready; finishes the run when all its rounds are committed. */
  private schedule(runId: string): void {
    if (this.closed || this.live.has(runId) || !this.own.has(runId)) return;
    const s = this.repo.getSummary(runId);
    if (!ACTIVE.has(s.status)) return;
    const own = this.rounds(runId);
    const round = nextRound(own);
    if (round === null) {
      this.finishRun(runId, 'done', null);
      return;
    }
    const parent = s.parentRunId ? this.rounds(s.parentRunId) : null;
    if (!isReady(round, own, parent)) return;
    const live: Live = { job: null, done: Promise.resolve(), startedAt: 0, startIteration: 0, lastEmit: 0, lastPersist: 0, etaSeconds: null, offset: 0, cancelled: false };
    this.live.set(runId, live);
    const job = this.opts.jobs.submit({
      label: `train ${runId} round ${round}`,
      lane: 'background',
      build: () => this.trainJob(runId, live),
      onStart: () => {
        this.repo.updateRun(runId, { status: 'running', iteration: live.offset, error: null, pid: process.pid, etaSeconds: null });
        this.opts.emit('runUpdate', this.withLive(this.repo.getSummary(runId)));
      },
      onMessage: (msg) => this.onWorkerMessage(runId, live, msg),
    });
    live.job = job;
    live.done = job.outcome.then((o) => this.onOutcome(runId, live, o));
  }

  private stateSource(runId: string, parentRunId: string | null, arch: string): StateSource {
    const tensors = this.opts.store.tensors;
    const parent = parentRunId ?? runId;
    return {
      own: (round, state) => tensors.loadState(runId, round, state, arch),
      parent: (round, state) => tensors.loadState(parent, round, state, arch),
      ownHasRewind: () => tensors.hasState(runId, 0, 'rewind'),
      parentHasRewind: () => tensors.hasState(parent, 0, 'rewind'),
    };
  }

  /** The job for the run's next round, built when a worker is free. */
  private trainJob(runId: string, live: Live): TrainJob {
    const run = this.repo.getRun(runId);
    const own = this.rounds(runId);
    const round = nextRound(own)!;
    const spec = buildSpec(run.config, run.kind, round, this.stateSource(runId, run.parentRunId, run.config.arch));
    // Iterations of the rounds this run trained before this one (not round numbers: controls may skip rounds).
    live.offset = own.rounds.indexOf(round) * run.config.iterations;
    live.startedAt = Date.now();
    const backend = this.runBackend.get(runId) ?? this.opts.backend;
    return { runId, config: run.config, seed: run.seed, backend, dataDir: this.opts.dataDir, spec };
  }

  private onOutcome(runId: string, live: Live, o: JobOutcome): void {
    this.live.delete(runId);
    if (live.endAs) this.finishRun(runId, live.endAs.status, live.endAs.error);
    else if (o.kind === 'cancelled' || live.cancelled) this.finishRun(runId, 'cancelled', null);
    else if (o.kind === 'failed') this.finishRun(runId, 'failed', o.message);
    else {
      // The round is committed: this run and the controls waiting on it may go on.
      this.schedule(runId);
      for (const id of this.repo.group(runId)) if (id !== runId) this.schedule(id);
    }
  }

  private onWorkerMessage(runId: string, live: Live, msg: WorkerToHost): void {
    const { repo } = this;
    switch (msg.type) {
      case 'backend':
        this.lastBackend = msg.report;
        repo.updateRun(runId, { backendReport: msg.report, versions: { ticketscope: APP_VERSION, ...msg.versions } });
        this.opts.emit('backend', msg.report);
        this.opts.emit('runUpdate', this.withLive(repo.getSummary(runId)));
        return;
      case 'progress':
        this.onProgress(runId, live, msg.iteration, msg.iterations);
        return;
      case 'metrics':
        repo.addMetrics(runId, msg.points);
        this.opts.emit('metrics', { runId, points: msg.points });
        return;
      case 'round':
        // A finished round is committed whole: its result, its init and trained weights, its mask and warnings.
        this.opts.store.transaction(() => {
          const round = msg.result.round;
          const tensors = this.opts.store.tensors;
          repo.addRound(runId, msg.result);
          tensors.saveState(runId, round, 'init', msg.states.init);
          tensors.saveState(runId, round, 'trained', msg.states.trained);
          if (msg.states.rewind) tensors.saveState(runId, round, 'rewind', msg.states.rewind);
          const prior = repo.getRun(runId).warnings.filter((w) => !w.startsWith(`round ${round}:`));
          repo.updateRun(runId, { normalisation: msg.normalisation, warnings: [...prior, ...msg.warnings] });
        });
        this.opts.emit('runUpdate', this.withLive(repo.getSummary(runId)));
        return;
      default:
        return;
    }
  }

  /** Pace and ETA from the worker's progress; the iteration and ETA are persisted every second for other processes. */
  private onProgress(runId: string, live: Live, done: number, total: number): void {
    const t = Date.now();
    if (live.startIteration === 0 && done > 0 && live.etaSeconds === null) {
      // Measure pace from the first report on, so start-up (data, backend) does not skew the ETA.
      live.startIteration = done;
      live.startedAt = t;
    } else if (done > live.startIteration) {
      const rate = (done - live.startIteration) / ((t - live.startedAt) / 1000);
      live.etaSeconds = rate > 0 ? Math.max(0, (total - done) / rate) : null;
    }
    const iteration = live.offset + done;
    const persist = t - live.lastPersist >= 1000 || done === total;
    if (!persist && t - live.lastEmit < 250) return;
    live.lastEmit = t;
    const s = this.repo.getSummary(runId);
    // ETA of this round plus the run's rounds still to come, at the pace measured in this round.
    const perIteration = live.etaSeconds !== null && total > done ? live.etaSeconds / (total - done) : null;
    const etaSeconds = perIteration !== null ? perIteration * (s.iterations - iteration) : live.etaSeconds;
    if (persist) {
      live.lastPersist = t;
      this.repo.updateRun(runId, { iteration, etaSeconds });
    }
    this.opts.emit('runUpdate', { ...s, iteration, etaSeconds });
  }

  private finishRun(runId: string, status: 'done' | 'failed' | 'cancelled', error: string | null): void {
    this.live.delete(runId);
    this.active.delete(runId);
    this.repo.updateRun(runId, { status, error, pid: null, etaSeconds: null });
    this.repo.takeCancelRequests([runId]);
    const s = this.repo.getSummary(runId);
    this.opts.emit('runUpdate', s);
    for (const w of this.waiters.get(runId) ?? []) w(s);
    this.waiters.delete(runId);
    if (status !== 'done' && !s.parentRunId) {
      // Controls cannot go on without their ticket's rounds.
      const end = status === 'cancelled' ? { status, error: null } : { status, error: `its ticket run ${runId} failed` };
      for (const id of this.repo.group(runId)) {
        if (id === runId || !this.active.has(id)) continue;
        const live = this.live.get(id);
        if (!live) this.finishRun(id, end.status, end.error);
        else {
          live.endAs = end;
          live.job?.cancel();
        }
      }
    }
  }

  /** Cancels the runs in progress here (they end as cancelled) and waits until their jobs have stopped. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.cancelTimer);
    const pending = [...this.live.values()];
    for (const l of pending) {
      l.cancelled = true;
      l.job?.cancel();
    }
    await Promise.all(pending.map((l) => l.done));
    for (const id of [...this.active]) this.finishRun(id, 'cancelled', null);
  }
}

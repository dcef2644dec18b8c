// One queue for every job that needs an engine worker: training rounds and the analyses that run forward passes
// (selectivity and its shards, activation maps, subcircuits). At most `concurrency` workers run at once; the rest
// wait in order. Interactive jobs (analyses a view waits for) go before background ones (training rounds), and a
// core a UI looks at keeps `reserved` of its slots free of training, so a view's analysis does not wait for a round.
// Every job can be cancelled: a waiting one leaves the queue, a running one is told to stop (and killed after a grace
// period, worker/host.ts). A job built from an AbortSignal stops when the signal aborts.
import type { JobOutcome, SpawnWorker } from '../worker/host';
import { WorkerPool, type JobHandle, type WorkerPoolOptions } from '../worker/host';
import type { Job, WorkerToHost } from '../worker/protocol';

export type Lane = 'interactive' | 'background';

export interface JobSpec {
  /** What the job is, for diagnostics: "train r1a2b3 round 2", "selectivity shard 1/2". */
  label: string;
  lane: Lane;
  /** The request the job serves, when a client asked for it (its progress goes to that client). */
  requestId?: string | number;
  /** Builds the job when a worker is free (so a waiting job holds no tensors); a throw fails the job. */
  build(): Job;
  /** Called when the job leaves the queue for a worker. */
  onStart?(): void;
  onMessage(msg: WorkerToHost): void;
  /** Aborting it cancels the job, waiting or running. */
  signal?: AbortSignal;
}

export interface QueuedJob {
  /** Settles once the job is done, failed or cancelled (also when cancelled before it started); never rejects. */
  outcome: Promise<JobOutcome>;
  readonly started: boolean;
  cancel(): void;
}

export interface JobInfo {
  label: string;
  lane: Lane;
  requestId?: string | number;
  state: 'waiting' | 'running';
}

interface Entry {
  spec: JobSpec;
  handle: JobHandle | null;
  settle(o: JobOutcome): void;
  cancelled: boolean;
}

export interface JobQueueOptions {
  spawnWorker: SpawnWorker;
  /** Workers at once, at least 1. */
  concurrency: number;
  /** Slots training may not take (kept for interactive jobs); at most concurrency - 1. */
  reserved?: number;
  /** Reuse of workers between jobs (worker/host.ts); default: a worker waits 15 s for the next job. */
  reuse?: WorkerPoolOptions;
}

/** How long a worker that finished its job waits for the next one by default. */
export const WORKER_IDLE_MS = 15_000;

export class JobQueue {
  private readonly waiting: Entry[] = [];
  private readonly running = new Set<Entry>();
  private readonly concurrency: number;
  private readonly reserved: number;
  private closed = false;
  private readonly pool: WorkerPool;

  constructor(opts: JobQueueOptions) {
    this.concurrency = Math.max(1, Math.floor(opts.concurrency));
    this.pool = new WorkerPool(opts.spawnWorker, { idleMs: WORKER_IDLE_MS, maxIdle: this.concurrency, ...opts.reuse });
    this.reserved = Math.min(Math.max(0, opts.reserved ?? 0), this.concurrency - 1);
  }

  /** Jobs running and waiting, in order (for tests and diagnostics). */
  list(): JobInfo[] {
    const info = (e: Entry, state: JobInfo['state']): JobInfo => ({
      label: e.spec.label,
      lane: e.spec.lane,
      ...(e.spec.requestId !== undefined ? { requestId: e.spec.requestId } : {}),
      state,
    });
    return [...[...this.running].map((e) => info(e, 'running')), ...this.waiting.map((e) => info(e, 'waiting'))];
  }

  get size(): { running: number; waiting: number } {
    return { running: this.running.size, waiting: this.waiting.length };
  }

  submit(spec: JobSpec): QueuedJob {
    let settle!: (o: JobOutcome) => void;
    const outcome = new Promise<JobOutcome>((resolve) => (settle = resolve));
    const entry: Entry = { spec, handle: null, settle, cancelled: false };
    const cancel = () => this.cancel(entry);
    if (this.closed || spec.signal?.aborted) {
      entry.cancelled = true;
      settle({ kind: 'cancelled' });
    } else {
      spec.signal?.addEventListener('abort', cancel, { once: true });
      void outcome.then(() => spec.signal?.removeEventListener('abort', cancel));
      // Interactive jobs wait ahead of background ones, each lane in order.
      const at = spec.lane === 'interactive' ? this.waiting.findIndex((e) => e.spec.lane === 'background') : -1;
      this.waiting.splice(at < 0 ? this.waiting.length : at, 0, entry);
      this.pump();
    }
    return {
      outcome,
      get started() {
        return entry.handle !== null;
      },
      cancel,
    };
  }

  private cancel(entry: Entry): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    const i = this.waiting.indexOf(entry);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      entry.settle({ kind: 'cancelled' });
    } else entry.handle?.cancel();
  }

  private canStart(e: Entry): boolean {
    if (this.running.size >= this.concurrency) return false;
    if (e.spec.lane === 'interactive') return true;
    const background = [...this.running].filter((r) => r.spec.lane === 'background').length;
    return background < this.concurrency - this.reserved;
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.running.size < this.concurrency; ) {
      const e = this.waiting[i]!;
      if (!this.canStart(e)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.start(e);
    }
  }

  private start(e: Entry): void {
    let job: Job;
    try {
      job = e.spec.build();
      e.spec.onStart?.();
    } catch (err) {
      e.settle({ kind: 'failed', message: err instanceof Error ? err.message.split('\n')[0]! : String(err) });
      return;
    }
    this.running.add(e);
    e.handle = this.pool.run(job, (msg) => e.spec.onMessage(msg));
    void e.handle.outcome.then((o) => {
      this.running.delete(e);
      e.settle(e.cancelled && o.kind === 'failed' ? { kind: 'cancelled' } : o);
      this.pump();
    });
  }

  /** Cancels every job, waiting or running, and resolves when the running ones have stopped. */
  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.waiting.splice(0)) {
      e.cancelled = true;
      e.settle({ kind: 'cancelled' });
    }
    const running = [...this.running];
    for (const e of running) this.cancel(e);
    await Promise.all(running.map((e) => e.handle!.outcome));
    this.pool.close();
  }
}

// Engine host: runs jobs in workers (child processes here, Electron utilityProcesses in the app) so training never
// blocks the process that serves the UI. Streams the worker's messages and supports cancel.
//
// A worker runs one job at a time. One that finished a job cleanly ('done') waits `idleMs` for the next job with the
// same backend choice and is ended after that (or after `maxJobs` jobs): starting a worker (Node, tfjs, the wasm
// backend) and building its data set cost about a second each time, more than many analyses take. A worker whose job
// failed, was cancelled or exited is never reused; the pool's close() ends the idle ones.
import { fork } from 'node:child_process';
import type { HostMessage, HostToWorker, Job, WorkerToHost } from './protocol';

/** The minimal handle on a worker; forkWorker and the Electron utilityProcess both provide it. */
export interface WorkerChannel {
  send(msg: HostToWorker): void;
  onMessage(cb: (msg: WorkerToHost) => void): void;
  onExit(cb: (code: number | null) => void): void;
  kill(): void;
}

export type SpawnWorker = () => WorkerChannel;

/** A worker as a Node child process (CLI and serve mode), running the built worker entry with this Node. */
export function forkWorker(entry: string): SpawnWorker {
  return () => {
    const child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    return {
      send: (msg) => {
        if (child.connected) child.send(msg);
      },
      onMessage: (cb) => child.on('message', (m) => cb(m as WorkerToHost)),
      onExit: (cb) => child.on('exit', (code) => cb(code)),
      kill: () => child.kill('SIGKILL'),
    };
  };
}

export type JobOutcome = { kind: 'done' } | { kind: 'cancelled' } | { kind: 'failed'; message: string; invalid?: boolean };

export interface JobHandle {
  /** Settles once the worker has finished, failed or been cancelled; never rejects. */
  outcome: Promise<JobOutcome>;
  cancel(): void;
}

/** How long a cancelled worker gets to stop by itself before it is killed. */
const CANCEL_GRACE_MS = 3000;

export interface WorkerPoolOptions {
  /** How long (ms) a worker that finished a job waits for the next; 0: one job per worker. Default 0. */
  idleMs?: number;
  /** Jobs one worker runs at most (then a fresh one starts). Default 25. */
  maxJobs?: number;
  /** Idle workers kept at most (the oldest is ended first). Default 2. */
  maxIdle?: number;
}

/** An idle worker and the timer that ends it. */
interface IdleEntry {
  worker: Worker;
  timer: ReturnType<typeof setTimeout>;
}

/** One worker and the job it runs now: a single listener each for its messages and its exit, handed to that job. */
class Worker {
  ready = false;
  exited = false;
  jobs = 0;
  private seq = 0;
  private readonly channel: WorkerChannel;
  private onMessage: ((msg: WorkerToHost) => void) | null = null;
  private onExit: ((code: number | null) => void) | null = null;

  constructor(
    spawn: SpawnWorker,
    readonly key: string,
  ) {
    this.channel = spawn();
    this.channel.onMessage((msg) => {
      if (msg.type === 'ready') this.ready = true;
      this.onMessage?.(msg);
    });
    this.channel.onExit((code) => {
      this.exited = true;
      this.onExit?.(code);
    });
  }

  attach(onMessage: (msg: WorkerToHost) => void, onExit: (code: number | null) => void): void {
    this.onMessage = onMessage;
    this.onExit = onExit;
  }

  detach(): void {
    this.onMessage = null;
    this.onExit = null;
  }

  send(m: HostMessage): void {
    this.channel.send({ ...m, seq: ++this.seq } as HostToWorker);
  }

  kill(): void {
    this.detach();
    if (!this.exited) this.channel.kill();
  }
}

export class WorkerPool {
  private readonly idle: IdleEntry[] = [];
  private readonly idleMs: number;
  private readonly maxJobs: number;
  private readonly maxIdle: number;
  private closed = false;

  constructor(
    private readonly spawn: SpawnWorker,
    opts: WorkerPoolOptions = {},
  ) {
    this.idleMs = Math.max(0, opts.idleMs ?? 0);
    this.maxJobs = Math.max(1, Math.floor(opts.maxJobs ?? 25));
    this.maxIdle = Math.max(0, Math.floor(opts.maxIdle ?? 2));
  }

  /** Workers waiting for a job (for tests and diagnostics). */
  get idleCount(): number {
    return this.idle.length;
  }

  /** An idle worker for `key`, or a new one. */
  private acquire(key: string): Worker {
    const i = this.idle.findIndex((e) => e.worker.key === key);
    if (i >= 0) {
      const entry = this.idle.splice(i, 1)[0]!;
      clearTimeout(entry.timer);
      return entry.worker;
    }
    return new Worker(this.spawn, key);
  }

  /** After a clean job: keep the worker for the next one, or end it. */
  private release(worker: Worker): void {
    if (this.closed || this.idleMs === 0 || this.maxIdle === 0 || worker.exited || worker.jobs >= this.maxJobs) {
      worker.kill();
      return;
    }
    if (this.idle.length >= this.maxIdle) this.evict(this.idle[0]!);
    const entry: IdleEntry = { worker, timer: setTimeout(() => this.evict(entry), this.idleMs) };
    entry.timer.unref?.();
    // An idle worker that dies leaves the pool.
    worker.attach(() => undefined, () => this.evict(entry));
    this.idle.push(entry);
  }

  private evict(entry: IdleEntry): void {
    clearTimeout(entry.timer);
    const i = this.idle.indexOf(entry);
    if (i >= 0) this.idle.splice(i, 1);
    entry.worker.kill();
  }

  run(job: Job, onMessage: (msg: WorkerToHost) => void): JobHandle {
    const worker = this.acquire(job.backend);
    worker.jobs++;
    let settled: JobOutcome | null = null;
    let cancelTimer: ReturnType<typeof setTimeout> | null = null;
    let resolveOutcome!: (o: JobOutcome) => void;
    const outcome = new Promise<JobOutcome>((r) => (resolveOutcome = r));
    const settle = (o: JobOutcome) => {
      if (settled) return;
      settled = o;
      if (cancelTimer) clearTimeout(cancelTimer);
      // Every message the job sent has arrived (done, cancelled and error come last): the worker is free.
      worker.detach();
      if (o.kind === 'done') this.release(worker);
      else worker.kill();
      resolveOutcome(o);
    };
    const start = () => worker.send({ type: 'start', job });

    worker.attach(
      (msg) => {
        if (settled) return;
        switch (msg.type) {
          case 'ready':
            start();
            return;
          case 'done':
            onMessage(msg);
            settle({ kind: 'done' });
            return;
          case 'cancelled':
            settle({ kind: 'cancelled' });
            return;
          case 'error':
            settle({ kind: 'failed', message: msg.message, ...(msg.invalid ? { invalid: true } : {}) });
            return;
          default:
            onMessage(msg);
        }
      },
      (code) => {
        if (cancelTimer) settle({ kind: 'cancelled' });
        settle({ kind: 'failed', message: `engine process exited unexpectedly (code ${code ?? 'signal'})` });
      },
    );
    if (worker.exited) settle({ kind: 'failed', message: 'engine process exited unexpectedly (before its job)' });
    else if (worker.ready) start();

    return {
      outcome,
      cancel() {
        if (settled || cancelTimer) return;
        worker.send({ type: 'cancel' });
        cancelTimer = setTimeout(() => {
          worker.kill();
          settle({ kind: 'cancelled' });
        }, CANCEL_GRACE_MS);
      },
    };
  }

  /** Ends the idle workers; workers running a job end when it does. */
  close(): void {
    this.closed = true;
    for (const e of this.idle.splice(0)) {
      clearTimeout(e.timer);
      e.worker.kill();
    }
  }
}

/** One job in a worker of its own, ended when the job is. */
export function runJob(spawn: SpawnWorker, job: Job, onMessage: (msg: WorkerToHost) => void): JobHandle {
  return new WorkerPool(spawn).run(job, onMessage);
}

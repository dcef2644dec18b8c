// Engine host: runs each job in its own worker (a child process here, an Electron utilityProcess in the app) so
// training never blocks the process that serves the UI. Streams the worker's messages and supports cancel.
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

export function runJob(spawn: SpawnWorker, job: Job, onMessage: (msg: WorkerToHost) => void): JobHandle {
  const worker = spawn();
  let seq = 0;
  const send = (m: HostMessage) => worker.send({ ...m, seq: ++seq } as HostToWorker);
  let settled: JobOutcome | null = null;
  let cancelTimer: ReturnType<typeof setTimeout> | null = null;
  let resolveOutcome!: (o: JobOutcome) => void;
  const outcome = new Promise<JobOutcome>((r) => (resolveOutcome = r));
  const settle = (o: JobOutcome) => {
    if (settled) return;
    settled = o;
    if (cancelTimer) clearTimeout(cancelTimer);
    // Every message the job sent has arrived (done, cancelled and error come last): end the worker.
    worker.kill();
    resolveOutcome(o);
  };

  worker.onMessage((msg) => {
    if (settled) return;
    switch (msg.type) {
      case 'ready':
        send({ type: 'start', job });
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
  });
  worker.onExit((code) => {
    if (cancelTimer) settle({ kind: 'cancelled' });
    settle({ kind: 'failed', message: `engine process exited unexpectedly (code ${code ?? 'signal'})` });
  });

  return {
    outcome,
    cancel() {
      if (settled || cancelTimer) return;
      send({ type: 'cancel' });
      cancelTimer = setTimeout(() => {
        worker.kill();
        settle({ kind: 'cancelled' });
      }, CANCEL_GRACE_MS);
    },
  };
}

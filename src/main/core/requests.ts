// Who waits for what: identical analysis requests share one computation, each requester may have its own progress
// sink and its own abort signal (a WebSocket client that disconnects), and a computation stops when everyone who
// waited for it has gone. This is the minimum of cancellation the analyses need; a fuller job queue (training and
// analyses with request ids) can take its place later.
import type { AnalysisProgress } from '../../shared/analysis';
import type { MethodName } from '../../shared/contract';

/** What a transport tells the core about the caller of one method call. */
export interface CallContext {
  /** A remote client (a browser on `ticketscope serve`): it may not name files on this machine. */
  remote?: boolean;
  /** The caller's id for this call (a WebSocket frame's id), carried on the progress sent to it. */
  requestId?: string | number;
  /** Aborted when the caller goes away: a computation only it waits for stops. */
  signal?: AbortSignal;
  /**
   * Receives the progress of the analysis this call waits for, with the call's requestId. Without it, progress
   * goes to every subscriber of the core's `analysisProgress` event (the desktop window, the CLI).
   */
  onProgress?: (p: AnalysisProgress) => void;
}

/**
 * Why a remote client (a browser on `ticketscope serve`) may not call `method`, or null: these methods name files on
 * the machine that runs the core. Serve mode offers a download and an upload over HTTP instead.
 */
export function remoteRefusal(method: MethodName): string | null {
  switch (method) {
    case 'exportSnapshot':
      return 'a remote client cannot write files on the server; download the snapshot instead (GET /api/snapshot)';
    case 'importSnapshot':
      return 'a remote client cannot name files on the server; upload the snapshot instead (POST /api/snapshot)';
    case 'chooseSnapshotPath':
      return 'file dialogs exist only in the desktop app; in a browser a snapshot is downloaded and uploaded';
    default:
      return null;
  }
}

/** A computation stopped because nobody waits for it any more (or its caller went away). */
export class CancelledError extends Error {
  constructor(message = 'cancelled: nobody waits for this result any more') {
    super(message);
    this.name = 'CancelledError';
  }
}

interface Job {
  promise: Promise<unknown>;
  controller: AbortController;
  waiters: Set<CallContext>;
}

export class SharedComputations {
  private readonly jobs = new Map<string, Job>();

  /** Computations running now (for tests and diagnostics). */
  get running(): number {
    return this.jobs.size;
  }

  /**
   * `compute(signal)` once per key while anyone waits for it; every caller gets its result. A caller whose signal
   * aborts is rejected with CancelledError at once; when the last caller has gone, the computation's own signal
   * aborts (it stops its workers) and its result, if any, is dropped.
   */
  run<T>(key: string, ctx: CallContext | undefined, compute: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const waiter: CallContext = ctx ?? {};
    if (waiter.signal?.aborted) return Promise.reject(new CancelledError('cancelled: the caller went away'));
    let job = this.jobs.get(key);
    if (!job) {
      const controller = new AbortController();
      const created: Job = { controller, waiters: new Set(), promise: Promise.resolve() };
      created.promise = compute(controller.signal).finally(() => {
        if (this.jobs.get(key) === created) this.jobs.delete(key);
      });
      // A computation whose callers all left rejects with nobody listening: that is expected, not an error.
      created.promise.catch(() => undefined);
      this.jobs.set(key, created);
      job = created;
    }
    const j = job;
    j.waiters.add(waiter);
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        j.waiters.delete(waiter);
        if (j.waiters.size === 0 && this.jobs.get(key) === j) {
          this.jobs.delete(key);
          j.controller.abort();
        }
        reject(new CancelledError('cancelled: the caller went away'));
      };
      waiter.signal?.addEventListener('abort', leave, { once: true });
      j.promise.then(
        (v) => {
          waiter.signal?.removeEventListener('abort', leave);
          j.waiters.delete(waiter);
          resolve(v as T);
        },
        (e: unknown) => {
          waiter.signal?.removeEventListener('abort', leave);
          j.waiters.delete(waiter);
          reject(e);
        },
      );
    });
  }

  /**
   * Delivers progress of the computation `key` to the callers that asked for their own (with their request ids);
   * returns true when some caller takes progress from the core's event instead (then the caller emits it).
   */
  progress(key: string, p: AnalysisProgress): boolean {
    const job = this.jobs.get(key);
    if (!job) return false;
    let broadcast = false;
    for (const w of job.waiters) {
      if (w.onProgress) w.onProgress(w.requestId !== undefined ? { ...p, requestId: w.requestId } : p);
      else broadcast = true;
    }
    return broadcast;
  }
}

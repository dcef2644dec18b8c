// Requests and who waits for them. Every call may carry a request id chosen by its client (a WebSocket frame's id, or
// the id the renderer gives an IPC call): `cancelRequest` with that id stops the call's work, as does the client
// going away (a WebSocket that disconnects). Identical analysis requests share one computation, each requester with
// its own progress (carrying its request id) and its own abort signal; a computation stops when everyone who waited
// for it has gone, and its worker jobs leave the job queue (jobs.ts) or are told to stop.
import type { AnalysisProgress } from '../../shared/analysis';
import type { MethodName } from '../../shared/contract';
import { CancelledError } from '../../shared/errors';

/** What a transport tells the core about the caller of one method call. */
export interface CallContext {
  /** A remote client (a browser on `ticketscope serve`): it may not name files on this machine. */
  remote?: boolean;
  /** Who calls (one WebSocket connection, the desktop window): request ids are the client's own. */
  client?: string;
  /** The caller's id for this call (a WebSocket frame's id, an IPC call's id), carried on the progress sent to it. */
  requestId?: string | number;
  /** Aborted when the caller goes away: a computation only it waits for stops. */
  signal?: AbortSignal;
  /**
   * Receives the progress of the analysis this call waits for, with the call's requestId. Without it, progress
   * goes to every subscriber of the core's `analysisProgress` event (the desktop window, the CLI), with the call's
   * requestId when it has one.
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

export { CancelledError };

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
      // The first caller waits from the start: the computation may ask who it is for (requestOf).
      const created: Job = { controller, waiters: new Set([waiter]), promise: Promise.resolve() };
      this.jobs.set(key, created);
      created.promise = compute(controller.signal).finally(() => {
        if (this.jobs.get(key) === created) this.jobs.delete(key);
      });
      // A computation whose callers all left rejects with nobody listening: that is expected, not an error.
      created.promise.catch(() => undefined);
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
   * Delivers progress of the computation `key` to each caller, with its request id: to its own sink, else through
   * `broadcast` (the core's analysisProgress event); callers without a sink or an id share one broadcast.
   */
  progress(key: string, p: AnalysisProgress, broadcast: (p: AnalysisProgress) => void): void {
    const job = this.jobs.get(key);
    if (!job) return;
    let anonymous = false;
    for (const w of job.waiters) {
      const mine = w.requestId !== undefined ? { ...p, requestId: w.requestId } : p;
      if (w.onProgress) w.onProgress(mine);
      else if (w.requestId !== undefined) broadcast(mine);
      else anonymous = true;
    }
    if (anonymous) broadcast(p);
  }

  /** The request id of some caller waiting for `key` (for labelling its jobs). */
  requestOf(key: string): string | number | undefined {
    for (const w of this.jobs.get(key)?.waiters ?? []) if (w.requestId !== undefined) return w.requestId;
    return undefined;
  }
}

/**
 * The calls in progress that have a request id, by client: `cancelRequest` aborts one. A call's context gets a
 * signal that aborts when its client's signal does (it went away) or when the call is cancelled.
 */
export class RequestRegistry {
  private readonly inflight = new Map<string, AbortController>();

  private static key(client: string | undefined, requestId: string | number): string {
    return `${client ?? ''}\u0000${typeof requestId}:${requestId}`;
  }

  /** Runs `work` with a context whose signal `cancel` can abort; contexts without a request id pass through. */
  async track<T>(ctx: CallContext | undefined, work: (ctx: CallContext | undefined) => Promise<T>): Promise<T> {
    if (ctx?.requestId === undefined) return work(ctx);
    const key = RequestRegistry.key(ctx.client, ctx.requestId);
    const controller = new AbortController();
    const parent = ctx.signal;
    const onParentAbort = () => controller.abort();
    if (parent?.aborted) controller.abort();
    else parent?.addEventListener('abort', onParentAbort, { once: true });
    // A client that reuses a request id for a new call replaces the older call's entry.
    this.inflight.set(key, controller);
    try {
      return await work({ ...ctx, signal: controller.signal });
    } finally {
      parent?.removeEventListener('abort', onParentAbort);
      if (this.inflight.get(key) === controller) this.inflight.delete(key);
    }
  }

  /** Cancels the client's call with this request id; false when none is in progress. */
  cancel(client: string | undefined, requestId: string | number): boolean {
    const controller = this.inflight.get(RequestRegistry.key(client, requestId));
    if (!controller) return false;
    controller.abort();
    return true;
  }

  get size(): number {
    return this.inflight.size;
  }
}

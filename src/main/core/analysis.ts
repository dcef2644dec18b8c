// Analyses in the core, the same way for every kind of analysis-kinds.ts: resolve the state references (states.ts),
// check them, answer from the cache (keyed by the states' tensor checksums, the data set, the settled parameters and
// the kind's version) or compute, store and answer. Two identical requests in flight share one computation; each
// caller may cancel (requests.ts), and a computation nobody waits for stops. Forward passes run in engine workers
// from the job queue (jobs.ts), as interactive jobs, with their progress relayed to the callers.
import { createHash } from 'node:crypto';
import type { AnalysisKind, AnalysisMeta, AnalysisMethodName, AnalysisMethods, AnalysisProgress, ListStatesParams, MaskPixels, MaskPixelsParams, StateInfo } from '../../shared/analysis';
import type { BackendChoice } from '../../shared/contract';
import { CancelledError, NotFoundError, ValidationError } from '../../shared/errors';
import { parseStateRef } from '../../shared/refs';
import type { EngineAnalysisRequest } from '../engine/analysis/types';
import { maskPixelCodes } from '../engine/analysis/overlap';
import type { Store } from '../store';
import type { WorkerToHost } from '../worker/protocol';
import { ANALYSES, type AnalysisEntry, type ComputeContext, type Prepared } from './analysis-kinds';
import type { JobQueue } from './jobs';
import { SharedComputations, type CallContext } from './requests';
import { listStates, resolveStateRef, type ResolvedState } from './states';

export { ANALYSIS_VERSIONS } from './analysis-kinds';

export interface AnalysisHost {
  jobs: JobQueue;
  /** Workers a large selectivity request may use at once (one per core). */
  shards?: number;
  backend: BackendChoice;
  dataDir: string;
  /** The core's analysisProgress event, for callers without their own progress sink. */
  emitProgress(p: AnalysisProgress): void;
}

type KindVersion = { kind: AnalysisKind; version: number };

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );

export class AnalysisService {
  /** Computations in flight, shared by identical requests and stopped when all their callers have gone. */
  readonly requests = new SharedComputations();
  /** Computations actually run (not answered from the cache), for tests and diagnostics. */
  computations = 0;

  constructor(
    private readonly store: Store,
    private readonly host: AnalysisHost,
  ) {}

  listStates(p: ListStatesParams): StateInfo[] {
    return listStates(this.store, p);
  }

  /**
   * What a reference names, checked against the database: a reference that names weights must have them, and
   * `needWeights` refuses mask-only states with a clear message. The tensors load on first use.
   */
  resolve(ref: string, needWeights: boolean): ResolvedState {
    const r = parseStateRef(ref);
    if (needWeights && r.which === 'mask') {
      this.store.repo.getRun(r.runId);
      throw new ValidationError(`state ${ref} is a mask without weights: this analysis needs weights (use :trained, :init, :ticket-at-init or :dense-init)`);
    }
    const s = resolveStateRef(this.store, r);
    const { runId, round, which } = s.info;
    if (which === 'ticket-at-init' && round === 0) {
      throw new ValidationError(`state ${ref}: round 0 has no mask to put on the init weights; use ${runId}:0:init`);
    }
    if (which !== 'mask' && !s.info.hasWeights) throw new NotFoundError(`run ${runId} was imported without ${which} weights; analyse ${runId}:mask instead`);
    return s;
  }

  /** Runs the analysis `method` names for its (validated) params: from the cache, or computed and cached. */
  async run<M extends AnalysisMethodName>(method: M, p: AnalysisMethods[M]['params'], ctx?: CallContext): Promise<AnalysisMethods[M]['result']> {
    const entry = ANALYSES[method] as AnalysisEntry<M>;
    const states = entry.refs(p).map((ref) => this.resolve(ref, entry.needWeights));
    if (entry.sameArch) sameArch(states);
    if (entry.sameData) sameData(states);
    const prepared = entry.prepare(p);
    const key = this.key(entry, prepared.key, states);
    const meta = (cached: boolean, computeMs: number, computedAt: string): AnalysisMeta => ({ kind: entry.kind, key, cached, computeMs, computedAt, version: entry.version });
    const row = this.store.analyses.get(key);
    if (row) return { ...JSON.parse(row.result), meta: meta(true, row.computeMs, row.createdAt) };
    if (entry.perState && states.length > 1) return this.runPerState(entry, prepared, key, states, meta, ctx);
    return this.requests.run(key, ctx, async (signal) => {
      const t0 = performance.now();
      this.computations++;
      const body = await prepared.compute(this.computeContext(key, entry), states, signal);
      if (signal.aborted) throw new CancelledError();
      const computeMs = Math.round((performance.now() - t0) * 10) / 10;
      const computedAt = new Date().toISOString();
      const refs = states.map((s) => s.info.ref);
      this.store.analyses.put({ key, kind: entry.kind, version: entry.version, params: canonical(prepared.stored), refs, result: JSON.stringify(body), computeMs, createdAt: computedAt });
      return { ...body, meta: meta(false, computeMs, computedAt) } as AnalysisMethods[M]['result'];
    });
  }

  /**
   * A request of a per-state kind over several states: the entries of the states cached alone (by any earlier request)
   * are reused, the others computed together in one computation and cached each alone, and the whole result cached
   * under the request's key. `cached` is true when nothing had to be computed. A per-state kind names its states in
   * `params.states`.
   */
  private runPerState<M extends AnalysisMethodName>(
    entry: AnalysisEntry<M>,
    prepared: Prepared<M>,
    key: string,
    states: ResolvedState[],
    meta: (cached: boolean, computeMs: number, computedAt: string) => AnalysisMeta,
    ctx?: CallContext,
  ): Promise<AnalysisMethods[M]['result']> {
    type PerState = { states: unknown[] } & Record<string, unknown>;
    const keys = states.map((s) => this.key(entry, prepared.key, [s]));
    return this.requests.run(key, ctx, async (signal) => {
      const t0 = performance.now();
      const parts = new Map<string, { body: PerState; computeMs: number; createdAt: string }>();
      for (const k of keys) {
        const r = this.store.analyses.get(k);
        if (r) parts.set(k, { body: JSON.parse(r.result) as PerState, computeMs: r.computeMs, createdAt: r.createdAt });
      }
      // Each missing state once, even when the request names it twice.
      const missing = states.filter((_, i) => !parts.has(keys[i]!) && keys.indexOf(keys[i]!) === i);
      let computed = false;
      if (missing.length > 0) {
        computed = true;
        this.computations++;
        const body = (await prepared.compute(this.computeContext(key, entry), missing, signal)) as unknown as PerState;
        if (signal.aborted) throw new CancelledError();
        const computeMs = Math.round((performance.now() - t0) * 10) / 10;
        const createdAt = new Date().toISOString();
        missing.forEach((s, j) => {
          const single: PerState = { ...body, states: [body.states[j]] };
          const k = keys[states.indexOf(s)]!;
          // The row records the request as if it had named this state alone.
          const params = canonical({ ...(prepared.stored as object), states: [s.info.ref] });
          this.store.analyses.put({ key: k, kind: entry.kind, version: entry.version, params, refs: [s.info.ref], result: JSON.stringify(single), computeMs, createdAt });
          parts.set(k, { body: single, computeMs, createdAt });
        });
      }
      const ordered = keys.map((k) => parts.get(k)!);
      // The shared part of the result (class, images, options) is decided by the key, so it is the same in every
      // state's entry; a difference would be a bug in the key, not something to paper over.
      const shared = (b: PerState) => canonical({ ...b, states: [] });
      if (ordered.some((p) => shared(p.body) !== shared(ordered[0]!.body))) throw new Error(`internal error: the ${entry.kind} entries of ${states.map((s) => s.info.ref).join(', ')} differ outside their states`);
      const body = { ...ordered[0]!.body, states: ordered.map((p) => p.body.states[0]) };
      const computeMs = computed ? Math.round((performance.now() - t0) * 10) / 10 : ordered.reduce((a, p) => a + p.computeMs, 0);
      const computedAt = ordered.map((p) => p.createdAt).reduce((a, b) => (a > b ? a : b));
      this.store.analyses.put({ key, kind: entry.kind, version: entry.version, params: canonical(prepared.stored), refs: states.map((s) => s.info.ref), result: JSON.stringify(body), computeMs, createdAt: computedAt });
      return { ...body, meta: meta(!computed, computeMs, computedAt) } as AnalysisMethods[M]['result'];
    });
  }

  private key(entry: KindVersion, params: unknown, states: ResolvedState[]): string {
    const c = states[0]?.config;
    const data = c ? { dataset: c.dataset, validation: c.validation, synthetic: c.synthetic ?? null } : null;
    return createHash('sha256')
      .update(canonical({ v: entry.version, kind: entry.kind, params, states: states.map((s) => s.digest), data }))
      .digest('hex')
      .slice(0, 32);
  }

  private computeContext(key: string, entry: KindVersion): ComputeContext {
    return {
      shards: this.host.shards ?? 1,
      loaded: (states) => states.map((s) => ({ info: s.info, state: s.weights()! })),
      data: (s) => {
        const c = s.config;
        return { config: { dataset: c.dataset, validation: c.validation, ...(c.synthetic ? { synthetic: c.synthetic } : {}) }, dataDir: this.host.dataDir };
      },
      worker: (request, signal, progress) => this.inWorker(key, entry, request, signal, progress),
    };
  }

  /** A window of a layer's weight matrix coloured by the masks of two states (not cached: it is a lookup). */
  maskPixels(p: MaskPixelsParams): MaskPixels {
    const a = this.resolve(p.a, false);
    const b = this.resolve(p.b, false);
    sameArch([a, b]);
    const ma = a.masks();
    const i = ma.findIndex((m) => m.name === p.layer);
    if (i < 0) throw new NotFoundError(`layer ${p.layer} does not exist in ${a.info.arch}; layers: ${ma.map((m) => m.name).join(', ')}`);
    const la = ma[i]!;
    const lb = b.masks()[i]!;
    const totalCols = la.shape[la.shape.length - 1]!;
    const totalRows = la.mask.length / totalCols;
    const row0 = Math.min(p.row0 ?? 0, Math.max(0, totalRows - 1));
    const col0 = Math.min(p.col0 ?? 0, Math.max(0, totalCols - 1));
    const rows = Math.min(p.rows ?? 512, totalRows - row0);
    const cols = Math.min(p.cols ?? 512, totalCols - col0);
    const codes = maskPixelCodes(la, lb, row0, col0, rows, cols);
    const rowLabel = la.kind === 'conv' ? `fan-in (kh, kw, in) = ${la.shape[0]}·${la.shape[1]}·${la.shape[2]}` : `input unit (${totalRows})`;
    return { layer: la.name, kind: la.kind, totalRows, totalCols, row0, col0, rows, cols, codes: Buffer.from(codes).toString('base64'), rowLabel };
  }

  /**
   * Runs an engine analysis as an interactive job of the queue, relaying progress with an ETA (or as `progress` maps
   * it) to the callers waiting for `key`; rejects with the worker's error, or with CancelledError once `signal` aborts
   * (a waiting job leaves the queue; a running worker is told to stop, then killed).
   */
  private inWorker(
    key: string,
    entry: KindVersion,
    request: EngineAnalysisRequest,
    signal: AbortSignal,
    progress?: (stage: string, done: number, total: number) => Omit<AnalysisProgress, 'key' | 'kind'>,
  ): Promise<unknown> {
    const kind = entry.kind;
    const emit = (p: AnalysisProgress) => this.requests.progress(key, p, (x) => this.host.emitProgress(x));
    let result: unknown;
    let got = false;
    let stageStart = Date.now();
    let stage = '';
    let lastEmit = 0;
    const onMessage = (msg: WorkerToHost) => {
      if (msg.type === 'analysis') {
        result = msg.result;
        got = true;
      }
      if (msg.type !== 'analysis-progress') return;
      const now = Date.now();
      if (msg.stage !== stage) {
        stage = msg.stage;
        stageStart = now;
      }
      if (now - lastEmit < 200 && msg.done < msg.total) return;
      lastEmit = now;
      if (progress) return emit({ key, kind, ...progress(msg.stage, msg.done, msg.total) });
      const elapsed = (now - stageStart) / 1000;
      const etaSeconds = msg.done > 0 && msg.done < msg.total ? (elapsed / msg.done) * (msg.total - msg.done) : null;
      emit({ key, kind, stage: msg.stage, done: msg.done, total: msg.total, etaSeconds });
    };
    const requestId = this.requests.requestOf(key);
    const job = this.host.jobs.submit({
      label: `${request.kind} ${key.slice(0, 8)}`,
      lane: 'interactive',
      ...(requestId !== undefined ? { requestId } : {}),
      build: () => ({ analysis: request, backend: this.host.backend, dataDir: this.host.dataDir }),
      onMessage,
      signal,
    });
    return job.outcome.then((o) => {
      if (signal.aborted || o.kind === 'cancelled') throw new CancelledError();
      if (o.kind === 'done' && got) return result;
      if (o.kind === 'failed') throw o.invalid ? new ValidationError(o.message) : new Error(o.message);
      throw new Error(`the ${request.kind} analysis stopped without a result`);
    });
  }
}

function sameArch(states: ResolvedState[]): void {
  const first = states[0];
  for (const s of states.slice(1)) {
    if (s.info.arch !== first!.info.arch) {
      throw new ValidationError(`states ${first!.info.ref} (${first!.info.arch}) and ${s.info.ref} (${s.info.arch}) have different architectures`);
    }
    if (first!.shapes !== s.shapes) throw new ValidationError(`states ${first!.info.ref} and ${s.info.ref} have differently shaped layers (different data sets?)`);
  }
}

/** The states were trained on one data set: the images the analysis reads. */
function sameData(states: ResolvedState[]): void {
  const dataset = states[0]?.config.dataset;
  for (const s of states) {
    if (s.config.dataset !== dataset) {
      throw new ValidationError(`states ${states[0]!.info.ref} (${dataset}) and ${s.info.ref} (${s.config.dataset}) were trained on different data sets`);
    }
  }
}

// Analyses in the core: resolves state references to stored tensors, caches every result in the database by its
// inputs (the tensors' checksums, the data set, the parameters and the analysis version), and computes what is not
// cached. Mask overlap and the multigraph demo are pure array code and run here (milliseconds); analyses that need
// forward passes (selectivity, activation maps, subcircuits) run in an engine worker, like training, streaming
// progress. Two identical requests in flight share one computation.
import { createHash } from 'node:crypto';
import {
  ANALYSIS_DEFAULTS,
  type ActivationsParams,
  type AnalysisKind,
  type AnalysisMeta,
  type AnalysisProgress,
  type ListStatesParams,
  type MaskPixels,
  type MaskPixelsParams,
  type MultigraphParams,
  type OverlapMatrixParams,
  type OverlapParams,
  type SelectivityParams,
  type StateInfo,
  type SubcircuitParams,
} from '../../shared/analysis';
import type { BackendChoice, Result } from '../../shared/contract';
import { NotFoundError, ValidationError } from '../../shared/errors';
import type { EngineAnalysisRequest, LoadedState, SelectivityShard } from '../engine/analysis/types';
import { joinFeatures } from '../engine/analysis/features';
import { maskOverlap, maskPixelCodes, overlapMatrix } from '../engine/analysis/overlap';
import { runMultigraph } from '../engine/analysis/multigraph';
import { runJob, type SpawnWorker } from '../worker/host';
import type { WorkerToHost } from '../worker/protocol';
import { parseStateRef } from '../../shared/refs';
import { CancelledError, SharedComputations, type CallContext } from './requests';
import type { Store } from '../store';
import { listStates, resolveStateRef, type MaskLayer, type ResolvedState as Resolved } from './states';

/**
 * Each analysis kind's version: bump a kind's when it computes something different, so that its older cached results
 * are not reused (the version is part of the cache key); the other kinds keep their cache.
 * overlap, overlap-matrix 2: chance per layer and summed (version 1 pooled all layers into one density).
 */
export const ANALYSIS_VERSIONS: Readonly<Record<AnalysisKind, number>> = {
  overlap: 2,
  'overlap-matrix': 2,
  selectivity: 1,
  activations: 1,
  subcircuit: 1,
  multigraph: 1,
};

/** Selectivity requests over at least this many images split their forward passes over several workers. */
const SHARD_MIN_IMAGES = 2000;
const MAX_SHARDS = 4;

export interface AnalysisHost {
  spawnWorker: SpawnWorker;
  /** Workers a large selectivity request may use at once (one per core). */
  shards?: number;
  backend: BackendChoice;
  dataDir: string;
  emitProgress(p: AnalysisProgress): void;
}


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

  // ------------------------------------------------------------------ states

  listStates(p: ListStatesParams): StateInfo[] {
    return listStates(this.store, p);
  }

  /**
   * What a reference names, checked against the database: a reference that names weights must have them, and
   * `needWeights` refuses mask-only states with a clear message. The tensors load on first use.
   */
  resolve(ref: string, needWeights: boolean): Resolved {
    const r = parseStateRef(ref);
    if (needWeights && r.which === 'mask') {
      this.store.repo.getRun(r.runId);
      throw new ValidationError(`state ${ref} is a mask without weights: this analysis needs weights (use :trained, :init or :ticket-at-init)`);
    }
    const s = resolveStateRef(this.store, r);
    const { runId, round, which } = s.info;
    if (which === 'ticket-at-init' && round === 0) {
      throw new ValidationError(`state ${ref}: round 0 has no mask to put on the init weights; use ${runId}:0:init`);
    }
    if (which !== 'mask' && !s.info.hasWeights) throw new NotFoundError(`run ${runId} was imported without ${which} weights; analyse ${runId}:mask instead`);
    return s;
  }

  // ------------------------------------------------------------------ cache

  private key(kind: AnalysisKind, params: unknown, states: Resolved[]): string {
    const data = states[0] ? { dataset: states[0].config.dataset, validation: states[0].config.validation, synthetic: states[0].config.synthetic ?? null } : null;
    return createHash('sha256')
      .update(canonical({ v: ANALYSIS_VERSIONS[kind], kind, params, states: states.map((s) => s.digest), data }))
      .digest('hex')
      .slice(0, 32);
  }

  /**
   * The cached result for a key, or the computation's (stored before it is returned). Identical requests in flight
   * share one computation; `ctx` (the caller) may abort, and the computation stops when no caller is left.
   */
  private async cached<R extends { meta: AnalysisMeta }>(
    kind: AnalysisKind,
    key: string,
    params: unknown,
    refs: string[],
    compute: (signal: AbortSignal) => Promise<Omit<R, 'meta'>> | Omit<R, 'meta'>,
    ctx?: CallContext,
  ): Promise<R> {
    const row = this.store.analyses.get(key);
    if (row) {
      const body = JSON.parse(row.result) as Omit<R, 'meta'>;
      const meta: AnalysisMeta = { kind, key, cached: true, computeMs: row.computeMs, computedAt: row.createdAt, version: ANALYSIS_VERSIONS[kind] };
      return { ...body, meta } as R;
    }
    return this.requests.run(key, ctx, async (signal) => {
      const t0 = performance.now();
      this.computations++;
      const body = await compute(signal);
      if (signal.aborted) throw new CancelledError();
      const computeMs = Math.round((performance.now() - t0) * 10) / 10;
      const computedAt = new Date().toISOString();
      this.store.analyses.put({ key, kind, version: ANALYSIS_VERSIONS[kind], params: canonical(params), refs, result: JSON.stringify(body), computeMs, createdAt: computedAt });
      const meta: AnalysisMeta = { kind, key, cached: false, computeMs, computedAt, version: ANALYSIS_VERSIONS[kind] };
      return { ...body, meta } as R;
    });
  }

  /** Progress to the callers waiting for `key` that take their own, and to the core's subscribers for the rest. */
  private emitProgress(p: AnalysisProgress): void {
    if (this.requests.progress(p.key, p)) this.host.emitProgress(p);
  }

  // ------------------------------------------------------------------ mask analyses (here)

  private sameArch(states: Resolved[]): void {
    const first = states[0]!;
    for (const s of states.slice(1)) {
      if (s.info.arch !== first.info.arch) {
        throw new ValidationError(`states ${first.info.ref} (${first.info.arch}) and ${s.info.ref} (${s.info.arch}) have different architectures`);
      }
      if (first.shapes !== s.shapes) throw new ValidationError(`states ${first.info.ref} and ${s.info.ref} have differently shaped layers (different data sets?)`);
    }
  }

  private withWeights(s: Resolved): MaskLayer[] {
    const state = s.weights();
    return state ? state.layers.map((l) => ({ name: l.name, kind: l.kind, shape: l.shape, mask: l.mask, weight: l.weight })) : s.masks();
  }

  async overlap(p: OverlapParams): Promise<Result<'analyzeOverlap'>> {
    const a = this.resolve(p.a, false);
    const b = this.resolve(p.b, false);
    this.sameArch([a, b]);
    const key = this.key('overlap', {}, [a, b]);
    return this.cached('overlap', key, p, [a.info.ref, b.info.ref], () => {
      const withWeights = a.info.hasWeights && b.info.hasWeights;
      const r = maskOverlap(this.withWeights(a), this.withWeights(b), withWeights);
      return { a: a.info, b: b.info, layers: r.layers, overall: r.overall };
    });
  }

  async overlapMatrix(p: OverlapMatrixParams): Promise<Result<'analyzeOverlapMatrix'>> {
    const states = p.states.map((ref) => this.resolve(ref, false));
    this.sameArch(states);
    const key = this.key('overlap-matrix', {}, states);
    return this.cached('overlap-matrix', key, p, states.map((s) => s.info.ref), () => {
      const m = overlapMatrix(states.map((s) => s.masks()));
      return { states: states.map((s) => s.info), ...m };
    });
  }

  maskPixels(p: MaskPixelsParams): MaskPixels {
    const a = this.resolve(p.a, false);
    const b = this.resolve(p.b, false);
    this.sameArch([a, b]);
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

  async multigraph(p: MultigraphParams): Promise<Result<'analyzeMultigraph'>> {
    const kMax = p.kMax ?? ANALYSIS_DEFAULTS.kMax;
    const full = { target: p.target ?? 'xor', variant: p.variant ?? 'base2', kMax, k: Math.min(p.k ?? kMax, kMax), seed: p.seed ?? ANALYSIS_DEFAULTS.seed };
    const key = this.key('multigraph', full, []);
    return this.cached('multigraph', key, full, [], () => runMultigraph(full));
  }

  // ------------------------------------------------------------------ engine analyses (in a worker)

  /** The states with their weights, after checking they share a data set (the images the analysis reads). */
  private loaded(states: Resolved[]): () => LoadedState[] {
    const dataset = states[0]!.config.dataset;
    for (const s of states) {
      if (s.config.dataset !== dataset) {
        throw new ValidationError(`states ${states[0]!.info.ref} (${dataset}) and ${s.info.ref} (${s.config.dataset}) were trained on different data sets`);
      }
    }
    return () => states.map((s) => ({ info: s.info, state: s.weights()! }));
  }

  private dataRef(s: Resolved): EngineAnalysisRequest['data'] {
    const c = s.config;
    return { config: { dataset: c.dataset, validation: c.validation, ...(c.synthetic ? { synthetic: c.synthetic } : {}) }, dataDir: this.host.dataDir };
  }

  async selectivity(p: SelectivityParams, ctx?: CallContext): Promise<Result<'analyzeSelectivity'>> {
    const states = p.states.map((ref) => this.resolve(ref, true));
    const options = {
      permutations: p.permutations ?? ANALYSIS_DEFAULTS.permutations,
      threshold: p.threshold ?? ANALYSIS_DEFAULTS.threshold,
      split: p.split ?? ANALYSIS_DEFAULTS.split,
      ...(p.limit !== undefined ? { limit: p.limit } : {}),
      probe: p.probe ?? true,
      seed: p.seed ?? ANALYSIS_DEFAULTS.seed,
    };
    const cls = p.class ?? null;
    const key = this.key('selectivity', { options, cls }, states);
    const loaded = this.loaded(states);
    const data = this.dataRef(states[0]!);
    const base = { data, ...(cls !== null ? { class: cls } : {}), options };
    // The forward passes dominate (Conv-6 on 10,000 images: minutes on one wasm thread), so large requests split
    // the images over one worker per core, then compute the statistics over the joined features in one more.
    const shards = (p.limit ?? Infinity) >= SHARD_MIN_IMAGES ? Math.min(this.host.shards ?? 1, MAX_SHARDS) : 1;
    return this.cached('selectivity', key, p, states.map((s) => s.info.ref), async (signal) => {
      if (shards <= 1) return (await this.inWorker(key, signal, { kind: 'selectivity', states: loaded(), ...base })) as never;
      const withWeights = loaded();
      const done = new Array<number>(shards).fill(0);
      const total = new Array<number>(shards).fill(0);
      const t0 = Date.now();
      const parts = await Promise.all(
        Array.from({ length: shards }, (_, index) =>
          this.inWorker(key, signal, { kind: 'selectivity-features', states: withWeights, ...base, shard: { index, count: shards } }, (stage, d, t) => {
            // Progress of all shards together: batches done over batches in all (the stage names one state at a time).
            done[index] = d;
            total[index] = t;
            const sd = done.reduce((a, b) => a + b, 0);
            const st = total.reduce((a, b) => a + b, 0);
            const elapsed = (Date.now() - t0) / 1000;
            return { stage: `${stage} (${shards} workers)`, done: sd, total: st, etaSeconds: sd > 0 && sd < st ? (elapsed / sd) * (st - sd) : null };
          }),
        ),
      );
      if (signal.aborted) throw new CancelledError();
      const shardResults = parts as SelectivityShard[];
      const features = joinFeatures(shardResults.map((r) => r.features));
      const first = shardResults[0]!;
      if (!first.labels) throw new Error('the first selectivity shard returned no labels');
      const { data: dataRef, options: opts } = base;
      return (await this.inWorker(key, signal, {
        kind: 'selectivity-stats',
        states: withWeights.map((s) => ({ info: s.info })),
        data: dataRef,
        options: opts,
        features,
        labels: first.labels,
        cls: first.cls,
      })) as never;
    }, ctx);
  }

  async activations(p: ActivationsParams, ctx?: CallContext): Promise<Result<'analyzeActivations'>> {
    const states = p.states.map((ref) => this.resolve(ref, true));
    this.sameArch(states);
    const options = {
      layer: p.layer,
      unit: p.unit,
      images: p.images ?? ANALYSIS_DEFAULTS.images,
      top: p.top ?? ANALYSIS_DEFAULTS.top,
      split: p.split ?? ANALYSIS_DEFAULTS.split,
      ...(p.gradcamLayer ? { gradcamLayer: p.gradcamLayer } : {}),
    };
    const cls = p.class ?? null;
    const key = this.key('activations', { options, cls }, states);
    const loaded = this.loaded(states);
    const base = { data: this.dataRef(states[0]!), ...(cls !== null ? { class: cls } : {}), options };
    return this.cached('activations', key, p, states.map((s) => s.info.ref), (signal) => this.inWorker(key, signal, { kind: 'activations', states: loaded(), ...base }) as never, ctx);
  }

  async subcircuit(p: SubcircuitParams, ctx?: CallContext): Promise<Result<'analyzeSubcircuit'>> {
    const states = [this.resolve(p.state, true), ...(p.compare ? [this.resolve(p.compare, true)] : [])];
    this.sameArch(states);
    const options = {
      units: p.units ?? ANALYSIS_DEFAULTS.units,
      edges: p.edges ?? ANALYSIS_DEFAULTS.edges,
      images: p.images ?? ANALYSIS_DEFAULTS.subcircuitImages,
      split: p.split ?? ANALYSIS_DEFAULTS.split,
    };
    const cls = p.class ?? null;
    const key = this.key('subcircuit', { options, cls }, states);
    const loaded = this.loaded(states);
    const base = { data: this.dataRef(states[0]!), ...(cls !== null ? { class: cls } : {}), options };
    return this.cached('subcircuit', key, p, states.map((s) => s.info.ref), (signal) => this.inWorker(key, signal, { kind: 'subcircuit', states: loaded(), ...base }) as never, ctx);
  }

  /**
   * Runs an engine analysis in its own worker, relaying progress with an ETA (or as `progress` maps it); rejects
   * with the worker's error, or with CancelledError once `signal` aborts (the worker is told to stop, then killed).
   */
  private inWorker(
    key: string,
    signal: AbortSignal,
    request: EngineAnalysisRequest,
    progress?: (stage: string, done: number, total: number) => Omit<AnalysisProgress, 'key' | 'kind'>,
  ): Promise<unknown> {
    const kind: AnalysisKind = request.kind.startsWith('selectivity') ? 'selectivity' : (request.kind as AnalysisKind);
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new CancelledError());
      let result: unknown;
      let got = false;
      const t0 = Date.now();
      let stageStart = t0;
      let stage = '';
      let lastEmit = 0;
      const handle = runJob(this.host.spawnWorker, { analysis: request, backend: this.host.backend, dataDir: this.host.dataDir }, (msg: WorkerToHost) => {
        if (msg.type === 'analysis-progress') {
          const now = Date.now();
          if (msg.stage !== stage) {
            stage = msg.stage;
            stageStart = now;
          }
          if (now - lastEmit < 200 && msg.done < msg.total) return;
          lastEmit = now;
          if (progress) {
            this.emitProgress({ key, kind, ...progress(msg.stage, msg.done, msg.total) });
            return;
          }
          const elapsed = (now - stageStart) / 1000;
          const etaSeconds = msg.done > 0 && msg.done < msg.total ? (elapsed / msg.done) * (msg.total - msg.done) : null;
          this.emitProgress({ key, kind, stage: msg.stage, done: msg.done, total: msg.total, etaSeconds });
        } else if (msg.type === 'analysis') {
          result = msg.result;
          got = true;
        }
      });
      const stop = () => handle.cancel();
      signal.addEventListener('abort', stop, { once: true });
      void handle.outcome.then((o) => {
        signal.removeEventListener('abort', stop);
        if (signal.aborted) reject(new CancelledError());
        else if (o.kind === 'done' && got) resolve(result);
        else if (o.kind === 'failed') reject(o.invalid ? new ValidationError(o.message) : new Error(o.message));
        else reject(new Error(`the ${request.kind} analysis stopped without a result`));
      });
    });
  }
}

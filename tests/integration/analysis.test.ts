// Analyses through the core, as the app and the CLI call them: state listing, mask overlap (pairs, rounds, an
// imported mask against a run's), the worker analyses on a small conv net, caching (asking twice computes once), and
// the one-line errors for bad states. Then `ticketscope analyze ... --json` on the same database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Core } from '../../src/main/core/service';
import type {
  ActivationsResult,
  MaskPixels,
  MultigraphResult,
  OverlapMatrixResult,
  OverlapResult,
  SelectivityResult,
  StateInfo,
  SubcircuitResult,
} from '../../src/shared/analysis';
import { assertBuilt, cli, tempDir } from '../helpers/cli';
import { runAll, testCore } from '../helpers/core';

const tmp = tempDir('ticketscope-analysis-');
let core: Core;
let imp: string;
let conv: string;

const base = {
  version: 1,
  optimizer: { name: 'adam', lr: 0.002 },
  batchSize: 50,
  evalEvery: 20,
  seeds: [0],
};

beforeAll(async () => {
  assertBuilt();
  core = testCore(tmp.dir);
  const [lenet, convRun] = await Promise.all([
    runAll(core, {
      ...base,
      name: 'analysis-imp',
      dataset: 'synthetic-mnist',
      arch: 'lenet-300-100',
      iterations: 40,
      validation: 200,
      synthetic: { train: 800, test: 300 },
      method: { kind: 'imp', rounds: 2, rates: { conv: 0.1, fc: 0.5, output: 0.25 }, rewindIteration: 0, controls: [] },
    }),
    runAll(core, {
      ...base,
      name: 'analysis-conv',
      dataset: 'synthetic-cifar',
      arch: 'conv-2',
      // The analyses need conv states, not a good net: 10 steps of 10 images (a conv-2 step on 32×32×3 costs about
      // 50 times a LeNet one on wasm).
      iterations: 10,
      evalEvery: 10,
      batchSize: 10,
      validation: 100,
      synthetic: { train: 300, test: 200 },
      method: { kind: 'imp', rounds: 1, rates: { conv: 0.2, fc: 0.5, output: 0.25 }, rewindIteration: 0, controls: [] },
    }),
  ]);
  for (const r of [...lenet, ...convRun]) expect(r.status, r.error ?? '').toBe('done');
  imp = lenet[0]!.runId;
  conv = convRun[0]!.runId;
}, 400_000);

afterAll(async () => {
  await core?.close();
  tmp.cleanup();
});

const call = <T>(method: string, params: object) => core.call(method, params) as Promise<T>;

describe('analyses through the core', () => {
  it('lists every state of every round', async () => {
    const states = await call<StateInfo[]>('listStates', { runId: imp });
    const refs = states.map((s) => s.ref);
    expect(refs).toEqual(expect.arrayContaining([`${imp}:0:trained`, `${imp}:0:init`, `${imp}:0:mask`, `${imp}:2:ticket-at-init`, `${imp}:2:mask`]));
    expect(refs).not.toContain(`${imp}:0:ticket-at-init`);
    const r2 = states.find((s) => s.ref === `${imp}:2:trained`)!;
    expect(r2.density).toBeGreaterThan(0.2);
    expect(r2.density).toBeLessThan(0.3);
    expect(states.find((s) => s.ref === `${imp}:2:mask`)!.hasWeights).toBe(false);
  });

  it('computes mask overlap once and answers the second time from the cache', async () => {
    const before = core.analyses.computations;
    const a = await call<OverlapResult>('analyzeOverlap', { a: `${imp}:1:mask`, b: `${imp}:2:trained` });
    expect(a.meta.cached).toBe(false);
    // IMP's round-2 mask is a subset of round 1's: every weight kept in round 2 was kept in round 1.
    expect(a.overall.both).toBe(a.overall.keptB);
    expect(a.overall.overlapCoefficient).toBe(1);
    expect(a.overall.jaccard!).toBeCloseTo(a.overall.keptB / a.overall.keptA, 10);
    expect(a.overall.jaccardRatio!).toBeGreaterThan(1);
    expect(a.layers.map((l) => l.layer)).toEqual(['fc1', 'fc2', 'fc3']);
    expect(a.overall.signAgreement).toBeNull(); // A is a bare mask
    const again = await call<OverlapResult>('analyzeOverlap', { a: `${imp}:1:mask`, b: `${imp}:2` });
    expect(again.meta.cached).toBe(true);
    expect(again.meta.key).toBe(a.meta.key);
    expect(again.overall).toEqual(a.overall);
    expect(core.analyses.computations).toBe(before + 1);
  });

  it('gives the sign agreement when both states have weights', async () => {
    const r = await call<OverlapResult>('analyzeOverlap', { a: `${imp}:2:ticket-at-init`, b: `${imp}:2:init` });
    // Rewinding to iteration 0: the ticket's init is the original init under the same mask.
    expect(r.overall.jaccard).toBe(1);
    expect(r.overall.signAgreement).toBe(1);
  });

  it('names the unmasked round-0 init as dense-init (for IMP it equals RUN:0:init, and is not listed)', async () => {
    const r = await call<OverlapResult>('analyzeOverlap', { a: `${imp}:2:dense-init`, b: `${imp}:0:init` });
    expect(r.overall.jaccard).toBe(1);
    expect(r.overall.keptA).toBe(r.overall.size);
    expect(r.overall.signAgreement).toBe(1);
    expect((await call<StateInfo[]>('listStates', { runId: imp })).some((s) => s.which === 'dense-init')).toBe(false);
  });

  it('builds the round-by-round matrix and the pixel view', async () => {
    const m = await call<OverlapMatrixResult>('analyzeOverlapMatrix', { states: [0, 1, 2].map((r) => `${imp}:${r}:mask`) });
    expect(m.jaccard.length).toBe(3);
    expect(m.jaccard[0]![0]).toBe(1);
    expect(m.jaccard[1]![2]).toBe(m.jaccard[2]![1]);
    const px = await call<MaskPixels>('maskPixels', { a: `${imp}:1:mask`, b: `${imp}:2:mask`, layer: 'fc2', rows: 50, cols: 40 });
    expect([px.totalRows, px.totalCols, px.rows, px.cols]).toEqual([300, 100, 50, 40]);
    const codes = Buffer.from(px.codes, 'base64');
    expect(codes.length).toBe(2000);
    expect(codes.includes(2)).toBe(false); // nothing is kept only in the later round
  });

  it('overlaps an imported mask snapshot with the run it came from', async () => {
    const file = join(tmp.dir, 'r2-mask.safetensors');
    await call('exportSnapshot', { runId: imp, round: 2, which: 'mask', path: file });
    const imported = await call<{ runId: string }>('importSnapshot', { path: file });
    const states = await call<StateInfo[]>('listStates', { runId: imported.runId });
    expect(states.map((s) => s.which)).toEqual(['mask']);
    const r = await call<OverlapResult>('analyzeOverlap', { a: states[0]!.ref, b: `${imp}:2:mask` });
    expect(r.overall.jaccard).toBe(1);
    await expect(call('analyzeSelectivity', { states: [states[0]!.ref] })).rejects.toThrow(/without weights|needs weights/);
    await expect(call('analyzeSelectivity', { states: [`${imported.runId}:dense-init`] })).rejects.toThrow(/is an import: it has no original round-0 init/);
  });

  it('runs the multigraph demo', async () => {
    const r = await call<MultigraphResult>('analyzeMultigraph', { target: 'xor', variant: 'base2', kMax: 8 });
    expect(r.curve.map((p) => p.k)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.curve[7]!.maxWeightError).toBeLessThan(r.curve[0]!.maxWeightError);
  });

  it('computes selectivity, activation maps and a subcircuit in a worker', async () => {
    const states = [`${conv}:0:init`, `${conv}:1:trained`];
    const sel = await call<SelectivityResult>('analyzeSelectivity', { states, permutations: 20, limit: 200 });
    expect(sel.class.name).toBe('dog');
    expect(sel.states.map((s) => s.layers.map((l) => l.layer))).toEqual([
      ['conv1', 'conv2', 'fc1', 'fc2', 'fc3'],
      ['conv1', 'conv2', 'fc1', 'fc2', 'fc3'],
    ]);
    const conv2 = sel.states[1]!.layers[1]!;
    expect(conv2.pools.map((p) => p.pooling)).toEqual(['mean', 'max']);
    expect(conv2.pools[0]!.auroc.length).toBe(64);
    expect(conv2.pools[0]!.nullBest.length).toBe(20);
    const act = await call<ActivationsResult>('analyzeActivations', { states, layer: 'conv2', unit: conv2.pools[0]!.best.unit, images: 4, top: 4 });
    expect(act.mapShape).toEqual([32, 32]);
    expect(act.states[0]!.classImages.length).toBe(4);
    const sub = await call<SubcircuitResult>('analyzeSubcircuit', { state: states[1], compare: states[0], units: 4, edges: 30, images: 20 });
    expect(sub.circuits.length).toBe(2);
    expect(sub.circuits[0]!.edges.length).toBeLessThanOrEqual(30);
    expect(sub.shared).not.toBeNull();
    const cachedSel = await call<SelectivityResult>('analyzeSelectivity', { states, permutations: 20, limit: 200 });
    expect(cachedSel.meta.cached).toBe(true);
  }, 300_000);

  it('caches selectivity per state: a request that adds or drops states computes only the new ones', async () => {
    const [a, b, c] = [`${imp}:0:init`, `${imp}:1:trained`, `${imp}:2:trained`];
    // A seed no other test asks for, so every state starts uncached.
    const ask = (states: string[]) => call<SelectivityResult>('analyzeSelectivity', { states, permutations: 20, limit: 200, seed: 7 });
    const before = core.analyses.computations;
    const ab = await ask([a, b]);
    expect(ab.meta.cached).toBe(false);
    expect(core.analyses.computations).toBe(before + 1);
    const { states: _s, meta: _m, ...shared } = ab;
    // Dropping a state: answered from the cache, the same entry and the same rest.
    const onlyB = await ask([b]);
    expect(onlyB.meta.cached).toBe(true);
    expect(onlyB.states).toEqual([ab.states[1]]);
    expect({ ...onlyB, states: [], meta: null }).toEqual({ ...shared, states: [], meta: null });
    // Adding one: only it is computed; the known one is the cached entry, in the order asked.
    const cb = await ask([c, b]);
    expect(cb.meta.cached).toBe(false);
    expect(core.analyses.computations).toBe(before + 2);
    expect(cb.states.map((s) => s.state.ref)).toEqual([c, b]);
    expect(cb.states[1]).toEqual(ab.states[1]);
    const all = await ask([a, b, c]);
    expect(all.meta.cached).toBe(true);
    expect(all.states).toEqual([ab.states[0], ab.states[1], cb.states[0]]);
    expect(core.analyses.computations).toBe(before + 2);
    // What makes this sound: a state's entry computed beside others is what it is alone. With the rows gone, b
    // alone is computed afresh and equals its entry from the two-state computation.
    const db = new Database(join(tmp.dir, 'core.db'));
    try {
      db.prepare(`DELETE FROM analyses WHERE kind = 'selectivity' AND params LIKE '%"seed":7%'`).run();
    } finally {
      db.close();
    }
    const fresh = await ask([b]);
    expect(fresh.meta.cached).toBe(false);
    expect(core.analyses.computations).toBe(before + 3);
    expect(fresh.states).toEqual([ab.states[1]]);
  }, 300_000);

  it('rejects bad states with one-line errors', async () => {
    await expect(call('analyzeOverlap', { a: 'rnope:0:mask', b: `${imp}:0:mask` })).rejects.toThrow(/unknown run rnope/);
    await expect(call('analyzeOverlap', { a: `${imp}:7:mask`, b: `${imp}:0:mask` })).rejects.toThrow(/has no round 7/);
    await expect(call('analyzeOverlap', { a: `${imp}:0:mask`, b: `${conv}:0:mask` })).rejects.toThrow(/different architectures/);
    await expect(call('analyzeSelectivity', { states: [`${imp}:1:mask`] })).rejects.toThrow(/without weights/);
    await expect(call('analyzeSelectivity', { states: [`${conv}:1`], class: 'unicorn' })).rejects.toThrow(/class "unicorn"/);
    await expect(call('analyzeActivations', { states: [`${conv}:1`], layer: 'conv9', unit: 0 })).rejects.toThrow(/conv9/);
  });

  it('stores results in the analyses table', () => {
    const db = new Database(join(tmp.dir, 'core.db'), { readonly: true });
    try {
      const kinds = (db.prepare('SELECT kind, count(*) AS n FROM analyses GROUP BY kind ORDER BY kind').all() as { kind: string; n: number }[]).map((r) => r.kind);
      expect(kinds).toEqual(expect.arrayContaining(['overlap', 'overlap-matrix', 'multigraph', 'selectivity', 'activations', 'subcircuit']));
    } finally {
      db.close();
    }
  });
});

describe('ticketscope analyze', () => {
  const opts = () => ['--db', join(tmp.dir, 'core.db'), '--data-dir', join(tmp.dir, 'data'), '--backend', 'wasm'];

  it('prints overlap as JSON and as a table', () => {
    const j = cli(['analyze', 'overlap', `${imp}:1:mask`, `${imp}:2:trained`, '--json', ...opts()]);
    expect(j.stderr).toBe('');
    expect(j.code).toBe(0);
    const r = JSON.parse(j.stdout) as OverlapResult;
    expect(r.meta.cached).toBe(true); // computed by the core test above, same database
    expect(r.overall.overlapCoefficient).toBe(1);
    const t = cli(['analyze', 'overlap', '--rounds', imp, ...opts()]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/Jaccard \(overall\)/);
  });

  it('prints the multigraph curve and rejects bad usage with exit code 2', () => {
    const r = cli(['analyze', 'multigraph', '--k-max', '6', '--json', ...opts()]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as MultigraphResult).curve.length).toBe(6);
    const bad = cli(['analyze', 'overlap', `${imp}:1:mask`, ...opts()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const kind = cli(['analyze', 'telepathy', ...opts()]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/expected one of overlap/);
  });
});

// Pruning at initialisation (every criterion) and its controls through the real core and the built worker, on a
// small synthetic set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/service';
import type { RunSummary } from '../../src/shared/contract';
import type { NetState } from '../../src/shared/tensors';
import { assertBuilt, tempDir } from '../helpers/cli';
import { runAll as runAllOn, testCore } from '../helpers/core';

const tmp = tempDir('ticketscope-pai-');
let core: Core;

const base = {
  version: 1,
  name: 'pai-test',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'adam', lr: 0.0012 },
  batchSize: 60,
  iterations: 30,
  evalEvery: 15,
  validation: 300,
  seeds: [0],
  synthetic: { train: 1500, test: 300 },
};
const LAYERS = [235200, 30000, 1000];
const TOTAL = 266200;

const kept = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
const keptPerLayer = (s: NetState) => s.layers.map((l) => kept(l.mask));

beforeAll(() => {
  assertBuilt();
  core = testCore(tmp.dir);
});
afterAll(async () => {
  await core?.close();
  tmp.cleanup();
});

const runAll = (config: unknown): Promise<RunSummary[]> => runAllOn(core, config);
const load = (run: RunSummary, which: 'init' | 'trained') => core.store.tensors.loadState(run.runId, 0, which, 'lenet-300-100');

describe('pruning at initialisation', () => {
  const tickets: Record<string, RunSummary> = {};
  let controls: RunSummary[] = [];

  beforeAll(async () => {
    const criteria = ['magnitude', 'snip', 'grasp', 'synflow', 'random'] as const;
    const all = await Promise.all(
      criteria.map((criterion) =>
        runAll({
          ...base,
          name: `pai-${criterion}`,
          method: {
            kind: 'prune-at-init',
            density: 0.1,
            criterion,
            ...(criterion === 'snip' ? { controls: ['reinit', 'random-prune', 'shuffle'] } : {}),
          },
        }),
      ),
    );
    criteria.forEach((c, i) => (tickets[c] = all[i]![0]!));
    controls = all[1]!.slice(1);
  });

  it('each criterion runs to done as one round 0 at the target density, stored with its mask', () => {
    for (const [criterion, run] of Object.entries(tickets)) {
      expect([run.kind, run.status, run.error], criterion).toEqual(['prune-at-init', 'done', null]);
      const d = core.store.repo.getRun(run.runId);
      expect(d.rounds.map((r) => r.round)).toEqual([0]);
      expect(d.rounds[0]!.density, criterion).toBeCloseTo(Math.round(0.1 * TOTAL) / TOTAL, 10);
      expect(d.rounds[0]!.testAccuracy, criterion).toBeGreaterThan(0.2);
      const init = load(run, 'init');
      const trained = load(run, 'trained');
      expect(keptPerLayer(init).reduce((a, b) => a + b, 0), criterion).toBe(Math.round(0.1 * TOTAL));
      expect(trained.layers.map((l) => l.mask)).toEqual(init.layers.map((l) => l.mask));
      // Pruned weights are exactly zero at init and after training.
      const nonzeroPruned = [init, trained].flatMap((s) => s.layers.map((l) => l.weight.filter((w, j) => !l.mask[j] && !Object.is(w, 0)).length));
      expect(nonzeroPruned, criterion).toEqual([0, 0, 0, 0, 0, 0]);
    }
  });

  it('the criteria choose different masks (SNIP vs magnitude, GraSP vs SNIP, SynFlow vs magnitude)', () => {
    const mask = (c: string) => load(tickets[c]!, 'init').layers.map((l) => l.mask);
    expect(mask('snip')).not.toEqual(mask('magnitude'));
    expect(mask('grasp')).not.toEqual(mask('snip'));
    expect(mask('synflow')).not.toEqual(mask('magnitude'));
    // Global ranking: per-layer densities differ from the overall 10% (random stays close to it in each layer).
    const m = keptPerLayer(load(tickets.magnitude!, 'init'));
    expect(m[0]! / LAYERS[0]!).not.toBeCloseTo(m[2]! / LAYERS[2]!, 2);
  });

  it('controls pair with round 0 and keep the per-layer densities', () => {
    expect(controls.map((r) => [r.kind, r.status, r.error])).toEqual([['reinit', 'done', null], ['random-prune', 'done', null], ['shuffle', 'done', null]]);
    const ticket = load(tickets.snip!, 'init');
    for (const c of controls) {
      expect(c.parentRunId).toBe(tickets.snip!.runId);
      expect(core.store.repo.getRun(c.runId).rounds.map((r) => r.round)).toEqual([0]);
      const s = load(c, 'init');
      expect(keptPerLayer(s)).toEqual(keptPerLayer(ticket));
      if (c.kind === 'reinit') {
        expect(s.layers.map((l) => l.mask)).toEqual(ticket.layers.map((l) => l.mask));
        expect(s.layers[0]!.weight).not.toEqual(ticket.layers[0]!.weight);
      } else {
        expect(s.layers[0]!.mask).not.toEqual(ticket.layers[0]!.mask);
        // The ticket's own init weights wherever both masks keep a weight.
        s.layers.forEach((l, i) => {
          const t = ticket.layers[i]!;
          let both = 0;
          let differ = 0;
          l.weight.forEach((w, j) => {
            if (l.mask[j] && t.mask[j]) {
              both++;
              if (w !== t.weight[j]) differ++;
            }
          });
          expect(differ).toBe(0);
          if (i === 0) expect(both).toBeGreaterThan(0);
        });
      }
    }
  });

  it('layerwise ranking keeps the density in every layer; a layer pruned to nothing is a warning', async () => {
    const [layerwise] = await runAll({ ...base, name: 'pai-layerwise', iterations: 20, method: { kind: 'prune-at-init', density: 0.2, criterion: 'snip', ranking: 'layerwise' } });
    expect(keptPerLayer(load(layerwise!, 'trained'))).toEqual(LAYERS.map((n) => Math.round(0.2 * n)));
    expect(core.store.repo.getRun(layerwise!.runId).warnings).toEqual([]);
    const [empty] = await runAll({ ...base, name: 'pai-empty', iterations: 20, method: { kind: 'prune-at-init', density: 0.0004, criterion: 'magnitude', ranking: 'layerwise' } });
    expect(empty!.status).toBe('done');
    expect(core.store.repo.getRun(empty!.runId).warnings).toEqual([expect.stringMatching(/round 0: layer fc3 is pruned to nothing/)]);
  });

  it('rejects options that do not apply, with clear errors', async () => {
    const bad = async (method: unknown) => core.call('startRun', { config: { ...base, method } }).then(() => 'accepted', (e: Error) => e.message);
    expect(await bad({ kind: 'prune-at-init', density: 0.1, criterion: 'snip', iterations: 10 })).toMatch(/method\.iterations: applies to criterion synflow only, not snip/);
    expect(await bad({ kind: 'prune-at-init', density: 0.1, criterion: 'synflow', temperature: 10 })).toMatch(/method\.temperature: applies to criterion grasp only/);
    expect(await bad({ kind: 'prune-at-init', density: 1, criterion: 'snip' })).toMatch(/method\.density/);
    expect(await bad({ kind: 'prune-at-init', density: 0.1, criterion: 'l1' })).toMatch(/method\.criterion/);
  });
});

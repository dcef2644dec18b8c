// IMP, one-shot and their controls through the real core and worker, on a small synthetic set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/service';
import type { RunSummary } from '../../src/shared/contract';
import type { NetState } from '../../src/shared/tensors';
import { assertBuilt, tempDir } from '../helpers/cli';
import { testCore } from '../helpers/core';

const tmp = tempDir('ticketscope-exp-');
let core: Core;

const base = {
  version: 1,
  name: 'imp-test',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'adam', lr: 0.0012 },
  batchSize: 60,
  iterations: 60,
  evalEvery: 30,
  validation: 300,
  seeds: [0],
  synthetic: { train: 1500, test: 300 },
};

const kept = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
/** Positions where `actual` differs from `start` under `mask` (kept: the start value; pruned: exactly +0). */
function mismatches(actual: Float32Array, start: Float32Array, mask: Uint8Array): number {
  let n = 0;
  for (let j = 0; j < actual.length; j++) if (!Object.is(actual[j], mask[j] ? start[j] : 0)) n++;
  return n;
}
const keptPerLayer = (s: NetState) => s.layers.map((l) => kept(l.mask));

beforeAll(() => {
  assertBuilt();
  core = testCore(tmp.dir);
});
afterAll(async () => {
  await core?.close();
  tmp.cleanup();
});

async function runAll(config: unknown): Promise<RunSummary[]> {
  const { runIds } = (await core.call('startRun', { config })) as { runIds: string[] };
  return Promise.all(runIds.map((id) => core.waitForRun(id)));
}

describe('iterative magnitude pruning with controls', () => {
  let runs: RunSummary[];
  const state = (kind: string, round: number, which: 'init' | 'trained' | 'rewind') =>
    core.store.tensors.loadState(runs.find((r) => r.kind === kind)!.runId, round, which, 'lenet-300-100');

  beforeAll(async () => {
    runs = await runAll({
      ...base,
      method: { kind: 'imp', rounds: 2, rates: { conv: 0.1, fc: 0.2, output: 0.1 }, rewindIteration: 20, controls: ['reinit', 'random-prune', 'shuffle'] },
    });
  });

  it('runs the ticket and each control to done, with their rounds', () => {
    expect(runs.map((r) => r.error)).toEqual([null, null, null, null]);
    expect(runs.map((r) => [r.kind, r.status])).toEqual([['imp', 'done'], ['reinit', 'done'], ['random-prune', 'done'], ['shuffle', 'done']]);
    const imp = runs[0]!;
    for (const c of runs.slice(1)) expect(c.parentRunId).toBe(imp.runId);
    const detail = core.store.repo.getRun(imp.runId);
    expect(detail.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    expect(detail.iterations).toBe(180);
    expect(core.store.repo.getRun(runs[1]!.runId).rounds.map((r) => r.round)).toEqual([1, 2]);
  });

  it('prunes 20% of the remaining fc weights and 10% of the output weights per round, layerwise, smallest first', () => {
    expect(keptPerLayer(state('imp', 0, 'trained'))).toEqual([235200, 30000, 1000]);
    expect(keptPerLayer(state('imp', 1, 'trained'))).toEqual([188160, 24000, 900]);
    expect(keptPerLayer(state('imp', 2, 'trained'))).toEqual([150528, 19200, 810]);
    const densities = core.store.repo.getRun(runs[0]!.runId).rounds.map((r) => r.density);
    expect(densities[1]).toBeCloseTo((188160 + 24000 + 900) / 266200, 10);
    // The weights pruned in round 1 are the smallest of round 0's trained weights, layer by layer.
    const trained0 = state('imp', 0, 'trained');
    const mask1 = state('imp', 1, 'trained');
    trained0.layers.forEach((l, i) => {
      let maxPruned = 0;
      let minKept = Infinity;
      l.weight.forEach((w, j) => {
        if (mask1.layers[i]!.mask[j]) minKept = Math.min(minKept, Math.abs(w));
        else maxPruned = Math.max(maxPruned, Math.abs(w));
      });
      expect(maxPruned).toBeLessThanOrEqual(minKept);
    });
  });

  it('rewinds to the weights at the rewind iteration, masked, and pruned weights stay exactly zero', () => {
    const rewind = state('imp', 0, 'rewind');
    const init1 = state('imp', 1, 'init');
    const trained1 = state('imp', 1, 'trained');
    init1.layers.forEach((l, i) => {
      expect(mismatches(l.weight, rewind.layers[i]!.weight, l.mask)).toBe(0);
      let regrown = 0;
      trained1.layers[i]!.weight.forEach((w, j) => {
        if (!l.mask[j] && !Object.is(w, 0)) regrown++;
      });
      expect(regrown).toBe(0);
    });
    expect(rewind.layers[0]!.weight).not.toEqual(state('imp', 0, 'init').layers[0]!.weight);
  });

  it('rewound rounds, the controls\' too, train iterations 21 .. 60 only: evaluated at 30 and 60, never before the rewind point', () => {
    for (const run of runs) {
      const its = (round: number) => [...new Set(core.store.repo.getMetrics(run.runId).filter((p) => p.round === round).map((p) => p.iteration))];
      for (const round of [1, 2]) expect(its(round), `${run.kind} round ${round}`).toEqual([30, 60]);
      for (const r of core.store.repo.getRun(run.runId).rounds) expect([30, 60]).toContain(r.earlyStopIteration);
    }
  });

  it('controls keep the ticket per-layer densities: reinit the same mask with fresh weights, shuffle and random-prune new positions', () => {
    const rewind = state('imp', 0, 'rewind');
    for (const round of [1, 2]) {
      const ticket = state('imp', round, 'init');
      const reinit = state('reinit', round, 'init');
      const shuffle = state('shuffle', round, 'init');
      const random = state('random-prune', round, 'init');
      expect(reinit.layers.map((l) => l.mask)).toEqual(ticket.layers.map((l) => l.mask));
      expect(reinit.layers[0]!.weight).not.toEqual(ticket.layers[0]!.weight);
      for (const ctl of [shuffle, random]) {
        expect(keptPerLayer(ctl)).toEqual(keptPerLayer(ticket));
        expect(ctl.layers[0]!.mask).not.toEqual(ticket.layers[0]!.mask);
        // Same starting weights as the ticket (the rewind point), under the control's mask.
        ctl.layers.forEach((l, i) => expect(mismatches(l.weight, rewind.layers[i]!.weight, l.mask)).toBe(0));
      }
    }
    // Random pruning is iterative: round 2's mask lies inside round 1's.
    const r1 = state('random-prune', 1, 'init').layers[0]!.mask;
    const r2 = state('random-prune', 2, 'init').layers[0]!.mask;
    expect(r2.every((m, j) => m <= r1[j]!)).toBe(true);
  });
});

describe('other pruning schedules', () => {
  it('global ranking removes globalRate of the pooled hidden weights and prunes the output layerwise', async () => {
    const [imp] = await runAll({ ...base, name: 'global', method: { kind: 'imp', rounds: 1, rates: { conv: 0.1, fc: 0.2, output: 0.1 }, ranking: 'global', globalRate: 0.5 } });
    expect(imp!.status).toBe('done');
    const k = keptPerLayer(core.store.tensors.loadState(imp!.runId, 1, 'trained', 'lenet-300-100'));
    expect(k[0]! + k[1]!).toBe(265200 / 2);
    expect(k[2]).toBe(900);
    // Global ranking does not keep the layers' densities equal.
    expect(k[0]! / 235200).not.toBeCloseTo(k[1]! / 30000, 3);
  });

  it('one-shot pruning reaches the target density and warns about nothing when no layer empties', async () => {
    const runs = await runAll({ ...base, name: 'oneshot', method: { kind: 'one-shot', density: 0.05, controls: ['reinit'] } });
    expect(runs.map((r) => r.status)).toEqual(['done', 'done']);
    const d = core.store.repo.getRun(runs[0]!.runId);
    expect(d.rounds.map((r) => r.round)).toEqual([0, 1]);
    expect(d.rounds[1]!.density).toBeCloseTo(0.05, 3);
    expect(d.warnings).toEqual([]);
  });

  it('a layer pruned to nothing is a warning on the run, not hidden', async () => {
    const [imp] = await runAll({ ...base, name: 'empty', iterations: 30, method: { kind: 'one-shot', density: 0.0001 } });
    expect(imp!.status).toBe('done');
    expect(core.store.repo.getRun(imp!.runId).warnings).toEqual([expect.stringMatching(/round 1: layer fc3 is pruned to nothing/)]);
  });
});

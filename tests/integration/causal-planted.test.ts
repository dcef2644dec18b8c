// The planted case of issue #12 end to end: a hand-set LeNet-300-100 whose class-3 logit is carried by one path
// (fc1 unit 7 → fc2 unit 13 → logit 3: tests/unit/causal-fixtures.ts, detectorLenet) is written as a snapshot,
// imported, and analysed through the core (validation, cache, engine worker) and the CLI. Known answers: ablating the
// detector drops the class logit and moves no other; ablating another unit does nothing; the planted circuit is
// fully faithful and its complement is empty.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Core } from '../../src/main/core/service';
import { loadDataset } from '../../src/main/engine/data/index';
import { SNAPSHOT_FORMAT, layersFromStates, writeSnapshotFile } from '../../src/main/store/snapshot';
import type { AblationResult, CircuitScoreResult } from '../../src/shared/causal';
import { assertBuilt, cli, tempDir } from '../helpers/cli';
import { testCore } from '../helpers/core';
import { SYN, detectorLenet } from '../unit/causal-fixtures';

const tmp = tempDir('ticketscope-planted-');
let core: Core;
let state = '';

beforeAll(async () => {
  assertBuilt();
  const data = loadDataset(SYN);
  const { net, state: planted } = await detectorLenet(data, 3, 7, 13, 1);
  net.dispose();
  const config = {
    version: 1, name: 'planted', dataset: SYN.dataset, arch: 'lenet-300-100', optimizer: { name: 'adam', lr: 0.001 }, batchSize: 50,
    iterations: 10, evalEvery: 10, validation: SYN.validation, seeds: [0], method: { kind: 'dense' }, synthetic: SYN.synthetic,
  };
  const file = join(tmp.dir, 'planted.safetensors');
  let kept = 0;
  let total = 0;
  for (const l of planted.layers) for (const m of l.mask) [kept, total] = [kept + m, total + 1];
  const meta = { format: SNAPSHOT_FORMAT, arch: 'lenet-300-100', dataset: SYN.dataset, run: 'planted', round: 0, density: kept / total, which: 'trained', config, createdAt: new Date().toISOString(), app: 'test' };
  writeSnapshotFile(file, { meta: meta as never, layers: layersFromStates(planted, planted) });
  core = testCore(tmp.dir);
  const imported = (await core.call('importSnapshot', { path: file })) as { runId: string };
  state = `${imported.runId}:0:trained`;
}, 120_000);
afterAll(async () => {
  await core?.close();
  tmp.cleanup();
});

const ablate = (p: object) => core.call('analyzeAblate', { state, class: 3, evaluation: 300, reference: 200, ...p }) as Promise<AblationResult>;

describe('a planted detector and circuit, through the core', () => {
  it('ablating the detector drops its class logit and moves no other; a random unit does neither', async () => {
    for (const ablation of ['zero', 'mean'] as const) {
      const det = await ablate({ layer: 'fc2', units: [13], ablation });
      expect(det.targetLogitDrop).toBeGreaterThan(1);
      expect(Math.abs(det.otherLogitDrop!)).toBeLessThan(1e-4);
      const other = await ablate({ layer: 'fc2', units: [40], ablation });
      expect(Math.abs(other.targetLogitDrop)).toBeLessThan(1e-4);
      expect(Math.abs(other.otherLogitDrop!)).toBeLessThan(0.05 * det.targetLogitDrop);
    }
  }, 120_000);

  it('the planted circuit has faithfulness 1 and its complement 0; the complement of a random pair is ~1', async () => {
    const score = (units: { layer: string; units: number[] }[]) =>
      core.call('analyzeCircuit', { state, class: 3, evaluation: 300, reference: 200, circuit: { units } }) as Promise<CircuitScoreResult>;
    const planted = await score([{ layer: 'fc1', units: [7] }, { layer: 'fc2', units: [13] }]);
    expect(planted.faithfulness).toBeCloseTo(1, 4);
    expect(planted.completeness).toBeCloseTo(0, 4);
    expect(planted.units).toBe(2);
    const random = await score([{ layer: 'fc1', units: [100] }, { layer: 'fc2', units: [40] }]);
    expect(Math.abs(random.faithfulness!)).toBeLessThan(0.05);
    expect(random.completeness).toBeCloseTo(1, 4);
  }, 120_000);

  it('the CLI gives the same answer (from the cache)', () => {
    const r = cli(['analyze', 'ablate', state, '--layer', 'fc2', '--units', '13', '--class', '3', '--evaluation', '300', '--reference', '200', '--ablation', 'zero', '--json', '--db', join(tmp.dir, 'core.db'), '--data-dir', join(tmp.dir, 'data')]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.meta.cached).toBe(true);
    expect(out.targetLogitDrop).toBeGreaterThan(1);
  }, 60_000);
});

// The overlap's chance level through the CLI: two independent random LeNet-300-100 masks with very different
// per-layer densities (fc1 5%, fc2 90%, fc3 50%) are imported from snapshot files, and `ticketscope analyze overlap
// --json` must call their overall overlap chance (ratio near 1), as it does for every layer. A chance level that
// pooled all layers into one density would report about 6 times chance for these masks.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverlapResult } from '../../src/shared/analysis';
import { SNAPSHOT_FORMAT, encodeSnapshot, maskDensity, snapshotLayers, type LayerTensors, type Snapshot } from '../../src/main/store/snapshot';
import { assertBuilt, cli, tempDir } from '../helpers/cli';
import { rng } from '../helpers/snapshot-fixtures';

const tmp = tempDir('ticketscope-overlap-chance-');
const DENSITIES: Record<string, number> = { fc1: 0.05, fc2: 0.9, fc3: 0.5 };

/** A masks-only LeNet-300-100 snapshot, each weight kept independently with its layer's density. */
function randomMasks(seed: number): Snapshot {
  const next = rng(seed);
  const layers: LayerTensors[] = snapshotLayers('lenet-300-100', 'mnist').map((spec) => {
    const n = spec.tfjsShape.reduce((a, b) => a * b, 1);
    const d = DENSITIES[spec.name]!;
    const mask = Uint8Array.from({ length: n }, () => (next() < d ? 1 : 0));
    return { name: spec.name, kind: spec.kind, shape: [...spec.tfjsShape], mask };
  });
  return {
    meta: {
      format: SNAPSHOT_FORMAT,
      arch: 'lenet-300-100',
      dataset: 'mnist',
      run: `random-${seed}`,
      round: 0,
      density: maskDensity(layers)!,
      which: 'mask',
      config: {
        version: 1,
        name: 'random masks',
        dataset: 'mnist',
        arch: 'lenet-300-100',
        optimizer: { name: 'adam', lr: 0.0012 },
        batchSize: 60,
        iterations: 100,
        evalEvery: 50,
        validation: 5000,
        seeds: [seed],
        method: { kind: 'dense' },
      },
      createdAt: '2025-01-02T03:04:05.000Z',
      app: '0.1.0',
    },
    layers,
  };
}

const opts = () => ['--db', join(tmp.dir, 'core.db'), '--data-dir', join(tmp.dir, 'data')];

function importMasks(seed: number): string {
  const file = join(tmp.dir, `random-${seed}.safetensors`);
  writeFileSync(file, encodeSnapshot(randomMasks(seed), { weights: false }));
  const r = cli(['import', file, '--json', ...opts()]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const { runId, round } = JSON.parse(r.stdout) as { runId: string; round: number };
  return `${runId}:${round}:mask`;
}

beforeAll(() => assertBuilt());
afterAll(() => tmp.cleanup());

describe('ticketscope analyze overlap on independent random masks', () => {
  it('reports an overall ratio near 1 when the layers have densities 5% / 90% / 50%', () => {
    const pairs: [number, number][] = [
      [1, 2],
      [3, 4],
    ];
    for (const [s1, s2] of pairs) {
      const [a, b] = [importMasks(s1), importMasks(s2)];
      const out = cli(['analyze', 'overlap', a, b, '--json', ...opts()]);
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      const r = JSON.parse(out.stdout) as OverlapResult;
      expect(r.layers.map((l) => l.layer)).toEqual(['fc1', 'fc2', 'fc3']);
      for (const l of r.layers) {
        expect(l.keptA / l.size).toBeCloseTo(DENSITIES[l.layer]!, 1);
        expect(l.jaccardRatio!).toBeGreaterThan(0.9);
        expect(l.jaccardRatio!).toBeLessThan(1.1);
      }
      // E|A∩B| = Σ kA·kB / n per layer; the ratio's standard deviation is about 0.3% here.
      const expBoth = r.layers.reduce((s, l) => s + (l.keptA * l.keptB) / l.size, 0);
      expect(r.overall.expectedBoth).toBeCloseTo(expBoth, 6);
      expect(r.overall.jaccardRatio!).toBeGreaterThan(0.97);
      expect(r.overall.jaccardRatio!).toBeLessThan(1.03);
      const pA = r.overall.keptA / r.overall.size;
      const pB = r.overall.keptB / r.overall.size;
      const pooled = r.overall.jaccard! / ((pA * pB) / (pA + pB - pA * pB));
      expect(pooled).toBeGreaterThan(2);
      console.log(
        `random masks ${s1} vs ${s2}: overall Jaccard ${r.overall.jaccard!.toFixed(4)}, chance ${r.overall.expectedJaccard!.toFixed(4)}, ratio ${r.overall.jaccardRatio!.toFixed(4)} (pooled densities would say ${pooled.toFixed(2)})`,
      );
    }
  });
});

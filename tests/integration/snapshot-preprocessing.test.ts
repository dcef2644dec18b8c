// A snapshot says how to preprocess inputs (issue #15: a PyTorch user had to guess). Through the real CLI, tiny
// LeNet runs on a small MNIST and a small CIFAR-10 (imported from generated files) are exported; the metadata's
// preprocessing is the run's normalisation (`show --json`), per channel for CIFAR-10; applied to the raw pixel bytes
// (the generator's, not Ticketscope's readers') it gives exactly the inputs the engine trained and tested on; an
// import keeps it, so the re-export writes the same constants. With Python and torch, the docs' preprocess() on the
// raw images and the docs' module give the logits of the engine's own forward pass on its own test inputs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import { importDataset } from '../../src/main/engine/data/import';
import { netFromState } from '../../src/main/engine/analysis/net';
import { readSnapshotFile, stateFromLayers } from '../../src/main/store/snapshot';
import type { RunDetail } from '../../src/shared/contract';
import { assertBuilt, cli, ROOT, tempDir } from '../helpers/cli';
import { findTorchPython, requireOrSkip } from '../helpers/python';
import { cifarBatch, cifarMembers, idxSet, imagesFor, labelsFor, makeTar, writeFiles } from '../helpers/data-fixtures';

const tmp = tempDir('ticketscope-preprocessing-');
const dataDir = join(tmp.dir, 'data');
const db = join(tmp.dir, 't.db');
const torch = findTorchPython();
const N = 6; // test images checked per data set

/** The raw test images the fixtures wrote, NHWC bytes: MNIST's IDX test set (offset 5), CIFAR-10's test batch (offset 500). */
const RAW = {
  mnist: { shape: [28, 28, 1] as const, pixels: () => imagesFor(labelsFor(40, 5), 28, 28, 1) },
  cifar10: { shape: [32, 32, 3] as const, pixels: () => cifarBatch(20, 500).pixels },
};
type Set = keyof typeof RAW;

const runs = new Map<Set, { runId: string; detail: RunDetail; file: string }>();

function run(dataset: Set): { runId: string; detail: RunDetail; file: string } {
  const common = ['--db', db, '--data-dir', dataDir, '--backend', 'wasm'];
  const sets = ['arch=lenet-300-100', `dataset=${dataset}`, 'iterations=20', 'evalEvery=10', 'batchSize=20', 'validation=30', 'seeds=[0]', 'method.rounds=1', 'method.controls=[]'];
  const r = cli(['run', '--preset', 'quick-imp', ...sets.flatMap((s) => ['--set', s]), '--json', ...common]);
  expect(r.code, r.stderr).toBe(0);
  const runId = (JSON.parse(r.stdout) as { runs: { runId: string }[] }).runs[0]!.runId;
  const show = cli(['show', runId, '--json', ...common]);
  expect(show.code, show.stderr).toBe(0);
  const file = join(tmp.dir, `${dataset}.safetensors`);
  const ex = cli(['export', `${runId}:1:trained`, '--out', file, ...common]);
  expect(ex.code, ex.stderr).toBe(0);
  return { runId, detail: JSON.parse(show.stdout) as RunDetail, file };
}

beforeAll(async () => {
  assertBuilt();
  mkdirSync(dataDir, { recursive: true });
  await importDataset('mnist', writeFiles(join(tmp.dir, 'mnist-src'), idxSet(240, 40, false)), dataDir);
  const tar = join(tmp.dir, 'cifar-src', 'cifar-10-binary.tar.gz');
  writeFiles(join(tmp.dir, 'cifar-src'), new Map([['cifar-10-binary.tar.gz', gzipSync(makeTar(cifarMembers(20)))]]));
  await importDataset('cifar10', tar, dataDir);
  for (const set of ['mnist', 'cifar10'] as const) runs.set(set, run(set));
  await selectBackend('wasm');
}, 300_000);
afterAll(() => tmp.cleanup());

describe('snapshot preprocessing', () => {
  it('is the run’s normalisation: pixels / 255, one constant for MNIST, per channel (RGB) for CIFAR-10', () => {
    const mnist = runs.get('mnist')!;
    const n = mnist.detail.normalisation!;
    expect(readSnapshotFile(mnist.file).meta.preprocessing).toEqual({ scale: 255, mean: [n.mean], std: [n.std], source: expect.stringContaining('training split') });
    const cifar = runs.get('cifar10')!;
    const c = cifar.detail.normalisation!;
    expect(c.perChannel!.mean).toHaveLength(3);
    expect(readSnapshotFile(cifar.file).meta.preprocessing).toMatchObject({ scale: 255, mean: c.perChannel!.mean, std: c.perChannel!.std });
    // Fresh metadata from `show` (the database), not a copy: the constants are those of a real split.
    expect(n.mean).toBeGreaterThan(0);
    expect(n.std).toBeGreaterThan(0);
  });

  it('applied to the raw pixel bytes as the docs say, gives the inputs the engine used', () => {
    for (const set of ['mnist', 'cifar10'] as const) {
      const { file } = runs.get(set)!;
      const p = readSnapshotFile(file).meta.preprocessing!;
      const [h, w, ch] = RAW[set].shape;
      const raw = RAW[set].pixels();
      const data = loadDataset({ dataset: set, validation: 30 }, { dataDir });
      const size = h * w * ch;
      let worst = 0;
      for (let i = 0; i < N * size; i++) worst = Math.max(worst, Math.abs((raw[i]! / p.scale - p.mean[i % ch]!) / p.std[i % ch]! - data.test.x[i]!));
      expect(worst, set).toBeLessThan(1e-5);
    }
  });

  it('an import keeps it: the re-export writes the same constants', () => {
    const common = ['--db', join(tmp.dir, 'imported.db'), '--data-dir', dataDir];
    for (const set of ['mnist', 'cifar10'] as const) {
      const { file } = runs.get(set)!;
      const imp = cli(['import', file, '--json', ...common]);
      expect(imp.code, imp.stderr).toBe(0);
      const runId = (JSON.parse(imp.stdout) as { runId: string }).runId;
      const again = join(tmp.dir, `${set}-again.safetensors`);
      const ex = cli(['export', `${runId}:1:trained`, '--out', again, ...common]);
      expect(ex.code, ex.stderr).toBe(0);
      const before = readSnapshotFile(file).meta.preprocessing!;
      const after = readSnapshotFile(again).meta.preprocessing!;
      expect(after.scale).toBe(before.scale);
      after.mean.forEach((m, i) => expect(m).toBeCloseTo(before.mean[i]!, 12));
      after.std.forEach((s, i) => expect(s).toBeCloseTo(before.std[i]!, 12));
    }
  });

  describe.skipIf(!requireOrSkip(torch, 'snapshot preprocessing in PyTorch'))('in PyTorch (docs/pytorch.md)', () => {
    it('raw images through the docs’ preprocess() and module give the engine’s logits', async () => {
      for (const set of ['mnist', 'cifar10'] as const) {
        const { file } = runs.get(set)!;
        const [h, w, ch] = RAW[set].shape;
        const size = h * w * ch;
        const rawFile = join(tmp.dir, `${set}-raw.json`);
        writeFileSync(rawFile, JSON.stringify({ images: [...RAW[set].pixels().subarray(0, N * size)], shape: [N, h, w, ch] }));
        const r = spawnSync(torch.python!, [join(ROOT, 'bench', 'pytorch_load_check.py'), file, '--raw', rawFile], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
        expect(r.status, `${r.stderr}\n${r.stdout.slice(0, 2000)}`).toBe(0);
        const report = JSON.parse(r.stdout) as { inputRaw: number[]; logitsRaw: number[][]; metadata: { preprocessing: unknown } };
        expect(report.metadata.preprocessing).toEqual(readSnapshotFile(file).meta.preprocessing);

        // The engine: its own test inputs, its own forward pass on the exported state.
        const data = loadDataset({ dataset: set, validation: 30 }, { dataDir });
        const x = data.test.x.subarray(0, N * size);
        let worstIn = 0;
        report.inputRaw.forEach((v, i) => (worstIn = Math.max(worstIn, Math.abs(v - x[i]!))));
        expect(worstIn, set).toBeLessThan(1e-5);
        const snap = readSnapshotFile(file);
        const net = await netFromState(stateFromLayers(snap.meta.arch, snap.layers, 'weight')!, data);
        const logits = tf.tidy(() => net.forward(tf.tensor2d(x, [N, size])).arraySync() as number[][]);
        net.dispose();
        logits.forEach((row, i) =>
          row.forEach((v, k) => expect(Math.abs(report.logitsRaw[i]![k]! - v), `${set} logit [${i}][${k}]`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v)))),
        );
      }
    });
  });
});

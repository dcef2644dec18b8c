// PyTorch and numpy read the exported files: bench/pytorch_load_check.py runs the code of docs/pytorch.md on a
// snapshot (load, build the module, apply the masks, run it) and the values it reports are compared with the
// engine-layout tensors and a plain NHWC forward pass. Skipped, with the reason printed, without Python and torch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { LayerSpec } from '../../src/main/store/snapshot-arch';
import { inputShapeOf } from '../../src/main/store/snapshot-arch';
import type { Snapshot } from '../../src/main/store/snapshot';
import type { SnapshotFormat } from '../../src/shared/contract';
import { encodeSnapshot, readSnapshot, snapshotLayers, writeSnapshotFile } from '../../src/main/store/snapshot';
import { findPython, pythonCandidates, requireOrSkip } from '../helpers/python';
import { checkInput, makeSnapshot, referenceForward } from '../helpers/snapshot-fixtures';

const SCRIPT = fileURLToPath(new URL('../../bench/pytorch_load_check.py', import.meta.url));

// numpy alone may be found on a python without torch (the one on PATH).
const candidates = [...pythonCandidates(), 'python3', 'python'];
const torchPy = findPython('torch, numpy', candidates);
const haveTorch = requireOrSkip(torchPy, 'snapshot-pytorch: the PyTorch checks');
const numpyPy = torchPy.python ? torchPy : findPython('numpy', candidates);
if (!numpyPy.python) console.warn(`snapshot-pytorch: skipping the numpy checks, no python with numpy (${numpyPy.reason})`);

const dir = mkdtempSync(join(tmpdir(), 'ts-snapshot-py-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The tfjs-layout index of a PyTorch-layout flat index, written out per layout (independent of the exporter). */
function tfjsIndex(spec: LayerSpec, flat: number): number {
  if (spec.kind === 'conv') {
    const [kh, kw, ci, co] = spec.tfjsShape as [number, number, number, number];
    const x = flat % kw;
    const y = Math.floor(flat / kw) % kh;
    const i = Math.floor(flat / (kw * kh)) % ci;
    const o = Math.floor(flat / (kw * kh * ci));
    return ((y * kw + x) * ci + i) * co + o;
  }
  const [inSize, out] = spec.tfjsShape as [number, number];
  const o = Math.floor(flat / inSize);
  let i = flat % inSize;
  if (spec.flattenFrom) {
    const [h, w, c] = spec.flattenFrom;
    const x = i % w;
    const y = Math.floor(i / w) % h;
    const ch = Math.floor(i / (w * h));
    i = (y * w + x) * c + ch;
  }
  return i * out + o;
}

interface Report {
  metadata: Record<string, unknown> & { config: unknown };
  tensors: Record<string, { dtype: string; shape: number[]; sum: number; probes: [number, number][] }>;
  shapeErrors: string[];
  missingKeys: string[];
  unexpected: string[];
  prunedNonZero: Record<string, number>;
  logits?: number[][];
  logitsInit?: number[][];
}

function runCheck(file: string): Report {
  const r = spawnSync(torchPy.python!, [SCRIPT, file], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  expect(r.stderr.split('\n').filter((l) => /Error|Traceback/.test(l))).toEqual([]);
  expect(r.status, r.stdout.slice(0, 2000)).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

function close(a: number[][], b: number[][]) {
  expect(a.length).toBe(b.length);
  a.forEach((row, s) =>
    row.forEach((v, k) => {
      const ref = b[s]![k]!;
      expect(Math.abs(v - ref), `logit [${s}][${k}]: ${v} vs ${ref}`).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(ref)));
    }),
  );
}

function checkReport(report: Report, snap: Snapshot, weights: boolean) {
  const { arch, dataset } = snap.meta;
  expect(report.metadata).toMatchObject({ format: 'ticketscope.snapshot/1', arch, dataset, run: snap.meta.run, round: String(snap.meta.round) });
  expect(report.metadata.config).toEqual(snap.meta.config);
  expect(report.shapeErrors).toEqual([]);
  expect(report.unexpected).toEqual([]);
  expect(report.missingKeys).toEqual([]);
  const specs = snapshotLayers(arch, dataset);
  for (const spec of specs) expect(report.prunedNonZero[spec.name], spec.name).toBe(0);
  const params = weights ? (['mask', 'weight', 'weight_init', 'bias'] as const) : (['mask'] as const);
  expect(Object.keys(report.tensors).sort()).toEqual(specs.flatMap((s) => params.map((p) => `${s.name}.${p}`)).sort());
  snap.layers.forEach((layer, li) => {
    const spec = specs[li]!;
    for (const p of params) {
      const t = report.tensors[`${layer.name}.${p}`]!;
      const values = p === 'mask' ? layer.mask! : p === 'weight' ? layer.weight! : p === 'weight_init' ? layer.weightInit! : layer.bias!;
      expect(t.dtype).toBe(p === 'mask' ? 'uint8' : 'float32');
      expect(t.shape).toEqual(p === 'bias' ? [spec.out] : spec.torchShape);
      let sum = 0;
      for (let i = 0; i < values.length; i++) sum += values[i]!;
      expect(Math.abs(t.sum - sum)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(sum)) + 1e-9 * values.length);
      for (const [flat, v] of t.probes) {
        const at = p === 'bias' ? flat : tfjsIndex(spec, flat);
        expect(v, `${layer.name}.${p} [${flat}]`).toBe(values[at]);
      }
    }
  });
  if (weights) {
    const input = inputShapeOf(dataset)!;
    const x = checkInput(2, ...input);
    close(report.logits!, referenceForward(snap, 'weight', x, 2, input));
    close(report.logitsInit!, referenceForward(snap, 'weightInit', x, 2, input));
  }
}

const cases: [string, string, SnapshotFormat, boolean][] = [
  ['lenet-300-100', 'synthetic-mnist', 'safetensors', true],
  ['lenet-300-100', 'cifar10', 'npz', true],
  ['conv-2', 'synthetic-cifar', 'safetensors', true],
  ['conv-4', 'mnist', 'npz', true],
  ['conv-2', 'mnist', 'safetensors', false],
];

describe.runIf(haveTorch)('PyTorch loads exported snapshots (docs/pytorch.md)', () => {
  for (const [arch, dataset, format, weights] of cases) {
    it(`${arch} on ${dataset}, ${format}, ${weights ? 'with weights' : 'masks only'}`, () => {
      const snap = makeSnapshot(arch, dataset, { seed: 11, keep: 0.4 });
      const file = join(dir, `${arch}-${dataset}.${format}`);
      writeSnapshotFile(file, snap, { weights });
      checkReport(runCheck(file), snap, weights);
    });
  }
});

describe.skipIf(!numpyPy.python)('numpy reads and writes snapshot .npz files', () => {
  const py = (code: string, ...args: string[]) => {
    const r = spawnSync(numpyPy.python!, ['-c', code, ...args], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };

  it('np.load reads the arrays and the metadata of an exported .npz', () => {
    const snap = makeSnapshot('conv-2', 'mnist', { seed: 5 });
    const file = join(dir, 'np-read.npz');
    writeSnapshotFile(file, snap);
    const out = py(
      `import json, sys, numpy as np
z = np.load(sys.argv[1], allow_pickle=False)
print(json.dumps({'meta': json.loads(z['__metadata__'].item()),
  'arrays': {k: [str(z[k].dtype), list(z[k].shape), float(z[k].astype(np.float64).sum())] for k in z.files if k != '__metadata__'}}))`,
      file,
    );
    const r = JSON.parse(out) as { meta: Record<string, string>; arrays: Record<string, [string, number[], number]> };
    expect(r.meta.format).toBe('ticketscope.snapshot/1');
    expect(JSON.parse(r.meta.config!)).toEqual(snap.meta.config);
    expect(r.arrays['conv2.mask']![0]).toBe('uint8');
    expect(r.arrays['conv2.weight']).toEqual(['float32', [64, 64, 3, 3], expect.any(Number)]);
    expect(r.arrays['fc1.weight_init']![1]).toEqual([256, 12544]);
    const kept = snap.layers[3]!.mask!.reduce((a, b) => a + b, 0);
    expect(r.arrays['fc2.mask']![2]).toBe(kept);
  });

  it('imports files numpy wrote: np.savez, np.savez_compressed, and bool masks', () => {
    const snap = makeSnapshot('lenet-300-100', 'mnist', { seed: 6 });
    const src = join(dir, 'np-src.npz');
    writeFileSync(src, encodeSnapshot(snap, { format: 'npz' }));
    const rewrite = `import sys, numpy as np
z = np.load(sys.argv[1], allow_pickle=False)
arrays = {k: z[k] for k in z.files}
arrays['fc1.mask'] = arrays['fc1.mask'].astype(bool)
np.savez(sys.argv[2], **arrays)
np.savez_compressed(sys.argv[3], **arrays)`;
    const plain = join(dir, 'np-plain.npz');
    const compressed = join(dir, 'np-compressed.npz');
    py(rewrite, src, plain, compressed);
    for (const file of [plain, compressed]) {
      const back = readSnapshot(readFileSync(file), 'lenet-300-100', file);
      expect(back.meta).toEqual(snap.meta);
      back.layers.forEach((l, i) => {
        const o = snap.layers[i]!;
        expect(Buffer.from(l.mask!).equals(Buffer.from(o.mask!))).toBe(true);
        expect(Buffer.from(l.weight!.buffer).equals(Buffer.from(o.weight!.buffer))).toBe(true);
        expect(Buffer.from(l.bias!.buffer).equals(Buffer.from(o.bias!.buffer))).toBe(true);
      });
    }
  });
});

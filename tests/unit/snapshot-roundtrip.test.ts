import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/main/store/snapshot';
import { snapshotFormatOfPath, type SnapshotFormat } from '../../src/shared/contract';
import {
  encodeSnapshot,
  layersFromStates,
  readSnapshot,
  readSnapshotFile,
  stateFromLayers,
  writeSnapshotFile,
} from '../../src/main/store/snapshot';
import { ValidationError } from '../../src/shared/errors';
import { makeSnapshot } from '../helpers/snapshot-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'ts-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Byte-identical typed arrays (fast for millions of values, and exact for NaN and -0). */
function sameBytes(a: Float32Array | Uint8Array | undefined, b: Float32Array | Uint8Array | undefined, what: string) {
  expect(a === undefined, what).toBe(b === undefined);
  if (!a || !b) return;
  expect(a.constructor, what).toBe(b.constructor);
  const bytes = (x: Float32Array | Uint8Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  expect(bytes(a).equals(bytes(b)), what).toBe(true);
}

function expectSameLayers(back: Snapshot, orig: Snapshot, weights: boolean) {
  expect(back.layers.map((l) => l.name)).toEqual(orig.layers.map((l) => l.name));
  back.layers.forEach((l, i) => {
    const o = orig.layers[i]!;
    expect(l.kind).toBe(o.kind);
    expect(l.shape).toEqual(o.shape);
    sameBytes(l.mask, o.mask, `${l.name}.mask`);
    sameBytes(l.weight, weights ? o.weight : undefined, `${l.name}.weight`);
    sameBytes(l.weightInit, weights ? o.weightInit : undefined, `${l.name}.weight_init`);
    sameBytes(l.bias, weights ? o.bias : undefined, `${l.name}.bias`);
  });
}

const cases: [string, string][] = [
  ['lenet-300-100', 'synthetic-mnist'],
  ['lenet-300-100', 'cifar10'],
  ['conv-2', 'synthetic-cifar'],
  ['conv-4', 'mnist'],
];

describe('snapshot round trip', () => {
  for (const format of ['safetensors', 'npz'] as SnapshotFormat[]) {
    for (const [arch, dataset] of cases) {
      for (const weights of [true, false]) {
        it(`${format}: ${arch} on ${dataset} ${weights ? 'with weights' : 'masks only'}`, () => {
          const snap = makeSnapshot(arch, dataset, { seed: arch.length + dataset.length });
          const bytes = encodeSnapshot(snap, { format, weights });
          const back = readSnapshot(bytes, arch, `x.${format}`);
          expect(back.meta).toEqual(snap.meta);
          expectSameLayers(back, snap, weights);
        });
      }
    }
  }

  it('encodes the same snapshot to the same bytes', () => {
    const a = makeSnapshot('conv-2', 'mnist');
    for (const format of ['safetensors', 'npz'] as const) {
      expect(Buffer.from(encodeSnapshot(a, { format })).equals(encodeSnapshot(makeSnapshot('conv-2', 'mnist'), { format }))).toBe(true);
    }
  });

  it('keeps -0, subnormals and the largest float bit-exact; refuses infinities and NaN on import', () => {
    const snap = makeSnapshot('lenet-300-100', 'mnist', { seed: 9 });
    const w = snap.layers[2]!.weight!;
    w.set([-0, 1e-45, -1e-45, 3.4028234663852886e38, -3.4028234663852886e38]);
    for (const format of ['safetensors', 'npz'] as const) {
      const back = readSnapshot(encodeSnapshot(snap, { format })).layers[2]!.weight!;
      expect(Buffer.from(back.buffer, back.byteOffset, 20).equals(Buffer.from(w.buffer, w.byteOffset, 20))).toBe(true);
    }
    // fc3 is [100, 10] in tfjs, [10, 100] in PyTorch: tfjs index 5 (row 0, column 5) is file index 500, [5, 0].
    for (const [value, shown] of [[Infinity, 'Infinity'], [-Infinity, '-Infinity'], [NaN, 'NaN']] as const) {
      w[5] = value;
      for (const format of ['safetensors', 'npz'] as const) {
        expect(() => readSnapshot(encodeSnapshot(snap, { format }), undefined, `x.${format}`)).toThrow(
          `snapshot x.${format}: tensor fc3.weight: ${shown} at index 500 [5, 0] (a snapshot holds finite numbers only)`,
        );
      }
      w[5] = 0;
    }
  });

  it('writes and reads files, choosing the format from the extension, without leaving temporary files', () => {
    const snap = makeSnapshot('conv-2', 'cifar10', { keep: 0.2, run: 'abc', round: 5 });
    const st = join(dir, 'abc-5.safetensors');
    const npz = join(dir, 'abc-5.npz');
    expect(writeSnapshotFile(st, snap)).toMatchObject({ format: 'safetensors' });
    expect(writeSnapshotFile(npz, snap, { weights: false })).toMatchObject({ format: 'npz' });
    expect(readFileSync(npz).subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    expect(readdirSync(dir).sort()).toEqual(['abc-5.npz', 'abc-5.safetensors']);
    expect(snapshotFormatOfPath(npz)).toBe('npz');
    expect(snapshotFormatOfPath(join(dir, 'x.bin'))).toBe('safetensors');
    expectSameLayers(readSnapshotFile(st), snap, true);
    expectSameLayers(readSnapshotFile(npz, 'conv-2'), snap, false);
    expect(() => readSnapshotFile(join(dir, 'missing.safetensors'))).toThrow(/snapshot .*missing.safetensors: cannot read \(ENOENT\)/);
  });

  it('rejects a snapshot of another architecture when one is expected', () => {
    const bytes = encodeSnapshot(makeSnapshot('lenet-300-100', 'mnist'));
    expect(() => readSnapshot(bytes, 'conv-2', 'l.safetensors')).toThrow('snapshot l.safetensors: snapshot is for lenet-300-100, expected conv-2');
  });

  it('refuses to export layers that do not fit the architecture', () => {
    const snap = makeSnapshot('lenet-300-100', 'mnist');
    const bad = (f: (s: Snapshot) => void) => {
      const s = makeSnapshot('lenet-300-100', 'mnist');
      f(s);
      return () => encodeSnapshot(s);
    };
    expect(bad((s) => (s.layers[0]!.shape = [300, 784]))).toThrow(/layer fc1 has shape \[300, 784\], lenet-300-100 on mnist expects \[784, 300\]/);
    expect(bad((s) => s.layers.pop())).toThrow(/layer fc3 of lenet-300-100 is missing/);
    expect(bad((s) => (s.layers[1]!.bias = new Float32Array(3)))).toThrow(/layer fc2: bias has 3 values, expected 100/);
    expect(bad((s) => (s.layers[1]!.mask![0] = 2))).toThrow(/layer fc2: mask value 2 at index 0/);
    expect(bad((s) => (s.meta.arch = 'conv-2'))).toThrow(ValidationError);
    expect(() => encodeSnapshot({ ...snap, layers: snap.layers.map((l) => ({ ...l, mask: undefined })) }, { weights: false })).toThrow(
      /layer fc1 has no mask: nothing to export without weights/,
    );
  });
});

describe('snapshots and stored states', () => {
  it('builds snapshot layers from a trained and an init state, and states back from imported layers', () => {
    const snap = makeSnapshot('lenet-300-100', 'mnist', { seed: 12 });
    const trained = stateFromLayers('lenet-300-100', snap.layers)!;
    const init = stateFromLayers('lenet-300-100', snap.layers, 'weightInit')!;
    expect(trained.layers[0]!.weight).toBe(snap.layers[0]!.weight);
    expect(init.layers[0]!.weight).toBe(snap.layers[0]!.weightInit);
    const layers = layersFromStates(trained, init);
    const back = readSnapshot(encodeSnapshot({ meta: snap.meta, layers }));
    expectSameLayers(back, snap, true);
    expect(layersFromStates(trained)[0]!.weightInit).toBeUndefined();
    const masksOnly = readSnapshot(encodeSnapshot(snap, { weights: false }));
    expect(stateFromLayers('lenet-300-100', masksOnly.layers)).toBeNull();
    const wrong = { ...init, layers: init.layers.map((l) => ({ ...l, shape: [1, 2] })) };
    expect(() => layersFromStates(trained, wrong)).toThrow(/layer fc1: the init state has no layer of its shape/);
  });
});

// Checks exported snapshot bytes with a reader of the safetensors layout written here, independently of the app's
// reader: header length, JSON, offsets, raw little-endian values and the PyTorch transposition of known tensors.
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/main/store/safetensors';
import { SNAPSHOT_FORMAT, encodeSnapshot } from '../../src/main/store/snapshot';
import { makeSnapshot } from '../helpers/snapshot-fixtures';

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** The test's own reader: header length, header JSON, buffer start, and typed accessors by hand (DataView, LE). */
function parse(bytes: Uint8Array) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  expect(hi).toBe(0);
  const n = lo;
  const headerText = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
  const header = JSON.parse(headerText) as Record<string, unknown>;
  const start = 8 + n;
  const entry = (name: string) => header[name] as Entry;
  const f32 = (name: string, flat: number) => {
    const e = entry(name);
    expect(e.dtype).toBe('F32');
    return dv.getFloat32(start + e.data_offsets[0] + 4 * flat, true);
  };
  const u8 = (name: string, flat: number) => {
    const e = entry(name);
    expect(e.dtype).toBe('U8');
    return bytes[start + e.data_offsets[0] + flat]!;
  };
  return { n, headerText, header, start, entry, f32, u8 };
}

describe('exported safetensors bytes', () => {
  it('has a padded header, contiguous offsets and string metadata', () => {
    const snap = makeSnapshot('lenet-300-100', 'synthetic-mnist');
    const bytes = encodeSnapshot(snap);
    const { n, headerText, header, start } = parse(bytes);
    expect(n % 8).toBe(0);
    expect(headerText.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(headerText.slice(headerText.lastIndexOf('}') + 1))).toBe(true);

    const meta = header.__metadata__ as Record<string, string>;
    expect(meta).toMatchObject({
      format: SNAPSHOT_FORMAT,
      arch: 'lenet-300-100',
      dataset: 'synthetic-mnist',
      run: 'run-1',
      round: '2',
      which: 'trained',
      app: '0.1.0',
      createdAt: '2025-01-02T03:04:05.000Z',
    });
    expect(Number(meta.density)).toBe(snap.meta.density);
    expect(JSON.parse(meta.config!)).toEqual(snap.meta.config);
    for (const v of Object.values(meta)) expect(typeof v).toBe('string');

    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    const expected = ['fc1', 'fc2', 'fc3'].flatMap((l) => ['mask', 'weight', 'weight_init', 'bias'].map((p) => `${l}.${p}`));
    expect(names.sort()).toEqual(expected.sort());
    const entries = names.map((k) => ({ k, ...(header[k] as Entry) })).sort((a, b) => a.data_offsets[0] - b.data_offsets[0]);
    let pos = 0;
    for (const e of entries) {
      expect(e.data_offsets[0]).toBe(pos);
      const size = e.dtype === 'F32' ? 4 : 1;
      expect(e.data_offsets[1] - e.data_offsets[0]).toBe(e.shape.reduce((a, b) => a * b, 1) * size);
      if (e.dtype === 'F32') expect((start + e.data_offsets[0]) % 4).toBe(0);
      pos = e.data_offsets[1];
    }
    expect(start + pos).toBe(bytes.length);
    expect((header['fc1.mask'] as Entry).shape).toEqual([300, 784]);
    expect((header['fc1.weight'] as Entry).shape).toEqual([300, 784]);
    expect((header['fc1.bias'] as Entry).shape).toEqual([300]);
    expect((header['fc3.weight_init'] as Entry).shape).toEqual([10, 100]);
  });

  it('writes linear weights as [out, in]: torch[o][i] = tfjs[i][o]', () => {
    const snap = makeSnapshot('lenet-300-100', 'mnist');
    const fc2 = snap.layers[1]!; // tfjs [300, 100]
    for (let i = 0; i < 300; i++) for (let o = 0; o < 100; o++) fc2.weight![i * 100 + o] = i * 1000 + o;
    const p = parse(encodeSnapshot(snap));
    for (const [o, i] of [[0, 0], [0, 1], [1, 0], [99, 299], [42, 17]] as const) {
      expect(p.f32('fc2.weight', o * 300 + i)).toBe(i * 1000 + o);
      expect(p.u8('fc2.mask', o * 300 + i)).toBe(fc2.mask![i * 100 + o]);
      expect(p.f32('fc2.weight_init', o * 300 + i)).toBe(fc2.weightInit![i * 100 + o]);
    }
    expect(p.f32('fc2.bias', 7)).toBe(fc2.bias![7]);
    // MNIST has one channel, so fc1's (h, w, c) input order is already PyTorch's.
    const fc1 = snap.layers[0]!;
    expect(p.f32('fc1.weight', 5 * 784 + 600)).toBe(fc1.weight![600 * 300 + 5]);
  });

  it('writes conv weights as OIHW: torch[o][i][y][x] = tfjs[y][x][i][o]', () => {
    const snap = makeSnapshot('conv-2', 'cifar10', { seed: 3 });
    const conv1 = snap.layers[0]!; // tfjs [3, 3, 3, 64]
    const tf = (y: number, x: number, i: number, o: number) => ((y * 3 + x) * 3 + i) * 64 + o;
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) for (let i = 0; i < 3; i++) for (let o = 0; o < 64; o++) {
      conv1.weight![tf(y, x, i, o)] = o * 1000 + i * 100 + y * 10 + x;
    }
    const p = parse(encodeSnapshot(snap));
    expect(p.entry('conv1.weight').shape).toEqual([64, 3, 3, 3]);
    for (const [o, i, y, x] of [[0, 0, 0, 0], [63, 2, 2, 2], [5, 1, 0, 2], [17, 2, 1, 0]] as const) {
      const flat = ((o * 3 + i) * 3 + y) * 3 + x;
      expect(p.f32('conv1.weight', flat)).toBe(o * 1000 + i * 100 + y * 10 + x);
      expect(p.u8('conv1.mask', flat)).toBe(conv1.mask![tf(y, x, i, o)]);
    }
  });

  it("reorders fc1's input from tfjs (h, w, c) to PyTorch's (c, h, w) flattening", () => {
    const snap = makeSnapshot('conv-2', 'cifar10', { seed: 4 });
    const fc1 = snap.layers[2]!; // tfjs [16*16*64, 256], inputs flattened (h, w, c)
    const p = parse(encodeSnapshot(snap));
    expect(p.entry('fc1.weight').shape).toEqual([256, 16384]);
    for (const [o, h, w, c] of [[0, 0, 0, 1], [255, 15, 15, 63], [3, 2, 9, 40], [100, 7, 0, 0]] as const) {
      const tfjsIn = (h * 16 + w) * 64 + c;
      const torchIn = (c * 16 + h) * 16 + w;
      expect(p.f32('fc1.weight', o * 16384 + torchIn)).toBe(fc1.weight![tfjsIn * 256 + o]);
      expect(p.u8('fc1.mask', o * 16384 + torchIn)).toBe(fc1.mask![tfjsIn * 256 + o]);
    }
  });

  it('writes mask-only snapshots with nothing but the masks', () => {
    const bytes = encodeSnapshot(makeSnapshot('conv-4', 'mnist'), { weights: false });
    const { header } = parse(bytes);
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(names.sort()).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'fc1', 'fc2', 'fc3'].map((l) => `${l}.mask`));
  });
});

describe('safetensors reader and writer', () => {
  it('round-trips F32, U8 and BOOL tensors, scalars and empty tensors', () => {
    const tensors = [
      { name: 'a', dtype: 'U8' as const, shape: [3], data: new Uint8Array([1, 2, 3]) },
      { name: 'b', dtype: 'F32' as const, shape: [2, 2], data: new Float32Array([1, -1, 0.5, 1e-30]) },
      { name: 's', dtype: 'F32' as const, shape: [], data: new Float32Array([7]) },
      { name: 'e', dtype: 'F32' as const, shape: [0, 4], data: new Float32Array(0) },
      { name: 'm', dtype: 'BOOL' as const, shape: [2], data: new Uint8Array([1, 0]) },
    ];
    const bytes = writeSafetensors(tensors, { k: 'v' });
    const p = parse(bytes);
    expect((p.header.b as Entry).data_offsets[0]).toBe(0); // wider dtypes first
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ k: 'v' });
    for (const t of tensors) expect(back.tensors.get(t.name)).toEqual({ dtype: t.dtype, shape: t.shape, data: t.data });
    expect(readSafetensors(writeSafetensors([])).tensors.size).toBe(0);
  });

  it('reads a file written by another writer (no padding, U8 first, unaligned F32)', () => {
    const header = JSON.stringify({ m: { dtype: 'U8', shape: [1], data_offsets: [0, 1] }, w: { dtype: 'F32', shape: [1], data_offsets: [1, 5] } });
    const body = new Uint8Array([1, 0, 0, 0x80, 0x3f]);
    const bytes = new Uint8Array(8 + header.length + body.length);
    new DataView(bytes.buffer).setUint32(0, header.length, true);
    bytes.set(new TextEncoder().encode(header), 8);
    bytes.set(body, 8 + header.length);
    const back = readSafetensors(bytes);
    expect(back.metadata).toBeNull();
    expect([...back.tensors.get('w')!.data]).toEqual([1]);
  });
});

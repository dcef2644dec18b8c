import { describe, expect, it } from 'vitest';
import {
  bytesToFloat32,
  countOnes,
  decodeFloat32Blob,
  decodeMaskBlob,
  encodeFloat32Blob,
  encodeMaskBlob,
  float32ToBytes,
  packMask,
  packedLength,
  sha256Hex,
  unpackMask,
} from '../../src/main/store/bits';
import { fromTorchLayout, permuteAxes, toTorchLayout } from '../../src/main/store/snapshot-arch';
import { snapshotLayers } from '../../src/main/store/snapshot';
import { crc32 } from '../../src/main/store/zip';
import { ValidationError } from '../../src/shared/errors';
import { rng } from '../helpers/snapshot-fixtures';

describe('mask bit-packing', () => {
  it('packs LSB-first: element i is bit i % 8 of byte i / 8', () => {
    const mask = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect([...packMask(mask)]).toEqual([0x01, 0x03]);
    expect([...packMask(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]))]).toEqual([0x80]);
    expect(packMask(new Uint8Array(0)).length).toBe(0);
    expect(packedLength(17)).toBe(3);
  });

  it('round-trips masks of every length modulo 8', () => {
    const next = rng(7);
    for (let n = 0; n < 70; n++) {
      const mask = Uint8Array.from({ length: n }, () => (next() < 0.4 ? 1 : 0));
      const bits = packMask(mask);
      expect(bits.length).toBe(Math.ceil(n / 8));
      expect(unpackMask(bits, n)).toEqual(mask);
      expect(countOnes(mask)).toBe(mask.reduce((a, b) => a + b, 0));
    }
  });

  it('rejects non-binary values, wrong byte counts and stray trailing bits', () => {
    expect(() => packMask(new Uint8Array([0, 2]))).toThrow(/mask value 2 at index 1/);
    expect(() => unpackMask(new Uint8Array(2), 17)).toThrow(/17 elements need 3/);
    expect(() => unpackMask(new Uint8Array([0x00, 0x04]), 10)).toThrow(/bits set past its last element/);
    expect(() => unpackMask(new Uint8Array([0x00, 0x04]), 10)).toThrow(ValidationError);
  });
});

describe('checksums and blobs', () => {
  it('sha256 and crc32 match their published test vectors', () => {
    const abc = new TextEncoder().encode('abc');
    expect(sha256Hex(abc)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('float32 bytes are little-endian and round-trip from any alignment', () => {
    const v = new Float32Array([1, -2.5, Math.PI]);
    const b = float32ToBytes(v);
    expect([...b.subarray(0, 4)]).toEqual([0x00, 0x00, 0x80, 0x3f]);
    const shifted = new Uint8Array(b.length + 1);
    shifted.set(b, 1);
    expect(bytesToFloat32(shifted.subarray(1))).toEqual(v);
    expect(() => bytesToFloat32(new Uint8Array(5))).toThrow(/not a multiple of 4/);
  });

  it('encodes mask and weight blobs with a checksum that decoding verifies', () => {
    const mask = new Uint8Array([1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1]);
    const mb = encodeMaskBlob(mask);
    expect(mb).toMatchObject({ encoding: 'mask-bits-lsb', length: 11 });
    expect(mb.data.length).toBe(2);
    expect(mb.sha256).toBe(sha256Hex(mb.data));
    expect(decodeMaskBlob(mb)).toEqual(mask);
    const w = new Float32Array([0.5, -1, 3]);
    const wb = encodeFloat32Blob(w);
    expect(decodeFloat32Blob(wb)).toEqual(w);
    const corrupt = { ...wb, data: wb.data.slice() };
    corrupt.data[0]! ^= 1;
    expect(() => decodeFloat32Blob(corrupt, 'fc1.weight')).toThrow(/fc1.weight: checksum mismatch/);
    expect(() => decodeMaskBlob(wb)).toThrow(/encoding f32-le, expected mask-bits-lsb/);
  });
});

describe('layout conversion', () => {
  it('permutes axes of a small known array', () => {
    // [2, 3] → transpose
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect([...permuteAxes(a, [2, 3], [1, 0])]).toEqual([1, 4, 2, 5, 3, 6]);
    // [1, 2, 2, 3] HWIO → OIHW [3, 2, 1, 2]
    const w = Float32Array.from({ length: 12 }, (_, i) => i);
    const t = permuteAxes(w, [1, 2, 2, 3], [3, 2, 0, 1]);
    // torch[o][i][y][x] = tfjs[y][x][i][o] = ((y*2 + x)*2 + i)*3 + o
    for (let o = 0; o < 3; o++) {
      for (let i = 0; i < 2; i++) {
        for (let x = 0; x < 2; x++) expect(t[((o * 2 + i) * 1 + 0) * 2 + x]).toBe((x * 2 + i) * 3 + o);
      }
    }
  });

  it('toTorchLayout and fromTorchLayout are inverse for every layer of every arch', () => {
    for (const [arch, dataset] of [['lenet-300-100', 'cifar10'], ['conv-4', 'mnist'], ['conv-2', 'cifar10']] as const) {
      for (const spec of snapshotLayers(arch, dataset)) {
        const n = spec.tfjsShape.reduce((a, b) => a * b, 1);
        const data = Float32Array.from({ length: n }, (_, i) => i);
        const back = fromTorchLayout(spec, toTorchLayout(spec, data));
        expect(Buffer.from(back.buffer).equals(Buffer.from(data.buffer)), spec.name).toBe(true);
      }
    }
  });

  it('computes the Frankle & Carbin layer shapes from the input size', () => {
    const shapes = (arch: string, ds: string) => snapshotLayers(arch, ds).map((s) => `${s.name}:${s.torchShape.join('x')}`);
    expect(shapes('lenet-300-100', 'mnist')).toEqual(['fc1:300x784', 'fc2:100x300', 'fc3:10x100']);
    expect(shapes('conv-2', 'cifar10')).toEqual(['conv1:64x3x3x3', 'conv2:64x64x3x3', 'fc1:256x16384', 'fc2:256x256', 'fc3:10x256']);
    expect(shapes('conv-4', 'cifar10')[4]).toBe('fc1:256x8192');
    expect(shapes('conv-6', 'cifar10')[6]).toBe('fc1:256x4096');
    expect(shapes('conv-8', 'cifar10')).toContain('fc1:256x2048');
    expect(shapes('conv-8', 'cifar10')[7]).toBe('conv8:512x512x3x3');
    expect(shapes('conv-4', 'mnist')[4]).toBe('fc1:256x6272'); // 28 → 14 → 7, 7·7·128
    expect(() => snapshotLayers('resnet-18', 'mnist')).toThrow(/unknown arch resnet-18/);
    expect(() => snapshotLayers('conv-2', 'imagenet')).toThrow(/unknown dataset imagenet/);
  });
});

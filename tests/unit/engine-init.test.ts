import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend, versions } from '../../src/main/engine/backend';
import { initScale, initWeights } from '../../src/main/engine/init';
import { createLenet300100 } from '../../src/main/engine/nets/lenet';
import { Rng, streamRng } from '../../src/main/engine/rng';

function stats(a: Float32Array): { mean: number; std: number } {
  let s = 0;
  let q = 0;
  for (const v of a) {
    s += v;
    q += v * v;
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(q / a.length - mean * mean) };
}

describe('engine init', () => {
  afterAll(async () => {
    await selectBackend('wasm');
  });

  it('gives bit-identical weights for the same seed and stream', () => {
    const a = initWeights('glorot-normal', [784, 300], streamRng(0, 'init/fc1'));
    const b = initWeights('glorot-normal', [784, 300], streamRng(0, 'init/fc1'));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    const c = initWeights('glorot-normal', [784, 300], streamRng(1, 'init/fc1'));
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it('uses the documented scales', () => {
    const g = initWeights('glorot-normal', [784, 300], new Rng(1));
    const gs = stats(g);
    expect(initScale('glorot-normal', [784, 300])).toBeCloseTo(Math.sqrt(2 / 1084), 12);
    expect(Math.abs(gs.mean)).toBeLessThan(0.001);
    expect(gs.std / Math.sqrt(2 / 1084)).toBeGreaterThan(0.99);
    expect(gs.std / Math.sqrt(2 / 1084)).toBeLessThan(1.01);
    // Plain (untruncated) normal: some values lie beyond two standard deviations (about 4.6%).
    const beyond = g.filter((v) => Math.abs(v) > 2 * gs.std).length / g.length;
    expect(beyond).toBeGreaterThan(0.04);
    const k = stats(initWeights('kaiming-normal', [300, 100], new Rng(2)));
    expect(k.std / Math.sqrt(2 / 300)).toBeGreaterThan(0.97);
    expect(k.std / Math.sqrt(2 / 300)).toBeLessThan(1.03);
    const s = initWeights('signed-kaiming-constant', [300, 100], new Rng(3));
    const mag = Math.fround(Math.sqrt(2 / 300));
    expect(s.every((v) => v === mag || v === -mag)).toBe(true);
    const positive = s.filter((v) => v > 0).length / s.length;
    expect(Math.abs(positive - 0.5)).toBeLessThan(0.02);
  });

  it('uploads bit-identical initial weights on the cpu and wasm backends', async () => {
    const read = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
      const report = await selectBackend(backend);
      expect(report.name).toBe(backend);
      expect(tf.getBackend()).toBe(backend);
      const net = createLenet300100(11);
      const out = net.layers.map((l) => l.weight.dataSync() as Float32Array);
      net.dispose();
      return out;
    };
    const cpu = await read('cpu');
    const wasm = await read('wasm');
    expect(cpu.length).toBe(3);
    cpu.forEach((w, i) => {
      const v = wasm[i]!;
      expect(Buffer.from(w.buffer, w.byteOffset, w.byteLength).equals(Buffer.from(v.buffer, v.byteOffset, v.byteLength))).toBe(true);
    });
    // And it is what the generator gives directly.
    const direct = initWeights('glorot-normal', [784, 300], streamRng(11, 'init/fc1'));
    expect(Buffer.from(direct.buffer).equals(Buffer.from(cpu[0]!.buffer, cpu[0]!.byteOffset, cpu[0]!.byteLength))).toBe(true);
  });
});

describe('engine backends', () => {
  it('skips missing optional backends under auto, with reasons, and records versions', async () => {
    const report = await selectBackend('auto');
    expect(report.name).toBe('wasm');
    expect(report.reason).toBe('first available');
    expect(report.skipped.map((s) => s.name)).toEqual(['cuda', 'webgpu', 'node']);
    expect(report.skipped[0]!.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    for (const s of report.skipped) expect(s.reason).not.toContain('\n');
    const v = versions();
    expect(v['tfjs']).toBe(tf.version.tfjs);
    expect(v['backend']).toBe('wasm');
    expect(v['node']).toBe(process.versions.node);
  });

  it('throws one clear line for an explicit backend that is unavailable', async () => {
    await expect(selectBackend('cuda')).rejects.toThrow('backend cuda unavailable: @tensorflow/tfjs-node-gpu is not installed');
    await expect(selectBackend('node')).rejects.toThrow(/^backend node unavailable: @tensorflow\/tfjs-node is not installed$/);
    const cpu = await selectBackend('cpu');
    expect(cpu).toEqual({ name: 'cpu', reason: 'requested', skipped: [] });
    await selectBackend('wasm');
  });
});

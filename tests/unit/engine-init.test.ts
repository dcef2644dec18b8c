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

  it('draws Gaussian Glorot as Frankle & Carbin\'s TensorFlow code did: a normal truncated at ±2s, s = sqrt(1.3 · 2 / (fan_in + fan_out))', () => {
    // Planted statistics of that distribution, computed independently (Python's math.erf) for a standard normal
    // truncated at ±2 and scaled by s = sqrt(1.3)·σ, σ = sqrt(2 / (fan_in + fan_out)):
    //   std / σ = sqrt(1.3) · 0.8796256610 = 1.0029276; max |w| / σ = 2 sqrt(1.3) = 2.2803509;
    //   P(|w| > 2σ) = 0.0355268; P(|w| > σ) = 0.3509219 (an untruncated normal: 0.0455 and 0.3173).
    const sigma = Math.sqrt(2 / 1084);
    const g = initWeights('glorot-normal', [784, 300], new Rng(1));
    const gs = stats(g);
    expect(initScale('glorot-normal', [784, 300])).toBeCloseTo(Math.sqrt(1.3) * sigma, 12);
    expect(Math.abs(gs.mean) / sigma).toBeLessThan(0.01);
    expect(gs.std / sigma).toBeGreaterThan(1.0029276 - 0.006);
    expect(gs.std / sigma).toBeLessThan(1.0029276 + 0.006);
    // n = 235,200: the fractions' standard errors are about 0.0004 and 0.001.
    const beyond = (t: number) => g.filter((v) => Math.abs(v) > t * sigma).length / g.length;
    expect(beyond(2)).toBeGreaterThan(0.0355268 - 0.002);
    expect(beyond(2)).toBeLessThan(0.0355268 + 0.002);
    expect(beyond(1)).toBeGreaterThan(0.3509219 - 0.005);
    expect(beyond(1)).toBeLessThan(0.3509219 + 0.005);
    expect(beyond(2.2803509 * (1 + 1e-6))).toBe(0);
    // ... and reaches close to the cut (the largest of 235,200 draws lies within 1% of it).
    expect(beyond(2.2803509 * 0.99)).toBeGreaterThan(0);
  });

  it('draws Kaiming normal untruncated and the signed constants of edge-popup and Zhou et al.', () => {
    const kw = initWeights('kaiming-normal', [300, 100], new Rng(2));
    const k = stats(kw);
    expect(k.std / Math.sqrt(2 / 300)).toBeGreaterThan(0.97);
    expect(k.std / Math.sqrt(2 / 300)).toBeLessThan(1.03);
    // Untruncated: some values beyond two standard deviations (about 4.55%).
    expect(kw.filter((v) => Math.abs(v) > 2 * Math.sqrt(2 / 300)).length / kw.length).toBeGreaterThan(0.04);
    const s = initWeights('signed-kaiming-constant', [300, 100], new Rng(3));
    const mag = Math.fround(Math.sqrt(2 / 300));
    expect(s.every((v) => v === mag || v === -mag)).toBe(true);
    const positive = s.filter((v) => v > 0).length / s.length;
    expect(Math.abs(positive - 0.5)).toBeLessThan(0.02);
    // Zhou et al.'s make_signed_consts: sign(w) · std(w) of the layer's Glorot draw (tf.nn.moments: population std).
    const shape = [3, 3, 64, 128];
    const draw = initWeights('glorot-normal', shape, new Rng(4));
    const signed = initWeights('signed-glorot-constant', shape, new Rng(4));
    const c = Math.abs(signed[0]!);
    expect(signed.every((v, j) => v === Math.sign(draw[j]!) * c)).toBe(true);
    expect(c / stats(draw).std).toBeCloseTo(1, 6);
    expect(c / Math.sqrt(2 / (9 * 64 + 9 * 128))).toBeCloseTo(1.0029, 1);
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

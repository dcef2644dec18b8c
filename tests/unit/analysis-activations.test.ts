import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateInfo } from '../../src/shared/analysis';
import type { NetState } from '../../src/shared/tensors';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import type { Dataset } from '../../src/main/engine/data/index';
import { generateSyntheticCifar } from '../../src/main/engine/data/synthetic';
import { gradcam, imageBytes, runActivations } from '../../src/main/engine/analysis/activations';
import { netFromState } from '../../src/main/engine/analysis/net';
import type { AnalysisContext, LoadedState } from '../../src/main/engine/analysis/types';
import { buildNet } from '../../src/main/engine/nets/factory';
import { captureState } from '../../src/main/engine/state';

const SYN = { validation: 100, synthetic: { train: 400, test: 300 } } as const;

function info(label: string, arch: string): StateInfo {
  return {
    ref: `${label}:0:trained`,
    runId: label,
    round: 0,
    which: 'trained',
    kind: 'imp',
    seed: 0,
    experimentName: 'test',
    arch,
    dataset: 'synthetic',
    density: 1,
    hasWeights: true,
    label,
  } as StateInfo;
}

function ctxOf(data: Dataset, cls: number): AnalysisContext {
  return { data, cls: { index: cls, name: data.classNames?.[cls] ?? String(cls) }, progress: () => {} };
}

async function randomState(arch: 'conv-2' | 'lenet-300-100', data: Dataset, seed: number): Promise<LoadedState> {
  const net = buildNet({ arch, seed, inputShape: data.inputShape, numClasses: data.numClasses });
  const state = await captureState(net);
  net.dispose();
  return { info: info(`${arch}-s${seed}`, arch), state };
}

/**
 * A hand-set Conv-2 on 32x32x3 images: conv1 channel 0 copies the red input channel, channel 1 the blue one; conv2
 * channels 0 and 1 copy conv1's; fc1 unit 0 averages conv2's pooled channel `channel` over one quadrant of the
 * 16x16 pooled map; fc2 unit 0 copies it; the class logit `cls` reads fc2 unit 0. Zero weights are pruned.
 */
async function handConv2(channel: 0 | 1, quadrant: 'top-left' | 'bottom-right', cls: number): Promise<NetState> {
  const net = buildNet({ arch: 'conv-2', seed: 0, inputShape: [32, 32, 3], numClasses: 10 });
  const state = await captureState(net);
  net.dispose();
  for (const l of state.layers) {
    l.weight.fill(0);
    l.bias.fill(0);
  }
  const [c1, c2, f1, f2, f3] = state.layers as [NetState['layers'][number], NetState['layers'][number], NetState['layers'][number], NetState['layers'][number], NetState['layers'][number]];
  // conv [kh, kw, in, out]: the centre tap (1, 1).
  const tap = (inC: number, outC: number, cin: number, cout: number): number => ((1 * 3 + 1) * cin + inC) * cout + outC;
  c1.weight[tap(0, 0, 3, 64)] = 1;
  c1.weight[tap(2, 1, 3, 64)] = 1;
  c2.weight[tap(0, 0, 64, 64)] = 1;
  c2.weight[tap(1, 1, 64, 64)] = 1;
  const off = quadrant === 'top-left' ? 0 : 8;
  for (let y = off; y < off + 8; y++) for (let x = off; x < off + 8; x++) f1.weight[((y * 16 + x) * 64 + channel) * 256 + 0] = 1 / 64;
  f2.weight[0 * 256 + 0] = 1;
  f3.weight[0 * 10 + cls] = 1;
  for (const l of state.layers) for (let i = 0; i < l.mask.length; i++) l.mask[i] = l.weight[i] !== 0 ? 1 : 0;
  return state;
}

/**
 * A small CIFAR-shaped data set (no normalisation): class-0 images carry a red patch in the top-left quadrant and a
 * blue patch in the bottom-right one, of varying intensity, on black; the others are noise of varying amplitude.
 */
function patchData(n: number): Dataset {
  const features = 32 * 32 * 3;
  const x = new Float32Array(n * features);
  const y = new Uint8Array(n);
  let s = 12345;
  const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3 === 0 ? 0 : 1 + (i % 9);
    const off = i * features;
    if (y[i] !== 0) {
      const amp = 1.2 * rand();
      for (let k = 0; k < features; k++) x[off + k] = amp * rand();
    } else {
      const a = 0.5 + rand();
      for (let r = 0; r < 32; r++) {
        for (let c = 0; c < 32; c++) {
          if (r >= 2 && r < 10 && c >= 3 && c < 11) x[off + (r * 32 + c) * 3 + 0] = a;
          if (r >= 20 && r < 28 && c >= 21 && c < 29) x[off + (r * 32 + c) * 3 + 2] = a;
        }
      }
    }
  }
  const split = { x, y, n };
  return {
    name: 'patches',
    inputShape: [32, 32, 3],
    features,
    numClasses: 10,
    train: split,
    validation: split,
    test: split,
    normalisation: { mean: 0, std: 1 },
  };
}

/** Fraction of a [32, 32] map's mass in rows/cols [r0, r0 + 16) x [c0, c0 + 16). */
function quadrantShare(map: number[], side: number, r0: number, c0: number): number {
  let inside = 0;
  let total = 0;
  const half = side / 2;
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const v = map[r * side + c]!;
      total += v;
      if (r >= r0 && r < r0 + half && c >= c0 && c < c0 + half) inside += v;
    }
  }
  return total > 0 ? inside / total : 0;
}

describe('activation maps and Grad-CAM', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(async () => {
    await selectBackend('wasm');
  });

  it('Grad-CAM follows the channel and quadrant the class logit reads', async () => {
    const data = patchData(60);
    const cls = 0;
    const red = { info: info('red', 'conv-2'), state: await handConv2(0, 'top-left', cls) };
    const blue = { info: info('blue', 'conv-2'), state: await handConv2(1, 'bottom-right', cls) };
    const res = await runActivations([red, blue], ctxOf(data, cls), { layer: 'conv2', unit: 0, images: 8, top: 5, split: 'test' });
    const [r, b] = res.states as [(typeof res.states)[number], (typeof res.states)[number]];
    for (const s of [r, b]) {
      expect(s.gradcam.method).toBe('grad-cam');
      expect(s.gradcam.layer).toBe('conv2');
      expect(s.gradcam.shape).toEqual([32, 32]);
      expect(s.gradcam.maps).toHaveLength(8);
      for (const m of s.gradcam.maps) expect(m).toHaveLength(32 * 32);
    }
    // Mass where the read channel's patch is: the red detector in the top-left, the blue one in the bottom-right.
    expect(quadrantShare(r.gradcam.mean, 32, 0, 0)).toBeGreaterThan(0.99);
    for (const m of r.gradcam.maps) expect(quadrantShare(m, 32, 0, 0)).toBeGreaterThan(0.99);
    expect(quadrantShare(b.gradcam.mean, 32, 16, 16)).toBeGreaterThan(0.99);
    // Exact value: only channel 0 gets a gradient; each pooled value in the quadrant weighs 1/64 and routes to one
    // argmax in its 2x2 window, so α_0 = 64 · (1/64) / (32·32) = 1/1024 and cam = A_0 / 1024 (= the red pixel).
    const first = res.classImages[0]!;
    const px = (row: number, col: number): number => data.test.x[first * 3072 + (row * 32 + col) * 3]!;
    expect(r.gradcam.maps[0]![5 * 32 + 6]).toBeCloseTo(px(5, 6) / 1024, 6);
    // Grad-CAM at conv1 (explicit layer) localises the same way.
    const at1 = await runActivations([red], ctxOf(data, cls), { layer: 'conv1', unit: 1, images: 4, top: 3, split: 'test', gradcamLayer: 'conv1' });
    expect(at1.states[0]!.gradcam.layer).toBe('conv1');
    expect(quadrantShare(at1.states[0]!.gradcam.mean, 32, 0, 0)).toBeGreaterThan(0.99);
  });

  it('returns unit maps, the split-wide top-k and the class mean map', async () => {
    const data = patchData(90);
    const cls = 0;
    const red = { info: info('red', 'conv-2'), state: await handConv2(0, 'top-left', cls) };
    const res = await runActivations([red], ctxOf(data, cls), { layer: 'conv1', unit: 0, images: 6, top: 7, split: 'test' });
    expect(res.mapShape).toEqual([32, 32]);
    expect(res.imageShape).toEqual([32, 32, 3]);
    expect(res.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(res.classImages).toEqual([0, 3, 6, 9, 12, 15]);
    const s = res.states[0]!;
    // conv1 channel 0 is ReLU(red channel): its map is the red plane, its pooled activation the red maximum.
    const red0 = (i: number): number[] => Array.from({ length: 1024 }, (_, p) => Math.max(0, data.test.x[i * 3072 + p * 3]!));
    const pooled = Array.from({ length: data.test.n }, (_, i) => Math.max(...red0(i)));
    s.classImages.forEach((u, k) => {
      expect(u.index).toBe(res.classImages[k]);
      expect(u.map).toHaveLength(1024);
      expect(u.activation).toBeCloseTo(pooled[u.index]!, 5);
      u.map.forEach((v, p) => expect(v).toBeCloseTo(red0(u.index)[p]!, 5));
    });
    const order = pooled.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i);
    expect(s.top.map((t) => t.index)).toEqual(order.slice(0, 7).map((o) => o.i));
    for (let k = 1; k < s.top.length; k++) expect(s.top[k - 1]!.activation).toBeGreaterThanOrEqual(s.top[k]!.activation);
    const classIdx = pooled.map((_, i) => i).filter((i) => data.test.y[i] === 0);
    const mean = Array.from({ length: 1024 }, (_, p) => classIdx.reduce((a, i) => a + red0(i)[p]!, 0) / classIdx.length);
    expect(s.meanMap).toHaveLength(1024);
    s.meanMap.forEach((v, p) => expect(v).toBeCloseTo(mean[p]!, 5));
    const others = pooled.filter((_, i) => data.test.y[i] !== 0);
    expect(s.meanClass).toBeCloseTo(classIdx.reduce((a, i) => a + pooled[i]!, 0) / classIdx.length, 5);
    expect(s.meanOther).toBeCloseTo(others.reduce((a, b) => a + b, 0) / others.length, 5);
    // Every referenced image is there, once.
    const refs = new Set([...res.classImages, ...s.top.map((t) => t.index)]);
    expect(res.images.map((im) => im.index)).toEqual([...refs].sort((a, b) => a - b));
  });

  it('streams a synthetic-cifar split: shapes, ordering, image bytes, and clear errors', async () => {
    const data = loadDataset({ dataset: 'synthetic-cifar', ...SYN });
    const st = await randomState('conv-2', data, 1);
    const ctx = ctxOf(data, 5);
    const t0 = performance.now();
    const res = await runActivations([st], ctx, { layer: 'conv2', unit: 3, images: 16, top: 16, split: 'test' });
    const ms = performance.now() - t0;
    console.log(`conv-2 activations on ${data.test.n} test images: ${ms.toFixed(0)} ms`);
    expect(res.class).toEqual({ index: 5, name: 'dog' });
    expect(res.classNames[5]).toBe('dog');
    expect(res.mapShape).toEqual([32, 32]);
    const s = res.states[0]!;
    expect(s.top).toHaveLength(16);
    for (let k = 1; k < 16; k++) expect(s.top[k - 1]!.activation).toBeGreaterThanOrEqual(s.top[k]!.activation);
    expect(s.gradcam.shape).toEqual([32, 32]);
    expect(s.gradcam.maps).toHaveLength(res.classImages.length);
    for (const i of res.classImages) expect(data.test.y[i]).toBe(5);
    // The top-k matches a direct computation over the whole split.
    const net = await netFromState(st.state, data);
    const direct = tf.tidy(() => {
      const out = net.forwardTrace(tf.tensor2d(data.test.x, [data.test.n, data.features]))[1] as tf.Tensor4D;
      return tf.max(tf.slice(out, [0, 0, 0, 3], [-1, -1, -1, 1]), [1, 2, 3]).dataSync();
    });
    net.dispose();
    const order = Array.from(direct, (v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i);
    s.top.forEach((t, k) => expect(t.activation).toBeCloseTo(order[k]!.v, 4));
    // Pixels: the generated bytes come back (pixels in [0, 1] before normalisation).
    const raw = generateSyntheticCifar(SYN.synthetic).test;
    for (const im of res.images.slice(0, 5)) {
      const bytes = Buffer.from(im.pixels, 'base64');
      expect(bytes.length).toBe(3072);
      expect(im.label).toBe(data.test.y[im.index]);
      let worst = 0;
      for (let k = 0; k < 3072; k++) worst = Math.max(worst, Math.abs(bytes[k]! - Math.round(raw.x[im.index * 3072 + k]! * 255)));
      expect(worst).toBeLessThanOrEqual(1);
    }
    expect(imageBytes(data, data.test, 0)).toHaveLength(3072);
    await expect(runActivations([st], ctx, { layer: 'conv9', unit: 0, images: 2, top: 2, split: 'test' })).rejects.toThrow(
      'layer conv9 does not exist in conv-2 (layers: conv1, conv2, fc1, fc2, fc3)',
    );
    await expect(runActivations([st], ctx, { layer: 'conv1', unit: 70, images: 2, top: 2, split: 'test' })).rejects.toThrow(
      'unit 70 out of range: conv1 has 64 channels',
    );
    await expect(runActivations([st], ctx, { layer: 'conv1', unit: 0, images: 2, top: 2, split: 'test', gradcamLayer: 'fc2' })).rejects.toThrow(
      'not a conv layer',
    );
    // A dense unit: no maps, the value itself.
    const dense = await runActivations([st], ctx, { layer: 'fc2', unit: 7, images: 3, top: 4, split: 'validation' });
    expect(dense.mapShape).toBeNull();
    expect(dense.states[0]!.meanMap).toEqual([]);
    for (const u of [...dense.states[0]!.classImages, ...dense.states[0]!.top]) expect(u.map).toEqual([]);
  });

  it('uses input × gradient for lenet-300-100, matching an independent gradient', async () => {
    const data = loadDataset({ dataset: 'synthetic-mnist', ...SYN });
    const st = await randomState('lenet-300-100', data, 2);
    // Prune a random half of fc1 so the first layer's mask matters.
    const m = st.state.layers[0]!.mask;
    for (let i = 0; i < m.length; i++) {
      if ((i * 2654435761) % 7 < 3) {
        m[i] = 0;
        st.state.layers[0]!.weight[i] = 0;
      }
    }
    const cls = 3;
    const res = await runActivations([st], ctxOf(data, cls), { layer: 'fc1', unit: 10, images: 5, top: 4, split: 'test' });
    const g = res.states[0]!.gradcam;
    expect(g.method).toBe('input-x-gradient');
    expect(g.layer).toBe('input');
    expect(g.shape).toEqual([28, 28]);
    expect(g.maps).toHaveLength(5);
    expect(res.mapShape).toBeNull();
    // Independent: the whole forward with plain tfjs ops, differentiated with respect to the input.
    const L = st.state.layers;
    const expected = tf.tidy(() => {
      const x = tf.tensor2d(
        res.classImages.flatMap((i) => Array.from(data.test.x.subarray(i * 784, (i + 1) * 784))),
        [res.classImages.length, 784],
      );
      const W = L.map((l) => tf.tensor2d(l.weight, l.shape as [number, number]));
      const B = L.map((l) => tf.tensor1d(l.bias));
      const f = (xi: tf.Tensor): tf.Scalar => {
        let h = tf.relu(tf.add(tf.matMul(xi as tf.Tensor2D, W[0]!), B[0]!));
        h = tf.relu(tf.add(tf.matMul(h, W[1]!), B[1]!));
        const logits = tf.add(tf.matMul(h, W[2]!), B[2]!);
        return tf.sum(tf.slice(logits, [0, cls], [-1, 1]));
      };
      return tf.abs(tf.mul(x, tf.grad(f)(x))).arraySync() as number[][];
    });
    g.maps.forEach((map, i) => map.forEach((v, p) => expect(v).toBeCloseTo(expected[i]![p]!, 4)));
    // Known answer: a net whose class logit reads one pixel only.
    const net = await netFromState(st.state, data);
    tf.tidy(() => {
      const w1 = new Float32Array(784 * 300);
      w1[400 * 300 + 0] = 1;
      net.layers[0]!.weight.assign(tf.tensor2d(w1, [784, 300]));
      net.layers[0]!.bias.assign(tf.fill([300], 10));
    });
    const ones = tf.ones([784, 300]);
    await net.layers[0]!.setMask(ones);
    ones.dispose();
    const one = await gradcam(net, data.test.x.subarray(0, 784 * 2), 2, cls, null);
    net.dispose();
    one.maps.forEach((map) => map.forEach((v, p) => (p === 400 ? undefined : expect(v).toBe(0))));
  });

  it('gives the same Grad-CAM on wasm and cpu (pooling windows that are all zero included)', async () => {
    const data = loadDataset({ dataset: 'synthetic-cifar', ...SYN });
    const st = await randomState('conv-2', data, 4);
    const x = data.test.x.subarray(0, 4 * 3072);
    const onBackend = async (name: 'wasm' | 'cpu'): Promise<number[][]> => {
      await selectBackend(name);
      const net = await netFromState(st.state, data);
      try {
        return (await gradcam(net, x, 4, 5, 1)).maps;
      } finally {
        net.dispose();
      }
    };
    const wasm = await onBackend('wasm');
    const cpu = await onBackend('cpu');
    await selectBackend('wasm');
    const peak = Math.max(...cpu.flat());
    expect(peak).toBeGreaterThan(0);
    wasm.forEach((m, i) => m.forEach((v, p) => expect(Math.abs(v - cpu[i]![p]!)).toBeLessThan(1e-4 * peak)));
  });
});

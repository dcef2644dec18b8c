import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/shared/config';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import { SYNTHETIC_CIFAR_CLASS_NAMES, generateSyntheticCifarSplit } from '../../src/main/engine/data/synthetic';
import { engine } from '../../src/main/engine/index';
import { createConvNet, convChannels } from '../../src/main/engine/nets/conv';
import { buildNet } from '../../src/main/engine/nets/factory';
import { initWeights } from '../../src/main/engine/init';
import { Rng, streamRng } from '../../src/main/engine/rng';

const sameBytes = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('conv nets', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(async () => {
    await selectBackend('wasm');
  });

  it('have the layers, shapes and weight counts of Frankle & Carbin (2019)', () => {
    // Weights only (biases are not prunable and not counted). F&C's Table 1: Conv-2 4.3M, Conv-4 2.4M, Conv-6 1.7M;
    // the Conv-6 it describes (3x3 convs 64,64,128,128,256,256, three pools, FC 256, 256, 10) counts 2,261,184.
    const expected = { 'conv-2': 4_300_992, 'conv-4': 2_425_024, 'conv-6': 2_261_184, 'conv-8': 5_275_840 } as const;
    for (const arch of ['conv-2', 'conv-4', 'conv-6', 'conv-8'] as const) {
      const depth = Number(arch.split('-')[1]);
      const net = createConvNet(arch, 0);
      expect(net.arch).toBe(arch);
      expect(net.inputShape).toEqual([32, 32, 3]);
      const names = net.layers.map((l) => l.name);
      expect(names).toEqual([...Array.from({ length: depth }, (_, i) => `conv${i + 1}`), 'fc1', 'fc2', 'fc3']);
      const ch = convChannels(depth);
      net.layers.slice(0, depth).forEach((l, i) => {
        expect(l.kind).toBe('conv');
        expect(l.shape).toEqual([3, 3, i === 0 ? 3 : ch[i - 1]!, ch[i]!]);
        expect(l.weight.shape).toEqual(l.shape);
        expect(l.bias.shape).toEqual([ch[i]!]);
        expect(l.mask.shape).toEqual(l.shape);
      });
      const side = 32 / 2 ** (depth / 2);
      expect(net.layers.slice(depth).map((l) => l.shape)).toEqual([
        [side * side * ch[depth - 1]!, 256],
        [256, 256],
        [256, 10],
      ]);
      expect(net.layers.reduce((a, l) => a + l.size, 0)).toBe(expected[arch]);
      expect(net.density()).toBe(1);
      const out = tf.tidy(() => net.forward(tf.zeros([2, 3072])).shape);
      expect(out).toEqual([2, 10]);
      net.dispose();
    }
    // MNIST-shaped inputs: odd feature maps are floored by the pools, like PyTorch's MaxPool2d(2).
    const m = buildNet({ arch: 'conv-6', seed: 0, inputShape: [28, 28, 1], numClasses: 10 });
    expect(m.layers[0]!.shape).toEqual([3, 3, 1, 64]);
    expect(m.layers[6]!.shape).toEqual([3 * 3 * 256, 256]);
    expect(tf.tidy(() => m.forward(tf.zeros([1, 784])).shape)).toEqual([1, 10]);
    m.dispose();
    expect(() => createConvNet('conv-8', 0, 'glorot-normal', [8, 8, 3])).toThrow(/at least 16x16/);
  });

  it('draws bit-identical initial weights on cpu and wasm, from the per-layer init streams', async () => {
    const read = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
      await selectBackend(backend);
      const net = createConvNet('conv-4', 7);
      const out = net.layers.map((l) => l.weight.dataSync() as Float32Array);
      expect(net.layers.every((l) => l.bias.dataSync().every((v) => v === 0))).toBe(true);
      net.dispose();
      return out;
    };
    const cpu = await read('cpu');
    const wasm = await read('wasm');
    expect(cpu.length).toBe(7);
    cpu.forEach((w, i) => expect(sameBytes(w, wasm[i]!)).toBe(true));
    expect(sameBytes(cpu[1]!, initWeights('glorot-normal', [3, 3, 64, 64], streamRng(7, 'init/conv2')))).toBe(true);
    // Glorot for conv: fan_in = 3·3·in, fan_out = 3·3·out.
    const w = cpu[3]!;
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std / Math.sqrt(2 / (9 * 128 + 9 * 128))).toBeCloseTo(1, 1);
  });

  it('keeps every pruned weight exactly zero through Adam steps, and trains the kept ones', async () => {
    await selectBackend('wasm');
    const net = createConvNet('conv-4', 3, 'glorot-normal', [8, 8, 3], 4);
    const rng = new Rng(99);
    const masks: Float32Array[] = [];
    for (const l of net.layers) {
      const m = new Float32Array(l.size);
      const perm = rng.permutation(l.size);
      for (let i = 0; i < Math.round(0.2 * l.size); i++) m[perm[i]!] = 1;
      await l.setMask(m);
      masks.push(m);
    }
    expect(net.density()).toBeCloseTo(0.2, 3);
    const before = net.layers.map((l) => l.weight.dataSync().slice());
    const opt = tf.train.adam(0.01);
    const data = new Rng(5);
    for (let step = 0; step < 60; step++) {
      const x = tf.tensor2d(Float32Array.from({ length: 8 * 192 }, () => data.normal()), [8, 192]);
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: 8 }, () => data.int(0, 4)), 'int32'), 4).toFloat() as tf.Tensor2D;
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, false, net.variables());
      net.applyMasks();
      tf.dispose([x, y]);
    }
    opt.dispose();
    let movedAll = 0;
    let keptAll = 0;
    net.layers.forEach((l, li) => {
      const w = l.weight.dataSync();
      const m = masks[li]!;
      let moved = 0;
      let kept = 0;
      for (let i = 0; i < w.length; i++) {
        if (m[i] === 0) expect(Object.is(w[i], 0)).toBe(true);
        else {
          kept++;
          if (w[i] !== before[li]![i]) moved++;
        }
      }
      // Most kept weights moved (fewer in fc2/fc3: at 20% density some of their ReLU inputs never fire).
      expect(moved / kept, l.name).toBeGreaterThan(0.2);
      movedAll += moved;
      keptAll += kept;
    });
    expect(movedAll / keptAll).toBeGreaterThan(0.5);
    net.dispose();
  });

  it('synthetic-cifar is seeded, CIFAR-shaped, balanced and labelled as synthetic', () => {
    const a = generateSyntheticCifarSplit(50, 'train');
    const b = generateSyntheticCifarSplit(50, 'train');
    expect(sameBytes(a.x, b.x)).toBe(true);
    expect(a.x.length).toBe(50 * 32 * 32 * 3);
    expect(a.x.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect([...a.y].filter((c) => c === 5).length).toBe(5);
    const cfg = { dataset: 'synthetic-cifar' as const, validation: 100, synthetic: { train: 600, test: 200 } };
    const d = loadDataset(cfg);
    expect(d.name).toBe('synthetic-cifar');
    expect(d.inputShape).toEqual([32, 32, 3]);
    expect(d.features).toBe(3072);
    expect([d.train.n, d.validation.n, d.test.n]).toEqual([500, 100, 200]);
    expect(d.classNames).toEqual(SYNTHETIC_CIFAR_CLASS_NAMES);
    expect(d.classNames?.[5]).toBe('dog');
  });

  it('a short Conv-2 run on synthetic-cifar learns: above twice chance', async () => {
    const config = parseExperimentConfig({
      version: 1,
      name: 'conv-2 smoke',
      dataset: 'synthetic-cifar',
      arch: 'conv-2',
      optimizer: { name: 'adam', lr: 0.001 },
      batchSize: 8,
      iterations: 60,
      evalEvery: 30,
      validation: 100,
      seeds: [0],
      method: { kind: 'dense' },
      synthetic: { train: 1100, test: 300 },
    });
    const before = tf.memory().numTensors;
    const accs: number[] = [];
    const res = await engine.runDense(config, 0, {
      onMetrics: (p) => accs.push(p[p.length - 1]!.accuracy),
      onProgress: () => {},
      isCancelled: () => false,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(accs.length).toBe(2);
    // Twice chance (10 classes). 60 steps of batch 8 are a smoke test, not a benchmark: over seeds 0-3 the final
    // accuracy was 0.23-0.26 (seed 0: 0.233); with batch 16, twice the time, 0.25-0.60 over seeds 0-9.
    expect(res.round.finalTestAccuracy).toBeGreaterThan(0.2);
    expect(res.states.init.layers.map((l) => l.name)).toEqual(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
  });
});

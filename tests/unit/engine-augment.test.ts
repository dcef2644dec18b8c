// Data augmentation and dropout: planted images land where torchvision's RandomCrop(padding=p) and
// RandomHorizontalFlip put them; dropout keeps units at 1 - rate scaled by 1 / (1 - rate), never touches the data and
// acts on the documented layers' inputs; both are seeded, training-only, and leave the data set untouched.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig, type ExperimentConfig } from '../../src/shared/config';
import { augmentBatch, blackPixel } from '../../src/main/engine/augment';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import { dropoutNoise, dropoutRates } from '../../src/main/engine/dropout';
import { createConvNet } from '../../src/main/engine/nets/conv';
import { createLenet300100 } from '../../src/main/engine/nets/lenet';
import type { MaskedNet } from '../../src/main/engine/nets/masked';
import { Rng } from '../../src/main/engine/rng';
import { trainRound } from '../../src/main/engine/train';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** A generator that returns scripted crop offsets (int) and flip draws (uniform), in call order. */
function scripted(ints: number[], uniforms: number[]): Rng {
  return { int: () => ints.shift()!, uniform: () => uniforms.shift()! } as unknown as Rng;
}

const [H, W, C] = [4, 5, 2];
/** Pixel (y, x, c) of the planted image is 100y + 10x + c + 1; the fill is -7. */
const planted = (): Float32Array => Float32Array.from({ length: H * W * C }, (_, i) => {
  const c = i % C;
  const x = Math.floor(i / C) % W;
  const y = Math.floor(i / (C * W));
  return 100 * y + 10 * x + c + 1;
});
const at = (img: Float32Array, y: number, x: number, c: number) => img[(y * W + x) * C + c]!;
const FILL = Float32Array.of(-7, -7);

describe('augmentation', () => {
  it('crops a planted image at the drawn offset, padding with black', () => {
    const img = planted();
    // padding 2: offsets 0 .. 4; dy = 0, dx = 4: output (y, x) is source (y - 2, x + 2).
    augmentBatch(img, 1, [H, W, C], { randomCrop: 2 }, FILL, scripted([0, 4], []));
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < C; c++) {
          const sy = y - 2;
          const sx = x + 2;
          const want = sy >= 0 && sx < W ? 100 * sy + 10 * sx + c + 1 : -7;
          expect(at(img, y, x, c), `(${y}, ${x}, ${c})`).toBe(want);
        }
      }
    }
    // The centred offset (dy = dx = p) leaves the image as it is.
    const same = planted();
    augmentBatch(same, 1, [H, W, C], { randomCrop: 2 }, FILL, scripted([2, 2], []));
    expect(same).toEqual(planted());
  });

  it('mirrors left-right with probability 1/2, after the crop (torchvision: crop, then flip)', () => {
    const img = planted();
    augmentBatch(img, 1, [H, W, C], { horizontalFlip: true }, FILL, scripted([], [0.25]));
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) expect(at(img, y, x, 1)).toBe(100 * y + 10 * (W - 1 - x) + 2);
    const kept = planted();
    augmentBatch(kept, 1, [H, W, C], { horizontalFlip: true }, FILL, scripted([], [0.75]));
    expect(kept).toEqual(planted());
    // Crop (dy = 1, dx = 0 of padding 1: source (y, x - 1)) and then flip: output (y, x) = source (y, W - 2 - x).
    const both = planted();
    augmentBatch(both, 1, [H, W, C], { randomCrop: 1, horizontalFlip: true }, FILL, scripted([1, 0], [0.1]));
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const sx = W - 2 - x;
        expect(at(both, y, x, 0)).toBe(sx >= 0 ? 100 * y + 10 * sx + 1 : -7);
      }
    }
  });

  it('pads with the normalised value of a black pixel, per channel', () => {
    expect(Array.from(blackPixel({ mean: 0.5, std: 0.25 }, 1))).toEqual([-2]);
    const perChannel = blackPixel({ mean: 0.45, std: 0.25, perChannel: { mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.1] } }, 3);
    expect(Array.from(perChannel).map((v) => +v.toFixed(5))).toEqual([-2, -2, -3]);
  });

  it('draws offsets uniformly in 0 .. 2p on each axis and flips half the images, from the seeded generator', () => {
    const n = 1800;
    const [h, w] = [32, 32];
    // Each pixel holds its own position: y · 32 + x + 1 (0 would be the padding).
    const x = new Float32Array(n * h * w);
    for (let e = 0; e < n; e++) for (let i = 0; i < h * w; i++) x[e * h * w + i] = i + 1;
    augmentBatch(x, n, [h, w, 1], { randomCrop: 4, horizontalFlip: true }, Float32Array.of(0), new Rng(3));
    const dyCount = new Array(9).fill(0);
    const dxCount = new Array(9).fill(0);
    let flips = 0;
    for (let e = 0; e < n; e++) {
      const a = x[e * h * w + 16 * w + 16]! - 1;
      const b = x[e * h * w + 16 * w + 17]! - 1;
      const flip = b % w < a % w;
      flips += flip ? 1 : 0;
      // Output (16, 16) is source (16 + dy - 4, (flip ? 15 : 16) + dx - 4).
      dyCount[Math.floor(a / w) - 12]++;
      dxCount[(a % w) - (flip ? 15 : 16) + 4]++;
    }
    // 200 expected per bin; binomial sd about 13.3.
    for (const count of [...dyCount, ...dxCount]) expect(Math.abs(count - 200)).toBeLessThan(55);
    expect(Math.abs(flips / n - 0.5)).toBeLessThan(0.04);
  });
});

describe('dropout', () => {
  it('keeps each unit with probability 1 - rate, scaled by 1 / (1 - rate); a rate of 0 passes the input through', () => {
    const rate = 0.3;
    const noise = dropoutNoise([0, rate], new Rng(8));
    const h = tf.ones([400, 50]);
    const out = noise(h, 1);
    const v = out.dataSync();
    const scale = Math.fround(1 / (1 - rate));
    expect(v.every((x) => x === 0 || x === scale)).toBe(true);
    const dropped = v.filter((x) => x === 0).length / v.length;
    expect(Math.abs(dropped - rate)).toBeLessThan(0.01);
    expect(noise(h, 0)).toBe(h);
    tf.dispose([h, out]);
  });

  it('acts on the inputs of the documented layers, after pooling and flattening, never on the data', () => {
    const seen: [number, number[]][] = [];
    const record = (t: tf.Tensor, layer: number) => (seen.push([layer, t.shape]), t);
    const conv: MaskedNet = createConvNet('conv-2', 1);
    tf.tidy(() => conv.forward(tf.zeros([2, 32 * 32 * 3]) as tf.Tensor2D, record));
    expect(seen).toEqual([[1, [2, 32, 32, 64]], [2, [2, 16 * 16 * 64]], [3, [2, 256]], [4, [2, 256]]]);
    expect(dropoutRates({ fc: 0.5 }, conv.layers.map((l) => l.kind))).toEqual([0, 0, 0.5, 0.5, 0.5]);
    expect(dropoutRates({ conv: 0.2 }, conv.layers.map((l) => l.kind))).toEqual([0.2, 0.2, 0, 0, 0]);
    conv.dispose();
    seen.length = 0;
    const lenet = createLenet300100(1);
    tf.tidy(() => lenet.forward(tf.zeros([3, 784]) as tf.Tensor2D, record));
    expect(seen).toEqual([[1, [3, 300]], [2, [3, 100]]]);
    lenet.dispose();
  });
});

describe('training with augmentation and dropout', () => {
  const base = parseExperimentConfig({
    version: 1,
    name: 'regularised',
    dataset: 'synthetic-mnist',
    arch: 'lenet-300-100',
    optimizer: { name: 'adam', lr: 0.0012 },
    batchSize: 60,
    iterations: 20,
    evalEvery: 10,
    validation: 300,
    seeds: [0],
    method: { kind: 'dense' },
    synthetic: { train: 1500, test: 300 },
  });
  const quiet = { onMetrics: () => {}, onProgress: () => {}, isCancelled: () => false };
  const train = async (config: ExperimentConfig): Promise<{ w: Float32Array; loss: number }> => {
    const net = createLenet300100(2);
    const { evaluations } = await trainRound({ net, data: loadDataset(config), config, seed: 2, round: 0, callbacks: quiet });
    const w = Float32Array.from(net.layers[0]!.weight.dataSync());
    net.dispose();
    return { w, loss: evaluations[evaluations.length - 1]!.train.loss };
  };

  it.each([
    ['augmentation', { augmentation: { randomCrop: 2, horizontalFlip: true } }],
    ['dropout', { dropout: { fc: 0.5 } }],
  ])('%s: the same seed trains the same weights, unlike plain training, and the data set is left as it was', async (_name, extra) => {
    const data = loadDataset(base);
    const before = [data.train.x, data.validation.x, data.test.x].map((a) => Buffer.from(Float32Array.from(a).buffer));
    const cfg = { ...base, ...extra } as ExperimentConfig;
    const [a, b, plain] = [await train(cfg), await train(cfg), await train(base)];
    expect(Buffer.from(a.w.buffer).equals(Buffer.from(b.w.buffer))).toBe(true);
    expect(Buffer.from(a.w.buffer).equals(Buffer.from(plain.w.buffer))).toBe(false);
    // Only copies of the training batches are augmented.
    [data.train.x, data.validation.x, data.test.x].forEach((x, i) => expect(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(before[i]!)).toBe(true));
  });
});

// GraSP against PyTorch autograd in float64 (tests/helpers/grasp_reference.py, the authors' computation: autograd.grad
// with create_graph=True and z = g.detach() · grad): the same weights and batches are written to a temp folder, and
// the engine's exact Hessian-gradient product (float32, double backpropagation) must agree to a relative error of at
// most 1e-3, and its kept 10% (global, highest -w ⊙ Hg removed) must be at least 99% the authors' selection. LeNet-300-100
// and Conv-2 on the cpu and wasm backends, a pruned LeNet, and Conv-4/6/8 on wasm on 16x16 inputs. Needs a python with torch
// (tests/helpers/python.ts: TICKETSCOPE_PYTHON, TICKETSCOPE_REQUIRE_TORCH).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/shared/config';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import { createConvNet, type ConvArch } from '../../src/main/engine/nets/conv';
import { createLenet300100 } from '../../src/main/engine/nets/lenet';
import type { MaskedNet } from '../../src/main/engine/nets/masked';
import { DEFAULT_GRASP_TEMPERATURE, hessianGradientProduct, pruneAtInitMasks, scoringBatches } from '../../src/main/engine/pai';
import { Rng } from '../../src/main/engine/rng';
import { keepTop } from '../../src/main/engine/select';
import { findTorchPython, requireOrSkip } from '../helpers/python';

const SCRIPT = fileURLToPath(new URL('../helpers/grasp_reference.py', import.meta.url));
const torch = findTorchPython();
const haveTorch = requireOrSkip(torch, 'GraSP against PyTorch');
const T = DEFAULT_GRASP_TEMPERATURE;
const KEEP = 0.1;
const root = mkdtempSync(join(tmpdir(), 'ts-grasp-torch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Case {
  id: string;
  backends: ('cpu' | 'wasm')[];
  make(): MaskedNet;
  /** Scoring batches: images [n, features] and labels. */
  batches(net: MaskedNet): { x: Float32Array; labels: Int32Array }[];
  /** When set, every layer gets a random mask keeping this fraction (seeded; the same on every backend). */
  prune?: number;
  /** Also check pruneAtInitMasks end to end with these settings (the case's batches come from scoringBatches). */
  pipeline?: { config: ReturnType<typeof parseExperimentConfig>; size: number; count: number; seed: number };
}

function syntheticConfig(dataset: 'synthetic-mnist' | 'synthetic-cifar', arch: string) {
  return parseExperimentConfig({
    version: 1,
    name: 'grasp-torch',
    dataset,
    arch,
    optimizer: { name: 'adam', lr: 0.001 },
    batchSize: 32,
    iterations: 10,
    evalEvery: 10,
    validation: 50,
    seeds: [0],
    method: { kind: 'dense' },
    synthetic: { train: 300, test: 50 },
  });
}

/** Batches drawn exactly as pruneAtInitMasks draws them, read back to arrays. */
function pipelineBatches(config: ReturnType<typeof parseExperimentConfig>, size: number, count: number, seed: number) {
  const data = loadDataset(config);
  return scoringBatches(data, size, count, seed).map((b) => {
    const out = { x: Float32Array.from(b.x.dataSync()), labels: Int32Array.from(b.labels.dataSync()) };
    tf.dispose([b.x, b.y, b.labels]);
    return out;
  });
}

function randomBatches(net: MaskedNet, count: number, n: number, seed: number) {
  const rng = new Rng(seed);
  const features = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
  return Array.from({ length: count }, () => ({
    x: Float32Array.from({ length: n * features }, () => rng.normal(0, 1)),
    labels: Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * 10)),
  }));
}

const lenetConfig = syntheticConfig('synthetic-mnist', 'lenet-300-100');
const conv2Config = syntheticConfig('synthetic-cifar', 'conv-2');
const CASES: Case[] = [
  {
    id: 'lenet',
    backends: ['cpu', 'wasm'],
    make: () => createLenet300100(0),
    batches: () => pipelineBatches(lenetConfig, 32, 2, 0),
    pipeline: { config: lenetConfig, size: 32, count: 2, seed: 0 },
  },
  {
    // A pruned net (half of every layer's weights masked): the double backpropagation goes through w ⊙ m.
    id: 'lenet-masked',
    backends: ['wasm'],
    make: () => createLenet300100(3),
    prune: 0.5,
    batches: (net) => randomBatches(net, 1, 16, 5),
  },
  {
    id: 'conv-2',
    backends: ['wasm'],
    make: () => createConvNet('conv-2', 0, 'glorot-normal', [32, 32, 3], 10),
    batches: () => pipelineBatches(conv2Config, 4, 1, 0),
  },
  {
    id: 'conv-2-8x8',
    backends: ['cpu', 'wasm'],
    make: () => createConvNet('conv-2', 1, 'glorot-normal', [8, 8, 3], 10),
    batches: (net) => randomBatches(net, 1, 2, 7),
  },
  ...(['conv-4', 'conv-6', 'conv-8'] as ConvArch[]).map((arch, i) => ({
    id: arch,
    backends: ['wasm' as const],
    make: () => createConvNet(arch, 2 + i, 'glorot-normal', [16, 16, 3], 10),
    batches: (net: MaskedNet) => randomBatches(net, 1, 2, 11 + i),
  })),
];

const f32 = (a: ArrayLike<number>) => Buffer.from(Float32Array.from(a).buffer);

/** c.make(), with the case's random masks set (pruned weights zeroed). */
async function build(c: Case): Promise<{ net: MaskedNet; masks: Uint8Array[] | null }> {
  const net = c.make();
  if (c.prune === undefined) return { net, masks: null };
  const rng = new Rng(99);
  const masks = net.layers.map((l) => Uint8Array.from({ length: l.size }, () => (rng.uniform() < c.prune! ? 1 : 0)));
  for (const [i, l] of net.layers.entries()) await l.setMask(masks[i]!);
  return { net, masks };
}
const readF64 = (file: string) => {
  const b = readFileSync(file);
  return new Float64Array(b.buffer, b.byteOffset, b.length / 8);
};

function relError(ours: readonly ArrayLike<number>[], ref: readonly Float64Array[]): number {
  let num = 0;
  let den = 0;
  ref.forEach((r, l) => {
    const o = ours[l]!;
    for (let j = 0; j < r.length; j++) {
      num += (o[j]! - r[j]!) ** 2;
      den += r[j]! ** 2;
    }
  });
  return Math.sqrt(num / den);
}

/** The engine's GraSP selection from Hg: keep the lowest -w ⊙ Hg, i.e. the highest w ⊙ Hg (as pruneAtInitMasks). */
const graspMasks = (weights: Float32Array[], hg: Float32Array[]) => keepTop(weights.map((w, l) => Float32Array.from(w, (v, j) => v * hg[l]![j]!)), KEEP, 'global');

function agreement(ours: Uint8Array[], ref: Uint8Array[]): number {
  let both = 0;
  let kept = 0;
  ref.forEach((r, l) => {
    for (let j = 0; j < r.length; j++) {
      kept += r[j]!;
      both += r[j]! & ours[l]![j]!;
    }
  });
  return both / kept;
}

interface Reference {
  g: Float64Array[];
  hg: Float64Array[];
  masks: Uint8Array[];
  batches: { x: Float32Array; labels: Int32Array }[];
}
const refs = new Map<string, Reference>();

describe.runIf(haveTorch)('GraSP Hg against PyTorch autograd (float64)', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    const dirs: string[] = [];
    const pending: { c: Case; dir: string; layers: string[]; batches: Reference['batches'] }[] = [];
    for (const c of CASES) {
      const { net, masks } = await build(c);
      try {
        const batches = c.batches(net);
        const dir = join(root, c.id);
        mkdirSync(dir);
        for (const [i, l] of net.layers.entries()) {
          writeFileSync(join(dir, `${l.name}.weight`), f32(await l.weight.data()));
          writeFileSync(join(dir, `${l.name}.bias`), f32(await l.bias.data()));
          if (masks) writeFileSync(join(dir, `${l.name}.prune`), masks[i]!);
        }
        batches.forEach((b, i) => {
          writeFileSync(join(dir, `x${i}`), f32(b.x));
          writeFileSync(join(dir, `y${i}`), Buffer.from(Int32Array.from(b.labels).buffer));
        });
        const meta = {
          arch: net.layers[0]!.kind === 'conv' ? 'conv' : 'dense',
          input: net.inputShape,
          temperature: T,
          keep: KEEP,
          layers: net.layers.map((l) => ({ name: l.name, kind: l.kind, shape: l.shape, masked: masks !== null })),
          batches: batches.map((b) => ({ n: b.labels.length })),
        };
        writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
        dirs.push(dir);
        pending.push({ c, dir, layers: net.layers.map((l) => l.name), batches });
      } finally {
        net.dispose();
      }
    }
    const r = spawnSync(torch.python!, [SCRIPT, ...dirs], { encoding: 'utf8', timeout: 300_000 });
    if (r.error) throw r.error;
    expect(r.status, r.stderr).toBe(0);
    console.log(`grasp_reference.py: ${r.stdout.trim().split('\n').join('; ')}`);
    for (const { c, dir, layers, batches } of pending) {
      refs.set(c.id, {
        g: layers.map((n) => readF64(join(dir, `${n}.g`))),
        hg: layers.map((n) => readF64(join(dir, `${n}.hg`))),
        masks: layers.map((n) => new Uint8Array(readFileSync(join(dir, `${n}.mask`)))),
        batches,
      });
    }
  }, 600_000);

  for (const c of CASES) {
    for (const backend of c.backends) {
      it(`${c.id} on ${backend}: relative error of Hg ≤ 1e-3, kept 10% ≥ 99% the authors'`, async () => {
        await selectBackend(backend);
        const ref = refs.get(c.id)!;
        const { net } = await build(c);
        const batches = ref.batches.map((b) => {
          const n = b.labels.length;
          return tf.tidy(() => ({ x: tf.tensor2d(b.x, [n, b.x.length / n]), y: tf.oneHot(tf.tensor1d(b.labels, 'int32'), 10).toFloat() as tf.Tensor2D }));
        });
        try {
          const tensors = tf.memory().numTensors;
          const { g, hg } = await hessianGradientProduct(net, batches, T);
          expect(tf.memory().numTensors).toBe(tensors);
          const weights = await Promise.all(net.layers.map(async (l) => Float32Array.from(await l.weight.data())));
          const gErr = relError(g, ref.g);
          const hgErr = relError(hg, ref.hg);
          const layerErr = ref.hg.map((r, l) => relError([hg[l]!], [r]));
          const masks = graspMasks(weights, hg);
          const agree = agreement(masks, ref.masks);
          console.log(
            `${c.id} ${backend}: g rel. error ${gErr.toExponential(2)}, Hg rel. error ${hgErr.toExponential(2)} (per layer ${layerErr.map((e) => e.toExponential(1)).join(', ')}), kept 10% agreement ${(agree * 100).toFixed(3)}%`,
          );
          expect(gErr).toBeLessThan(1e-4);
          expect(hgErr).toBeLessThan(1e-3);
          expect(agree).toBeGreaterThanOrEqual(0.99);
          if (c.pipeline) {
            const { config, size, count, seed } = c.pipeline;
            const viaPipeline = await pruneAtInitMasks(net, loadDataset(config), config, seed, {
              criterion: 'grasp',
              density: KEEP,
              ranking: 'global',
              scoreBatches: count,
              scoreBatchSize: size,
              temperature: T,
            });
            expect(agreement(viaPipeline, ref.masks)).toBeGreaterThanOrEqual(0.99);
          }
        } finally {
          net.dispose();
          tf.dispose(batches.flatMap((b) => [b.x, b.y]));
        }
      }, 300_000);
    }
  }
});

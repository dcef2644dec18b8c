// Supermasks: the straight-through gradients reach the scores as the papers define them, the weights never change,
// and evaluation masks are fixed per evaluation.
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/main/engine/backend';
import { MaskedDense, netHelpers, stagedForward, type MaskedNet } from '../../src/main/engine/nets/masked';
import { Rng, streamRng } from '../../src/main/engine/rng';
import { Supermask, edgePopupKept, initialScores, uniforms, type SupermaskSpec } from '../../src/main/engine/supermask';
import { findTorchPython, requireOrSkip, runPython } from '../helpers/python';

const IN = 5;
const OUT = 4;
const ZHOU_GRAD = fileURLToPath(new URL('../reference/zhou_supermask_grad.py', import.meta.url));
const torch = findTorchPython('torch');

function oneLayer(seed: number, inSize = IN, outSize = OUT): MaskedNet<MaskedDense> {
  const layers = [new MaskedDense('fc1', inSize, outSize, 'signed-glorot-constant', new Rng(seed))];
  return { arch: 'tiny', inputShape: [1, 1, IN], layers, ...stagedForward([(x: tf.Tensor) => layers[0]!.apply(x as tf.Tensor2D, false)]), ...netHelpers(layers) };
}

const rng = new Rng(9);
const X = Float32Array.from({ length: 3 * IN }, () => rng.normal());
const R = Float32Array.from({ length: 3 * OUT }, () => rng.normal());
/** dL/dW_eff for L = Σ (x W_eff) ⊙ r: xᵀ r, [IN, OUT] row-major. */
const dLdW = Float32Array.from({ length: IN * OUT }, (_, k) => {
  const i = Math.floor(k / OUT);
  const o = k % OUT;
  let s = 0;
  for (let n = 0; n < 3; n++) s += X[n * IN + i]! * R[n * OUT + o]!;
  return s;
});

/** Gradient of L with respect to the scores, through the net's forward pass (training mode). */
function scoreGrad(net: MaskedNet, sm: Supermask): { grad: Float32Array; loss: number } {
  return tf.tidy(() => {
    const x = tf.tensor2d(X, [3, IN]);
    const r = tf.tensor2d(R, [3, OUT]);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(net.forward(x), r)) as tf.Scalar, sm.scores);
    return { grad: Float32Array.from(grads[sm.scores[0]!.name]!.dataSync()), loss: value.dataSync()[0]! };
  });
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
let open: { net: MaskedNet; sm: Supermask } | null = null;

function make(spec: SupermaskSpec, seed = 1): { net: MaskedNet; sm: Supermask; w: Float32Array; s: Float32Array } {
  const net = oneLayer(seed);
  const sm = new Supermask(net, spec, seed);
  open = { net, sm };
  return { net, sm, w: Float32Array.from(net.layers[0]!.weight.dataSync()), s: Float32Array.from(sm.scores[0]!.dataSync()) };
}

beforeAll(async () => {
  await selectBackend('wasm');
});
afterEach(() => {
  open?.sm.dispose();
  open?.net.dispose();
  open = null;
});

describe('edge-popup', () => {
  const spec: SupermaskSpec = { algorithm: 'edge-popup', density: 0.5, dynamicWeightRescaling: false };

  it('scores start uniform in ±1/sqrt(fan_in); the mask keeps the top half of |score|', async () => {
    const s = initialScores(spec, [IN, OUT], new Rng(2));
    expect(Math.max(...Array.from(s, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(IN));
    // The authors' GetSubnet zeroes the lowest int((1 - k) n) and keeps the rest.
    expect([edgePopupKept(20, 0.5), edgePopupKept(1728, 0.3), edgePopupKept(1728, 0.7), edgePopupKept(10, 0.05)]).toEqual([10, 519, 1210, 1]);
    const { sm, s: scores } = make(spec);
    const [m] = await sm.initialMasks();
    expect(m!.reduce((a, b) => a + b, 0)).toBe(10);
    const abs = Array.from(scores, Math.abs);
    const minKept = Math.min(...abs.filter((_, j) => m![j]));
    const maxPruned = Math.max(...abs.filter((_, j) => !m![j]));
    expect(maxPruned).toBeLessThan(minKept);
  });

  it('the forward pass computes with w ⊙ m and the gradient reaches every score straight through: dL/ds = dL/dW ⊙ w ⊙ sign(s)', async () => {
    const { net, sm, w, s } = make(spec);
    const [m] = await sm.initialMasks();
    // Edge-popup ranks the scores before the step (they are read back asynchronously), and only for that one pass.
    expect(() => scoreGrad(net, sm)).toThrow(/call prepareStep\(\)/);
    await sm.prepareStep();
    const { grad, loss } = scoreGrad(net, sm);
    expect(() => scoreGrad(net, sm)).toThrow(/call prepareStep\(\)/);
    let expectedLoss = 0;
    for (let n = 0; n < 3; n++) {
      for (let o = 0; o < OUT; o++) {
        let z = 0;
        for (let i = 0; i < IN; i++) z += X[n * IN + i]! * w[i * OUT + o]! * m![i * OUT + o]!;
        expectedLoss += z * R[n * OUT + o]!;
      }
    }
    expect(loss).toBeCloseTo(expectedLoss, 4);
    grad.forEach((g, j) => expect(g).toBeCloseTo(dLdW[j]! * w[j]! * Math.sign(s[j]!), 4));
    // Pruned positions get a gradient too (that is how they come back), and the weights are untouched.
    expect(grad.filter((g, j) => !m![j] && g !== 0).length).toBeGreaterThan(0);
    expect(net.layers[0]!.weight.dataSync()).toEqual(w);
  });

  it('dynamic weight rescaling multiplies the masked weights (and the gradient) by n / kept', async () => {
    const { net, sm, w, s } = make({ ...spec, dynamicWeightRescaling: true });
    await sm.prepareStep();
    const { grad } = scoreGrad(net, sm);
    grad.forEach((g, j) => expect(g).toBeCloseTo(2 * dLdW[j]! * w[j]! * Math.sign(s[j]!), 4));
  });
});

describe('bernoulli', () => {
  it('dL/ds = dL/dW ⊙ w ⊙ sigmoid\'(s), whatever the sample', () => {
    const { net, sm, w } = make({ algorithm: 'bernoulli', dynamicWeightRescaling: false, scoreInit: 0.3 });
    const { grad } = scoreGrad(net, sm);
    const d = sigmoid(0.3) * (1 - sigmoid(0.3));
    grad.forEach((g, j) => expect(g).toBeCloseTo(dLdW[j]! * w[j]! * d, 4));
  });

  it('samples a new mask every training step, holds one sample through an evaluation, and rounds on request', async () => {
    const { net, sm } = make({ algorithm: 'bernoulli', dynamicWeightRescaling: false, scoreInit: 0 }, 3);
    const x = tf.tensor2d(X, [3, IN]);
    const out = () => tf.tidy(() => Array.from(net.forward(x).dataSync()));
    const a = out();
    const b = out();
    expect(a).not.toEqual(b);
    await sm.onEvaluate('begin');
    expect(out()).toEqual(out());
    const held = sm.lastEvalMasks![0]!;
    await sm.onEvaluate('end');
    await sm.onEvaluate('begin');
    expect(sm.lastEvalMasks![0]).not.toEqual(held);
    await sm.onEvaluate('end');
    x.dispose();

    const r = make({ algorithm: 'bernoulli', dynamicWeightRescaling: false, scoreInit: 0.5, evalMask: 'rounded' });
    expect(Array.from((await r.sm.initialMasks())[0]!)).toEqual(new Array(IN * OUT).fill(1));
  });

  it('leaves no tensors behind and uninstalls its transform', async () => {
    const before = tf.memory().numTensors;
    const net = oneLayer(4);
    const sm = new Supermask(net, { algorithm: 'bernoulli', dynamicWeightRescaling: true }, 4);
    scoreGrad(net, sm);
    await sm.onEvaluate('begin');
    sm.dispose();
    expect(net.layers[0]!.weightTransform).toBeNull();
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('bernoulli against PyTorch autograd (Zhou et al.\'s effective mask and rescaling)', () => {
  const [I, O, N] = [9, 6, 4];
  const r2 = new Rng(21);
  const X2 = Array.from({ length: N * I }, () => r2.normal());
  const R2 = Array.from({ length: N * O }, () => r2.normal());
  const S2 = Float32Array.from({ length: I * O }, () => r2.normal(0, 1.5));

  it.runIf(requireOrSkip(torch, 'engine-supermask'))
    .each([
      { rescale: true, round: false },
      { rescale: true, round: true },
      { rescale: false, round: true },
    ])('rescale $rescale, roundMask $round: the loss and dL/ds match autograd through their TF formulation', ({ rescale, round }) => {
      const seed = 5;
      const net = oneLayer(seed, I, O);
      const sm = new Supermask(net, { algorithm: 'bernoulli', dynamicWeightRescaling: rescale, roundMask: round }, seed);
      open = { net, sm };
      sm.scores[0]!.assign(tf.tensor(S2, [I, O]));
      // The first training pass draws these uniforms (the stream the Supermask trains from).
      const u = uniforms(streamRng(seed, 'supermask/train-samples'), I * O);
      const w = Array.from(net.layers[0]!.weight.dataSync());
      const { grad, loss } = tf.tidy(() => {
        const x = tf.tensor2d(X2, [N, I]);
        const r = tf.tensor2d(R2, [N, O]);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(net.forward(x), r)) as tf.Scalar, sm.scores);
        return { grad: Array.from(grads[sm.scores[0]!.name]!.dataSync()), loss: value.dataSync()[0]! };
      });
      const ref = runPython<{ loss: number; grad: number[] }>(torch, ZHOU_GRAD, {
        w, s: Array.from(S2), u: Array.from(u), x: X2, r: R2, IN: I, OUT: O, N, rescale, round,
      });
      const scale = Math.max(...ref.grad.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      expect(Math.abs(loss - ref.loss) / Math.max(1, Math.abs(ref.loss))).toBeLessThan(1e-4);
      grad.forEach((g, j) => expect(Math.abs(g - ref.grad[j]!) / scale, `score ${j}`).toBeLessThan(1e-4));
      if (rescale) {
        // The rescaling's own gradient matters: the same reference with the scale held constant (what this engine
        // did before) is far off.
        const constant = runPython<{ grad: number[] }>(torch, ZHOU_GRAD, {
          w, s: Array.from(S2), u: Array.from(u), x: X2, r: R2, IN: I, OUT: O, N, rescale, round, constantScale: true,
        });
        expect(Math.max(...grad.map((g, j) => Math.abs(g - constant.grad[j]!))) / scale).toBeGreaterThan(0.01);
      }
    });
});

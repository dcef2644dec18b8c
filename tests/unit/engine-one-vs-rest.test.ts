// The one-vs-rest loss (src/main/engine/one-vs-rest.ts): against its formula in float64, against PyTorch's
// BCEWithLogitsLoss(pos_weight), its gradient against the closed form, stability at large logits, the balanced weight.
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/main/engine/backend';
import { balancedPositiveWeight, oneVsRestHits, oneVsRestLoss, positiveWeightOf } from '../../src/main/engine/one-vs-rest';
import { Rng } from '../../src/main/engine/rng';
import { findTorchPython, requireOrSkip } from '../helpers/python';

const torch = findTorchPython();
const haveTorch = requireOrSkip(torch, 'one-vs-rest loss against PyTorch');

const rng = new Rng(5);
const N = 40;
const C = 10;
const CLS = 5;
const logits = Float32Array.from({ length: N * C }, () => rng.normal(0, 3));
const labels = Int32Array.from({ length: N }, (_, i) => (i % 4 === 0 ? CLS : rng.int(0, C)));

const softplus = (x: number): number => Math.log(1 + Math.exp(x));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function loss(pw: number, l = logits): number {
  return tf.tidy(() => oneVsRestLoss(tf.tensor2d(l, [N, C]), tf.tensor1d(labels, 'int32'), CLS, pw).dataSync()[0]!);
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('one-vs-rest loss', () => {
  it('is the weighted binary cross-entropy of the class logit', () => {
    for (const pw of [1, 3, 9]) {
      let want = 0;
      for (let i = 0; i < N; i++) {
        const z = logits[i * C + CLS]!;
        want += labels[i] === CLS ? pw * softplus(-z) : softplus(z);
      }
      expect(loss(pw)).toBeCloseTo(want / N, 5);
    }
  });

  it('stays finite for large logits, where the naive formula overflows', () => {
    const big = Float32Array.from(logits, (v, i) => (i % C === CLS ? (i % 2 ? 200 : -200) : v));
    const l = loss(9, big);
    expect(Number.isFinite(l)).toBe(true);
    let want = 0;
    for (let i = 0; i < N; i++) {
      const z = big[i * C + CLS]!;
      const t = labels[i] === CLS;
      // softplus(x) = x for x ≫ 0 and 0 for x ≪ 0.
      want += t ? 9 * Math.max(0, -z) : Math.max(0, z);
    }
    expect(l).toBeCloseTo(want / N, 3);
  });

  it('has the closed-form gradient: only the class logit, (1 − t)σ(z) − w₊ t (1 − σ(z)), over n', () => {
    const pw = 4;
    const g = tf.tidy(() => tf.grad((l: tf.Tensor) => oneVsRestLoss(l as tf.Tensor2D, tf.tensor1d(labels, 'int32'), CLS, pw))(tf.tensor2d(logits, [N, C])).dataSync());
    for (let i = 0; i < N; i++)
      for (let j = 0; j < C; j++) {
        const z = logits[i * C + j]!;
        const t = labels[i] === CLS ? 1 : 0;
        const want = j === CLS ? ((1 - t) * sigmoid(z) - pw * t * (1 - sigmoid(z))) / N : 0;
        expect(g[i * C + j]).toBeCloseTo(want, 6);
      }
  });

  it.runIf(haveTorch)("is PyTorch's BCEWithLogitsLoss(pos_weight) on the class's column", () => {
    const script = [
      'import json, sys, torch',
      'd = json.load(sys.stdin)',
      'z = torch.tensor(d["logits"], dtype=torch.float64).reshape(-1, d["C"])[:, d["cls"]]',
      't = (torch.tensor(d["labels"]) == d["cls"]).double()',
      'out = [torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pw, dtype=torch.float64))(z, t).item() for pw in d["pws"]]',
      'print(json.dumps(out))',
    ].join('\n');
    const pws = [1, 2.5, 9];
    const r = spawnSync(torch.python!, ['-c', script], { input: JSON.stringify({ logits: [...logits], labels: [...labels], C, cls: CLS, pws }), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const want = JSON.parse(r.stdout) as number[];
    pws.forEach((pw, k) => expect(loss(pw)).toBeCloseTo(want[k]!, 5));
  });

  it('weighs positives by (N − N_c) / N_c when balanced, and counts decisions z > 0', () => {
    expect(balancedPositiveWeight([5, 1, 5, 2, 3, 4, 0, 9], 5)).toBe(3);
    expect(positiveWeightOf({ kind: 'one-vs-rest', class: 5 }, Uint8Array.from([5, 1, 2, 3, 4]))).toBe(4);
    expect(positiveWeightOf({ kind: 'one-vs-rest', class: 5, positiveWeight: 1 }, Uint8Array.from([5, 1]))).toBe(1);
    expect(() => balancedPositiveWeight([1, 2, 3], 5)).toThrow(/no example of class 5/);
    const hits = tf.tidy(() => oneVsRestHits(tf.tensor2d(logits, [N, C]), tf.tensor1d(labels, 'int32'), CLS).dataSync()[0]);
    let want = 0;
    for (let i = 0; i < N; i++) want += +(logits[i * C + CLS]! > 0 === (labels[i] === CLS));
    expect(hits).toBe(want);
  });
});

// Feature visualisation (src/main/engine/analysis/visualize.ts): the inverse real 2-D DFT against planted single
// frequencies and numpy, lucid's spectrum scale against its formula in numpy, the transforms as resamplings, and the
// planted case of the issue: a linear unit whose weights are a pattern is visualised as that pattern.
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/main/engine/backend';
import { netFromState } from '../../src/main/engine/analysis/net';
import { halfWidth, irfft2, irfft2Matrices, spectrumScale, transformMatrix, visualizeUnit } from '../../src/main/engine/analysis/visualize';
import { buildNet } from '../../src/main/engine/nets/factory';
import { Rng } from '../../src/main/engine/rng';
import { captureState } from '../../src/main/engine/state';
import { findTorchPython, requireOrSkip } from '../helpers/python';
import { randomNet } from './causal-fixtures';

const numpy = findTorchPython();
const haveNumpy = requireOrSkip(numpy, 'irfft2 against numpy');

beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(() => {
  tf.disposeVariables();
});

/** irfft2 of half spectra re, im [c, h, wf] through the engine's matrices. */
function engineIrfft2(re: Float32Array, im: Float32Array, c: number, h: number, w: number): Float32Array {
  const wf = halfWidth(w);
  const m = irfft2Matrices(h, w);
  return tf.tidy(() =>
    irfft2(tf.tensor3d(re, [c, h, wf]), tf.tensor3d(im, [c, h, wf]), {
      cy: tf.tensor2d(m.cy, [h, h]),
      sy: tf.tensor2d(m.sy, [h, h]),
      cx: tf.tensor2d(m.cx, [wf, w]),
      sx: tf.tensor2d(m.sx, [wf, w]),
    }, w).dataSync() as Float32Array,
  );
}

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
};

describe('feature visualisation', () => {
  it('inverts a single planted frequency to its cosine (even and odd widths, DC and Nyquist columns)', () => {
    for (const [h, w] of [
      [6, 8],
      [5, 7],
    ] as const) {
      const wf = halfWidth(w);
      const W = 2 * (wf - 1);
      for (const [ky, kx] of [
        [0, 0],
        [1, 2],
        [h - 1, 1],
        [2, wf - 1],
      ] as const) {
        const re = new Float32Array(h * wf);
        const im = new Float32Array(h * wf);
        re[ky * wf + kx] = 0.7;
        im[ky * wf + kx] = -0.4;
        const got = engineIrfft2(re, im, 1, h, w);
        const c = kx === 0 || kx === wf - 1 ? 1 : 2;
        for (let n = 0; n < h; n++)
          for (let m = 0; m < w; m++) {
            const a = 2 * Math.PI * (ky * n / h + kx * m / W);
            // Re(X · e^{ia}) · c / (h·W'): along x the DC and Nyquist terms are real on the grid, so irfft dropping
            // their imaginary part changes nothing.
            const want = (c / (h * W)) * (0.7 * Math.cos(a) + 0.4 * Math.sin(a));
            expect(got[n * w + m]).toBeCloseTo(want, 5);
          }
      }
    }
  });

  it.runIf(haveNumpy)("agrees with numpy's irfft2 and lucid's spectrum scale", () => {
    const cases = [
      [8, 8, 3],
      [7, 9, 1],
      [28, 28, 1],
    ] as const;
    for (const [h, w, c] of cases) {
      const wf = halfWidth(w);
      const rng = new Rng(h * 100 + w);
      const re = Float32Array.from({ length: c * h * wf }, () => rng.normal());
      const im = Float32Array.from({ length: c * h * wf }, () => rng.normal());
      const script = [
        'import json, sys, numpy as np',
        'd = json.load(sys.stdin); h, w, c, wf = d["h"], d["w"], d["c"], d["wf"]',
        'X = np.array(d["re"]).reshape(c, h, wf) + 1j * np.array(d["im"]).reshape(c, h, wf)',
        'img = np.fft.irfft2(X)[:, :h, :w]',
        'fy = np.fft.fftfreq(h)[:, None]',
        'fx = np.fft.fftfreq(w)[: w // 2 + 2] if w % 2 == 1 else np.fft.fftfreq(w)[: w // 2 + 1]',
        'freqs = np.sqrt(fx * fx + fy * fy)',
        'scale = 1.0 / np.maximum(freqs, 1.0 / max(w, h)) ** 1 * np.sqrt(w * h)',
        'print(json.dumps({"img": img.ravel().tolist(), "scale": scale.ravel().tolist()}))',
      ].join('\n');
      const r = spawnSync(numpy.python!, ['-c', script], { input: JSON.stringify({ h, w, c, wf, re: [...re], im: [...im] }), encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(r.status, r.stderr).toBe(0);
      const want = JSON.parse(r.stdout) as { img: number[]; scale: number[] };
      const got = engineIrfft2(re, im, c, h, w);
      for (let i = 0; i < want.img.length; i++) expect(got[i]).toBeCloseTo(want.img[i]!, 4);
      const scale = spectrumScale(h, w);
      for (let i = 0; i < want.scale.length; i++) expect(scale[i]! / want.scale[i]!).toBeCloseTo(1, 5);
    }
  });

  it('transforms are resamplings: the weights of every output pixel (inside and outside the image) sum to 1', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 20; t++) {
      const { m, outside } = transformMatrix(7, 9, rng);
      for (let p = 0; p < 63; p++) {
        let s = outside[p]!;
        for (let q = 0; q < 63; q++) {
          expect(m[p * 63 + q]).toBeGreaterThanOrEqual(0);
          s += m[p * 63 + q]!;
        }
        expect(s).toBeCloseTo(1, 5);
      }
    }
  });

  it('visualises a planted linear unit as its weight pattern (up to scale), and reproducibly from the seed', async () => {
    // fc1 unit 0 of a LeNet on 28x28 gray images reads a two-valued pattern: +1 on a "Γ", -1 elsewhere. On images whose
    // pixels lie in [0, 1] (the sigmoid), the maximiser of a linear unit w · x + b is the pattern of w's signs (white
    // where w > 0, black where w < 0), which for a two-valued w is w itself up to an affine scale.
    const net0 = buildNet({ arch: 'lenet-300-100', seed: 1, inputShape: [28, 28, 1], numClasses: 10 });
    const state = await captureState(net0);
    net0.dispose();
    const pattern = new Float32Array(784);
    for (let i = 0; i < 28; i++) for (let j = 0; j < 28; j++) pattern[i * 28 + j] = (j >= 8 && j < 13 && i >= 4 && i < 24) || (i >= 4 && i < 9 && j >= 8 && j < 22) ? 1 : -1;
    const centred = ((m) => Array.from(pattern, (v) => v - m))(pattern.reduce((a, v) => a + v, 0) / 784);
    for (let p = 0; p < 784; p++) state.layers[0]!.weight[p * 300] = 0.02 * pattern[p]!;
    const net = await netFromState(state, { inputShape: [28, 28, 1], numClasses: 10 });
    const norm = { mean: 0.13, std: 0.31 };
    const similarity = (x: Float32Array): number => {
      const mean = x.reduce((a, v) => a + v, 0) / x.length;
      return cosine(Array.from(x, (v) => v - mean), centred);
    };
    const res = await visualizeUnit(net, norm, { layer: 'fc1', unit: 0, steps: 150, seed: 4 });
    const x = res.image.input;
    // Measured 0.90 with the random transforms (they round the corners) and 0.93 without (seed 4, 150 steps).
    expect(similarity(x)).toBeGreaterThan(0.85);
    const plain = await visualizeUnit(net, norm, { layer: 'fc1', unit: 0, steps: 150, seed: 4, transforms: false });
    expect(similarity(plain.image.input)).toBeGreaterThan(0.9);
    expect(res.trace).toHaveLength(150);
    expect(res.trace[149]!.objective).toBeGreaterThan(res.trace[0]!.objective + 5);
    // The final objective is the unit's pre-activation w · x + b on the returned input.
    let z = 0;
    for (let p = 0; p < 784; p++) z += state.layers[0]!.weight[p * 300]! * x[p]!;
    expect(res.final.objective).toBeCloseTo(z + state.layers[0]!.bias[0]!, 3);
    expect(res.final.activationMax).toBeCloseTo(Math.max(0, res.final.objective), 3);
    // The input is the pixels normalised as the data set is, and the RGBA bytes are the pixels.
    for (let p = 0; p < 784; p += 37) {
      expect(x[p]).toBeCloseTo((res.image.pixels[p]! - 0.13) / 0.31, 4);
      expect(res.image.rgba[p * 4]).toBe(Math.round(255 * res.image.pixels[p]!));
      expect(res.image.rgba[p * 4 + 3]).toBe(255);
    }
    const again = await visualizeUnit(net, norm, { layer: 'fc1', unit: 0, steps: 20, seed: 4 });
    const same = await visualizeUnit(net, norm, { layer: 'fc1', unit: 0, steps: 20, seed: 4 });
    const other = await visualizeUnit(net, norm, { layer: 'fc1', unit: 0, steps: 20, seed: 5 });
    expect(same.image.pixels).toEqual(again.image.pixels);
    expect(other.image.pixels).not.toEqual(again.image.pixels);
    net.dispose();
  });

  it('optimises a conv channel of an RGB net with colour decorrelation, and refuses bad units', async () => {
    const net = await randomNet('conv-2', [8, 8, 3], 3, 5, 1);
    const norm = { mean: 0.47, std: 0.25, perChannel: { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] } };
    const res = await visualizeUnit(net, norm, { layer: 'conv2', unit: 5, steps: 40, seed: 1 });
    expect(res.objective).toBe('pre-activation, mean over positions');
    expect(res.image.shape).toEqual([8, 8, 3]);
    expect(res.image.rgba).toHaveLength(8 * 8 * 4);
    for (const p of res.image.pixels) expect(p > 0 && p < 1).toBe(true);
    expect(res.image.input[1]).toBeCloseTo((res.image.pixels[1]! - 0.48) / 0.24, 4);
    expect(res.trace[39]!.objective).toBeGreaterThan(res.trace[0]!.objective);
    await expect(visualizeUnit(net, norm, { layer: 'conv2', unit: 64, steps: 5, seed: 1 })).rejects.toThrow(/unit 64 out of range/);
    await expect(visualizeUnit(net, norm, { layer: 'input', unit: 0, steps: 5, seed: 1 })).rejects.toThrow(/not "input"/);
    await expect(visualizeUnit(net, norm, { layer: 'conv2', unit: 0, steps: 0, seed: 1 })).rejects.toThrow(/steps/);
    net.dispose();
  });
});

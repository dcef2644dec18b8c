// Shared fixtures for the snapshot tests: deterministic snapshots of each architecture and a plain NHWC forward pass
// (the engine's maths, written out) to compare with what PyTorch computes from an exported file.
import type { LayerTensors, Snapshot } from '../../src/main/store/snapshot';
import { SNAPSHOT_FORMAT, maskDensity, snapshotLayers } from '../../src/main/store/snapshot';

/** A small deterministic generator (mulberry32), independent of the engine's. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FixtureOptions {
  weights?: boolean;
  keep?: number;
  seed?: number;
  run?: string;
  round?: number;
}

/** A snapshot of `arch` on `dataset` with random masks (about `keep` kept) and, optionally, random weights. */
export function makeSnapshot(arch: string, dataset: string, opts: FixtureOptions = {}): Snapshot {
  const { weights = true, keep = 0.5, seed = 1, run = 'run-1', round = 2 } = opts;
  const next = rng(seed);
  const layers: LayerTensors[] = snapshotLayers(arch, dataset).map((spec) => {
    const n = spec.tfjsShape.reduce((a, b) => a * b, 1);
    const fanIn = spec.kind === 'conv' ? 9 * spec.tfjsShape[2]! : spec.tfjsShape[0]!;
    const scale = Math.sqrt(6 / fanIn);
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) mask[i] = next() < keep ? 1 : 0;
    const layer: LayerTensors = { name: spec.name, kind: spec.kind, shape: [...spec.tfjsShape], mask };
    if (weights) {
      const init = new Float32Array(n);
      for (let i = 0; i < n; i++) init[i] = (next() * 2 - 1) * scale;
      const trained = new Float32Array(n);
      for (let i = 0; i < n; i++) trained[i] = mask[i] ? init[i]! * 1.5 + 0.01 : 0;
      const bias = new Float32Array(spec.out);
      for (let i = 0; i < spec.out; i++) bias[i] = (next() - 0.5) * 0.2;
      layer.weight = trained;
      layer.weightInit = init;
      layer.bias = bias;
    }
    return layer;
  });
  return {
    meta: {
      format: SNAPSHOT_FORMAT,
      arch,
      dataset,
      run,
      round,
      density: maskDensity(layers)!,
      which: 'trained',
      config: { version: 1, name: 'fixture', arch, dataset, seeds: [0], method: { kind: 'imp' } },
      createdAt: '2025-01-02T03:04:05.000Z',
      app: '0.1.0',
    },
    layers,
  };
}

/** The fixed input of bench/pytorch_load_check.py: x[k] = sin(0.37 k + 0.1) over the NHWC flat index. */
export function checkInput(batch: number, h: number, w: number, c: number): Float32Array {
  const x = new Float32Array(batch * h * w * c);
  for (let k = 0; k < x.length; k++) x[k] = Math.sin(0.37 * k + 0.1);
  return x;
}

function effective(l: LayerTensors, which: 'weight' | 'weightInit'): Float32Array {
  const w = l[which]!;
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = l.mask![i] ? w[i]! : 0;
  return out;
}

function denseForward(x: Float64Array, n: number, w: Float32Array, b: Float32Array, inSize: number, out: number, relu: boolean): Float64Array {
  const y = new Float64Array(n * out);
  for (let s = 0; s < n; s++) {
    for (let o = 0; o < out; o++) {
      let acc = b[o]!;
      for (let i = 0; i < inSize; i++) acc += x[s * inSize + i]! * w[i * out + o]!;
      y[s * out + o] = relu && acc < 0 ? 0 : acc;
    }
  }
  return y;
}

/** NHWC 3x3 convolution with zero padding 1 ('same'), HWIO weights, then ReLU. */
function convForward(x: Float64Array, n: number, h: number, wd: number, ci: number, w: Float32Array, b: Float32Array, co: number): Float64Array {
  const y = new Float64Array(n * h * wd * co);
  const acc = new Float64Array(co);
  for (let s = 0; s < n; s++) {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < wd; c++) {
        for (let o = 0; o < co; o++) acc[o] = b[o]!;
        for (let ky = 0; ky < 3; ky++) {
          const yy = r + ky - 1;
          if (yy < 0 || yy >= h) continue;
          for (let kx = 0; kx < 3; kx++) {
            const xx = c + kx - 1;
            if (xx < 0 || xx >= wd) continue;
            const xBase = ((s * h + yy) * wd + xx) * ci;
            const wBase = (ky * 3 + kx) * ci * co;
            for (let i = 0; i < ci; i++) {
              const xv = x[xBase + i]!;
              if (xv === 0) continue;
              const wRow = wBase + i * co;
              for (let o = 0; o < co; o++) acc[o]! += xv * w[wRow + o]!;
            }
          }
        }
        const yBase = ((s * h + r) * wd + c) * co;
        for (let o = 0; o < co; o++) y[yBase + o] = Math.max(0, acc[o]!);
      }
    }
  }
  return y;
}

function maxPool(x: Float64Array, n: number, h: number, w: number, c: number): Float64Array {
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const y = new Float64Array(n * oh * ow * c);
  for (let s = 0; s < n; s++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        for (let k = 0; k < c; k++) {
          let m = -Infinity;
          for (let dy = 0; dy < 2; dy++) {
            for (let dx = 0; dx < 2; dx++) m = Math.max(m, x[((s * h + 2 * r + dy) * w + 2 * q + dx) * c + k]!);
          }
          y[((s * oh + r) * ow + q) * c + k] = m;
        }
      }
    }
  }
  return y;
}

/** Logits [batch][classes] of the snapshot's masked net (tfjs layout, NHWC), as the engine computes them. */
export function referenceForward(snapshot: Snapshot, which: 'weight' | 'weightInit', x: Float32Array, batch: number, input: [number, number, number]): number[][] {
  let [h, w, c] = input;
  let act: Float64Array = Float64Array.from(x);
  let convIndex = 0;
  for (const l of snapshot.layers) {
    const wt = effective(l, which);
    if (l.kind === 'conv') {
      const co = l.shape[3]!;
      act = convForward(act, batch, h, w, c, wt, l.bias!, co);
      c = co;
      if (convIndex++ % 2 === 1) {
        act = maxPool(act, batch, h, w, c);
        h = Math.floor(h / 2);
        w = Math.floor(w / 2);
      }
    } else {
      const last = l === snapshot.layers[snapshot.layers.length - 1];
      act = denseForward(act, batch, wt, l.bias!, l.shape[0]!, l.shape[1]!, !last);
    }
  }
  const classes = act.length / batch;
  return Array.from({ length: batch }, (_, s) => Array.from(act.subarray(s * classes, (s + 1) * classes)));
}

// 'synthetic-mnist': a generated, MNIST-shaped data set (28x28x1 grayscale in [0, 1], 10 classes) that needs no
// download, for first looks, tests and CI. It is generated from a FIXED data seed, so it is the same data set for
// every run seed (the run seed drives initialisation and batch order only).
//
// Each class has a prototype "glyph": a few smooth pen strokes (quadratic Bezier curves drawn with a soft Gaussian
// pen) at random places in the central 20x20 box. An example of class c redraws c's strokes with every control point
// jittered (a small random deformation), the whole glyph shifted by up to a couple of pixels, a random pen width and
// contrast, then blends in a faint copy of another class's prototype and adds pixel noise. Classes overlap enough
// that LeNet-300-100 learns them well but not perfectly.
import type { Rng } from '../rng';
import { streamRng } from '../rng';

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
export const NUM_CLASSES = 10;
/** The fixed seed of the data set itself (not the run seed). */
export const SYNTHETIC_MNIST_SEED = 20190301;

/** Generation knobs; changing any of them changes the data set, so treat them as part of its definition. */
export const SYNTHETIC_MNIST_PARAMS = {
  strokesMin: 2,
  strokesMax: 4,
  /** Control points lie in [boxLo, boxHi] (pixel coordinates). */
  boxLo: 5,
  boxHi: 22,
  /** Per-example std of control-point jitter, in pixels. */
  jitter: 1.5,
  /** Per-example uniform shift of the glyph, in pixels (each axis). */
  shift: 2.5,
  penMin: 0.8,
  penMax: 1.4,
  contrastMin: 0.6,
  contrastMax: 1.0,
  /** Weight of another class's prototype blended in, uniform in [0, blendMax]. */
  blendMax: 0.35,
  /** Std of additive pixel noise (uniform, which is much cheaper to draw than Gaussian and serves as well here). */
  noise: 0.2,
} as const;

type Point = [number, number];
interface Stroke {
  p0: Point;
  p1: Point;
  p2: Point;
}

export interface RawSplit {
  /** n * 784 pixels, row-major (NHWC with one channel). */
  x: Float32Array;
  y: Uint8Array;
  n: number;
}

function randomPoint(rng: Rng): Point {
  const P = SYNTHETIC_MNIST_PARAMS;
  return [rng.range(P.boxLo, P.boxHi), rng.range(P.boxLo, P.boxHi)];
}

function makePrototypes(): Stroke[][] {
  const P = SYNTHETIC_MNIST_PARAMS;
  const rng = streamRng(SYNTHETIC_MNIST_SEED, 'synthetic-mnist/prototypes');
  const out: Stroke[][] = [];
  for (let c = 0; c < NUM_CLASSES; c++) {
    const k = rng.int(P.strokesMin, P.strokesMax + 1);
    const strokes: Stroke[] = [];
    for (let s = 0; s < k; s++) strokes.push({ p0: randomPoint(rng), p1: randomPoint(rng), p2: randomPoint(rng) });
    out.push(strokes);
  }
  return out;
}

/** Straight pieces each Bezier stroke is drawn with. */
const SEGMENTS_PER_STROKE = 8;

/**
 * Draw strokes into `img` (values in [0, 1]) with a soft Gaussian pen, offset by (dx, dy): a pixel's value is
 * exp(-d² / 2 pen²) with d its distance to the nearest stroke (each Bezier curve drawn as straight pieces), max-
 * composited with what `img` holds. `d2` is scratch space of PIXELS values.
 */
function drawStrokes(img: Float32Array, d2: Float32Array, strokes: readonly Stroke[], pen: number, dx: number, dy: number): void {
  const reach = 3 * pen;
  const cutoff = reach * reach;
  d2.fill(cutoff);
  for (const { p0, p1, p2 } of strokes) {
    let ax = p0[0] + dx;
    let ay = p0[1] + dy;
    for (let k = 1; k <= SEGMENTS_PER_STROKE; k++) {
      const t = k / SEGMENTS_PER_STROKE;
      const a = (1 - t) * (1 - t);
      const b = 2 * (1 - t) * t;
      const c = t * t;
      const bx = a * p0[0] + b * p1[0] + c * p2[0] + dx;
      const by = a * p0[1] + b * p1[1] + c * p2[1] + dy;
      const sx = bx - ax;
      const sy = by - ay;
      const len2 = sx * sx + sy * sy;
      const inv = len2 > 1e-12 ? 1 / len2 : 0;
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach));
      const x1 = Math.min(SIDE - 1, Math.ceil(Math.max(ax, bx) + reach));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - reach));
      const y1 = Math.min(SIDE - 1, Math.ceil(Math.max(ay, by) + reach));
      for (let y = y0; y <= y1; y++) {
        const row = y * SIDE;
        const py = y - ay;
        for (let x = x0; x <= x1; x++) {
          const px = x - ax;
          let u = (px * sx + py * sy) * inv;
          u = u < 0 ? 0 : u > 1 ? 1 : u;
          const ex = px - u * sx;
          const ey = py - u * sy;
          const dd = ex * ex + ey * ey;
          if (dd < d2[row + x]!) d2[row + x] = dd;
        }
      }
      ax = bx;
      ay = by;
    }
  }
  const inv2s2 = 1 / (2 * pen * pen);
  for (let p = 0; p < PIXELS; p++) {
    const dd = d2[p]!;
    if (dd < cutoff) {
      const v = Math.exp(-dd * inv2s2);
      if (v > img[p]!) img[p] = v;
    }
  }
}

function jittered(strokes: readonly Stroke[], rng: Rng, std: number): Stroke[] {
  const j = (p: Point): Point => [p[0] + rng.normal(0, std), p[1] + rng.normal(0, std)];
  return strokes.map((s) => ({ p0: j(s.p0), p1: j(s.p1), p2: j(s.p2) }));
}

let prototypeImages: Float32Array[] | null = null;
let prototypeStrokes: Stroke[][] | null = null;

function prototypes(): { strokes: Stroke[][]; images: Float32Array[] } {
  if (!prototypeStrokes || !prototypeImages) {
    prototypeStrokes = makePrototypes();
    prototypeImages = prototypeStrokes.map((s) => {
      const img = new Float32Array(PIXELS);
      drawStrokes(img, new Float32Array(PIXELS), s, (SYNTHETIC_MNIST_PARAMS.penMin + SYNTHETIC_MNIST_PARAMS.penMax) / 2, 0, 0);
      return img;
    });
  }
  return { strokes: prototypeStrokes, images: prototypeImages };
}

/**
 * Generate `n` examples from stream `stream` of the data seed. Labels are exactly balanced (i mod 10) and then put
 * in a random order.
 */
export function generateSyntheticMnistSplit(n: number, stream: string): RawSplit {
  const P = SYNTHETIC_MNIST_PARAMS;
  const { strokes, images } = prototypes();
  const rng = streamRng(SYNTHETIC_MNIST_SEED, `synthetic-mnist/${stream}`);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = i % NUM_CLASSES;
  rng.shuffle(y);
  const x = new Float32Array(n * PIXELS);
  const img = new Float32Array(PIXELS);
  const d2 = new Float32Array(PIXELS);
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    img.fill(0);
    const pen = rng.range(P.penMin, P.penMax);
    const dx = rng.range(-P.shift, P.shift);
    const dy = rng.range(-P.shift, P.shift);
    drawStrokes(img, d2, jittered(strokes[c]!, rng, P.jitter), pen, dx, dy);
    const contrast = rng.range(P.contrastMin, P.contrastMax);
    const other = (c + rng.int(1, NUM_CLASSES)) % NUM_CLASSES;
    const alpha = rng.range(0, P.blendMax);
    const proto = images[other]!;
    const off = i * PIXELS;
    const halfWidth = P.noise * Math.sqrt(3);
    for (let p = 0; p < PIXELS; p++) {
      const v = contrast * img[p]! + alpha * proto[p]! + rng.range(-halfWidth, halfWidth);
      x[off + p] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return { x, y, n };
}

/** The whole generated data set: a training pool (validation is held out of it later) and a test split. */
export function generateSyntheticMnist(sizes: { train: number; test: number }): { train: RawSplit; test: RawSplit } {
  return { train: generateSyntheticMnistSplit(sizes.train, 'train'), test: generateSyntheticMnistSplit(sizes.test, 'test') };
}

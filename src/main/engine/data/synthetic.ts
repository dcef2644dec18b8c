// 'synthetic-mnist': a generated, MNIST-shaped data set (28x28x1 grayscale in [0, 1], 10 classes) that needs no
// download, for first looks, tests and CI. It is generated from a FIXED data seed, so it is the same data set for
// every run seed (the run seed drives initialisation and batch order only).
//
// Each class has a prototype "glyph": a few smooth pen strokes (quadratic Bezier curves drawn with a soft Gaussian
// pen) at random places in the central 20x20 box. An example of class c redraws c's strokes with every control point
// jittered (a small random deformation), the whole glyph shifted by up to a couple of pixels, a random pen width and
// contrast, then blends in a faint copy of another class's prototype and adds pixel noise. Classes overlap enough
// that LeNet-300-100 learns them well but not perfectly.
import { CIFAR10_CLASSES } from '../../../shared/objective';
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
  /** n examples of h·w·c values each, row-major NHWC (784 per example for synthetic-mnist, 3072 for synthetic-cifar). */
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

// ---------------------------------------------------------------------------------------------------------------
// 'synthetic-cifar': a generated, CIFAR-shaped data set (32x32x3 colour in [0, 1], NHWC, 10 classes). SYNTHETIC: it
// only borrows CIFAR-10's shape and class names (so views that ask for "dog" have a class 5); nothing in it looks like
// a dog. Like synthetic-mnist it comes from a FIXED data seed, the same for every run seed.
//
// Each class has a prototype: a background and a foreground colour, a soft-edged ellipse (centre, radii, angle) and a
// sinusoidal texture (orientation, spatial frequency, amplitude) that is strong inside the ellipse and faint outside.
// An example of class c redraws c's prototype with the ellipse shifted by up to 4 pixels and rescaled, a random
// texture phase, colours 40% its prototype's and 60% random, brightness and contrast, then blends in a faint copy of
// another class's prototype and adds pixel noise. Colour alone separates the classes only in part; the texture
// (orientation, frequency) and the shape are what a conv net picks up.

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_FEATURES = CIFAR_SIDE * CIFAR_SIDE * CIFAR_CHANNELS;
/** The fixed seed of the synthetic CIFAR-shaped data set itself (not the run seed). */
export const SYNTHETIC_CIFAR_SEED = 20190302;
/** Default sizes of the generated CIFAR-shaped set when a config gives no `synthetic` (each image is 12 KiB). */
export const SYNTHETIC_CIFAR_DEFAULT_SIZES = { train: 10000, test: 2000 } as const;
/** CIFAR-10's class names, index = label; used for the synthetic set only as labels ("dog" is 5). */
export const SYNTHETIC_CIFAR_CLASS_NAMES = CIFAR10_CLASSES;

/** Generation knobs; changing any of them changes the data set, so treat them as part of its definition. */
export const SYNTHETIC_CIFAR_PARAMS = {
  colourLo: 0.15,
  colourHi: 0.85,
  /** Minimum mean |foreground - background| over the channels of a prototype. */
  minContrast: 0.25,
  centreLo: 11,
  centreHi: 21,
  radiusLo: 5,
  radiusHi: 10,
  freqLo: 0.1,
  freqHi: 0.33,
  ampLo: 0.1,
  ampHi: 0.22,
  /** Texture amplitude outside the ellipse, relative to inside. */
  outsideTexture: 0.3,
  /** Width of the ellipse's soft edge, in units of its radius. */
  edge: 0.15,
  /** Per-example uniform shift of the ellipse, pixels per axis. */
  shift: 4,
  scaleLo: 0.8,
  scaleHi: 1.2,
  /** Each example's foreground and background mix this much of a random colour into the prototype's. */
  colourMix: 0.6,
  /** Std of per-example colour jitter, per channel of the foreground and background. */
  colourJitter: 0.05,
  brightness: 0.08,
  contrastLo: 0.75,
  contrastHi: 1.1,
  blendMax: 0.35,
  /** Std of additive pixel noise (drawn uniform). */
  noise: 0.1,
} as const;

interface CifarPrototype {
  bg: [number, number, number];
  fg: [number, number, number];
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  angle: number;
  theta: number;
  freq: number;
  amp: number;
}

function makeCifarPrototypes(): CifarPrototype[] {
  const P = SYNTHETIC_CIFAR_PARAMS;
  const rng = streamRng(SYNTHETIC_CIFAR_SEED, 'synthetic-cifar/prototypes');
  const colour = (): [number, number, number] => [rng.range(P.colourLo, P.colourHi), rng.range(P.colourLo, P.colourHi), rng.range(P.colourLo, P.colourHi)];
  const out: CifarPrototype[] = [];
  for (let c = 0; c < NUM_CLASSES; c++) {
    const bg = colour();
    let fg = colour();
    while ((Math.abs(fg[0] - bg[0]) + Math.abs(fg[1] - bg[1]) + Math.abs(fg[2] - bg[2])) / 3 < P.minContrast) fg = colour();
    out.push({
      bg,
      fg,
      cx: rng.range(P.centreLo, P.centreHi),
      cy: rng.range(P.centreLo, P.centreHi),
      rx: rng.range(P.radiusLo, P.radiusHi),
      ry: rng.range(P.radiusLo, P.radiusHi),
      angle: rng.range(0, Math.PI),
      // Orientations spread over the half circle (one per class, jittered) so textures differ between classes.
      theta: ((c + rng.range(-0.3, 0.3)) * Math.PI) / NUM_CLASSES,
      freq: rng.range(P.freqLo, P.freqHi),
      amp: rng.range(P.ampLo, P.ampHi),
    });
  }
  return out;
}

interface CifarDraw {
  bg: readonly number[];
  fg: readonly number[];
  dx: number;
  dy: number;
  scale: number;
  phase: number;
}

/** Render one image of prototype `p` with the per-example draw `d` into `img` (HWC, values not yet clamped). */
function renderCifar(img: Float32Array, p: CifarPrototype, d: CifarDraw): void {
  const P = SYNTHETIC_CIFAR_PARAMS;
  const ca = Math.cos(p.angle);
  const sa = Math.sin(p.angle);
  const kx = (2 * Math.PI * p.freq * Math.cos(p.theta));
  const ky = (2 * Math.PI * p.freq * Math.sin(p.theta));
  const irx = 1 / (p.rx * d.scale);
  const iry = 1 / (p.ry * d.scale);
  const cx = p.cx + d.dx;
  const cy = p.cy + d.dy;
  const invEdge = 1 / P.edge;
  let o = 0;
  for (let y = 0; y < CIFAR_SIDE; y++) {
    for (let x = 0; x < CIFAR_SIDE; x++) {
      const ex = x - cx;
      const ey = y - cy;
      const u = (ex * ca + ey * sa) * irx;
      const v = (-ex * sa + ey * ca) * iry;
      const r = Math.sqrt(u * u + v * v);
      let s = (1 - r) * invEdge + 0.5;
      s = s < 0 ? 0 : s > 1 ? 1 : s;
      const t = p.amp * Math.sin(kx * x + ky * y + d.phase) * (P.outsideTexture + (1 - P.outsideTexture) * s);
      for (let ch = 0; ch < CIFAR_CHANNELS; ch++) img[o++] = d.bg[ch]! + (d.fg[ch]! - d.bg[ch]!) * s + t;
    }
  }
}

let cifarPrototypeCache: { protos: CifarPrototype[]; images: Float32Array[] } | null = null;

function cifarPrototypes(): { protos: CifarPrototype[]; images: Float32Array[] } {
  if (!cifarPrototypeCache) {
    const protos = makeCifarPrototypes();
    const images = protos.map((p) => {
      const img = new Float32Array(CIFAR_FEATURES);
      renderCifar(img, p, { bg: p.bg, fg: p.fg, dx: 0, dy: 0, scale: 1, phase: 0 });
      return img;
    });
    cifarPrototypeCache = { protos, images };
  }
  return cifarPrototypeCache;
}

/** Generate `n` CIFAR-shaped examples from stream `stream` of the data seed; labels balanced (i mod 10), shuffled. */
export function generateSyntheticCifarSplit(n: number, stream: string): RawSplit {
  const P = SYNTHETIC_CIFAR_PARAMS;
  const { protos, images } = cifarPrototypes();
  const rng = streamRng(SYNTHETIC_CIFAR_SEED, `synthetic-cifar/${stream}`);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = i % NUM_CLASSES;
  rng.shuffle(y);
  const x = new Float32Array(n * CIFAR_FEATURES);
  const img = new Float32Array(CIFAR_FEATURES);
  const halfWidth = P.noise * Math.sqrt(3);
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    const p = protos[c]!;
    const jitter = (col: readonly number[]): number[] =>
      col.map((v) => (1 - P.colourMix) * v + P.colourMix * rng.range(P.colourLo, P.colourHi) + rng.normal(0, P.colourJitter));
    renderCifar(img, p, {
      bg: jitter(p.bg),
      fg: jitter(p.fg),
      dx: rng.range(-P.shift, P.shift),
      dy: rng.range(-P.shift, P.shift),
      scale: rng.range(P.scaleLo, P.scaleHi),
      phase: rng.range(0, 2 * Math.PI),
    });
    const contrast = rng.range(P.contrastLo, P.contrastHi);
    const bright = rng.range(-P.brightness, P.brightness);
    const other = images[(c + rng.int(1, NUM_CLASSES)) % NUM_CLASSES]!;
    const alpha = rng.range(0, P.blendMax);
    const off = i * CIFAR_FEATURES;
    for (let k = 0; k < CIFAR_FEATURES; k++) {
      const base = (1 - alpha) * img[k]! + alpha * other[k]!;
      const v = 0.5 + contrast * (base - 0.5) + bright + rng.range(-halfWidth, halfWidth);
      x[off + k] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return { x, y, n };
}

/** The whole generated CIFAR-shaped set: a training pool (validation is held out of it later) and a test split. */
export function generateSyntheticCifar(sizes: { train: number; test: number }): { train: RawSplit; test: RawSplit } {
  return { train: generateSyntheticCifarSplit(sizes.train, 'train'), test: generateSyntheticCifarSplit(sizes.test, 'test') };
}

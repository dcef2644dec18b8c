// Pure pixel work of the activation maps: decoding ImageRef pixels (base64 HWC bytes), bilinear upsampling of a
// unit's map onto the image, and colouring it through a lookup table with alpha. No DOM: canvas code calls these.
import type { Lut } from './analysis-palette';

/** Base64 to bytes. */
export function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** HWC bytes (c = 1 grey, 3 RGB; others: the first channel) as RGBA for ImageData. */
export function hwcToRgba(bytes: Uint8Array, h: number, w: number, c: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(new ArrayBuffer(h * w * 4));
  for (let p = 0; p < h * w; p++) {
    const r = bytes[p * c] ?? 0;
    out[4 * p] = r;
    out[4 * p + 1] = c >= 3 ? (bytes[p * c + 1] ?? 0) : r;
    out[4 * p + 2] = c >= 3 ? (bytes[p * c + 2] ?? 0) : r;
    out[4 * p + 3] = 255;
  }
  return out;
}

/**
 * Bilinear resampling of a row-major h x w map to outH x outW, pixel centres aligned (align_corners = false, as
 * PyTorch's and tf.image's default): output pixel (y, x) reads the map at ((y + 0.5) h / outH − 0.5, …), clamped.
 */
export function bilinear(map: ArrayLike<number>, h: number, w: number, outH: number, outW: number): Float32Array {
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / outH - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / outW - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const a = map[y0 * w + x0]! * (1 - fx) + map[y0 * w + x1]! * fx;
      const b = map[y1 * w + x0]! * (1 - fx) + map[y1 * w + x1]! * fx;
      out[y * outW + x] = a * (1 - fy) + b * fy;
    }
  }
  return out;
}

export interface ValueScale {
  /** Sequential [0, max] or diverging [−max, max]. */
  diverging: boolean;
  max: number;
}

/** t in [0, 1] of a value on the scale. */
export function scaleT(v: number, s: ValueScale): number {
  if (!(s.max > 0) || !Number.isFinite(v)) return s.diverging ? 0.5 : 0;
  const t = s.diverging ? 0.5 + v / (2 * s.max) : v / s.max;
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

/**
 * Coloured RGBA of upsampled values. Alpha grows with the value's strength (|value| for diverging scales), times
 * `opacity`, so where the unit is silent the image shows through.
 */
export function colourise(values: Float32Array, s: ValueScale, lut: Lut, opacity: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) {
    const t = scaleT(values[i]!, s);
    const k = Math.round(t * 255);
    const strength = s.diverging ? Math.abs(t - 0.5) * 2 : t;
    out[4 * i] = lut[3 * k]!;
    out[4 * i + 1] = lut[3 * k + 1]!;
    out[4 * i + 2] = lut[3 * k + 2]!;
    out[4 * i + 3] = Math.round(255 * opacity * (0.15 + 0.85 * strength));
  }
  return out;
}

/** The largest |value| of several maps (0 when empty). */
export function maxAbs(maps: ArrayLike<number>[]): number {
  let m = 0;
  for (const map of maps) for (let i = 0; i < map.length; i++) m = Math.max(m, Math.abs(map[i]!));
  return m;
}

/** Whether any value is below zero (then a diverging scale is used). */
export function anyNegative(maps: ArrayLike<number>[]): boolean {
  for (const map of maps) for (let i = 0; i < map.length; i++) if (map[i]! < 0) return true;
  return false;
}

/** Five "nice" tick values on [lo, hi] for a colour legend. */
export function legendTicks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  return [0, 0.25, 0.5, 0.75, 1].map((f) => lo + (hi - lo) * f);
}

/** A value for legends and tiles: 3 significant digits, compact exponent when tiny or huge. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(2).replace('e+', 'e');
  return String(+v.toPrecision(3));
}

// Data augmentation of training batches (config `augmentation`), on the CPU before a batch is uploaded, so a seed
// gives the same augmented batches on every backend. As torchvision's RandomCrop(size, padding=p) and
// RandomHorizontalFlip() (Ramanujan et al.'s CIFAR-10 loader: crop, then flip): each image is padded by p pixels on
// every side with black, i.e. the raw value 0, which is (0 - mean) / std per channel once normalised; a window of
// the image's size is cut at a uniformly random offset (0 .. 2p on each axis); then the image is mirrored left-right
// with probability 1/2. Each example draws its own offsets and flip from the step's generator, in example order.
import type { Augmentation } from '../../shared/config';
import type { Normalisation } from '../../shared/contract';
import type { Rng } from './rng';

/** The normalised value of a black (raw 0) pixel, per channel: what the crop pads with. */
export function blackPixel(norm: Normalisation, channels: number): Float32Array {
  const out = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const mean = norm.perChannel?.mean[c] ?? norm.mean;
    const std = norm.perChannel?.std[c] ?? norm.std;
    out[c] = (0 - mean) / std;
  }
  return out;
}

/**
 * Augment `n` images of `shape` [h, w, c] (NHWC rows, normalised) in place. `fill` is the padding value per channel
 * (blackPixel). Draws per example: the crop's row offset, its column offset (each uniform in 0 .. 2p, when cropping),
 * then the flip (when flipping).
 */
export function augmentBatch(
  x: Float32Array,
  n: number,
  shape: readonly [number, number, number],
  spec: Augmentation,
  fill: Float32Array,
  rng: Rng,
): void {
  const [h, w, c] = shape;
  const size = h * w * c;
  if (x.length < n * size) throw new Error(`augmentBatch: ${x.length} values for ${n} images of ${size}`);
  const p = spec.randomCrop ?? 0;
  const src = new Float32Array(size);
  for (let e = 0; e < n; e++) {
    const dy = p > 0 ? rng.int(0, 2 * p + 1) : p;
    const dx = p > 0 ? rng.int(0, 2 * p + 1) : p;
    const flip = spec.horizontalFlip === true && rng.uniform() < 0.5;
    if (dy === p && dx === p && !flip) continue;
    const base = e * size;
    src.set(x.subarray(base, base + size));
    for (let y = 0; y < h; y++) {
      // Output (y, xo) is the cropped image's (y, flip ? w-1-xo : xo), i.e. the source pixel (y+dy-p, ...+dx-p).
      const sy = y + dy - p;
      for (let xo = 0; xo < w; xo++) {
        const sx = (flip ? w - 1 - xo : xo) + dx - p;
        const o = base + (y * w + xo) * c;
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        const s = (sy * w + sx) * c;
        for (let k = 0; k < c; k++) x[o + k] = inside ? src[s + k]! : fill[k]!;
      }
    }
  }
}

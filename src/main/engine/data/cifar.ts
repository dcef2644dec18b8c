// CIFAR-10, binary version: each batch file is a sequence of 3,073-byte records, one label byte (0..9) then a
// 32x32 colour image as 1,024 red, 1,024 green and 1,024 blue bytes (CHW, rows top to bottom). batches.meta.txt
// holds the class names, one a line ("dog" is class 5). Images are converted to HWC (NHWC over a batch) on parse,
// the layout the nets take.
import { DataFileError } from './io';

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE;
export const CIFAR_IMAGE_BYTES = CIFAR_PIXELS * CIFAR_CHANNELS;
export const CIFAR_RECORD_BYTES = 1 + CIFAR_IMAGE_BYTES;
export const CIFAR_NUM_CLASSES = 10;

export interface CifarBatch {
  n: number;
  labels: Uint8Array;
  /** n * 32 * 32 * 3 bytes, NHWC. */
  pixels: Uint8Array;
}

/** Checks a batch file's size and labels without converting it (for imports, which store the files as they are). */
export function validateCifarBatch(buf: Uint8Array, file: string): number {
  if (buf.length === 0) throw new DataFileError(file, 'wrong size: empty file');
  if (buf.length % CIFAR_RECORD_BYTES !== 0) {
    const whole = Math.floor(buf.length / CIFAR_RECORD_BYTES);
    throw new DataFileError(
      file,
      `wrong size: ${buf.length} bytes is not a whole number of ${CIFAR_RECORD_BYTES}-byte records (${whole} records and ${buf.length - whole * CIFAR_RECORD_BYTES} bytes over; truncated?)`,
    );
  }
  const n = buf.length / CIFAR_RECORD_BYTES;
  for (let i = 0; i < n; i++) {
    const label = buf[i * CIFAR_RECORD_BYTES]!;
    if (label >= CIFAR_NUM_CLASSES) throw new DataFileError(file, `label ${label} out of range 0..${CIFAR_NUM_CLASSES - 1} in record ${i}`);
  }
  return n;
}

/** Parses one batch into labels and NHWC pixels; `out`/`outLabels` at `at` (records) when given, to fill a larger split. */
export function parseCifarBatch(buf: Uint8Array, file: string, out?: { pixels: Uint8Array; labels: Uint8Array; at: number }): CifarBatch {
  const n = validateCifarBatch(buf, file);
  const pixels = out ? out.pixels.subarray(out.at * CIFAR_IMAGE_BYTES, (out.at + n) * CIFAR_IMAGE_BYTES) : new Uint8Array(n * CIFAR_IMAGE_BYTES);
  const labels = out ? out.labels.subarray(out.at, out.at + n) : new Uint8Array(n);
  if (pixels.length !== n * CIFAR_IMAGE_BYTES || labels.length !== n) throw new Error(`parseCifarBatch: no room for ${n} records`);
  for (let i = 0; i < n; i++) {
    const rec = i * CIFAR_RECORD_BYTES;
    labels[i] = buf[rec]!;
    const src = rec + 1;
    const dst = i * CIFAR_IMAGE_BYTES;
    for (let p = 0; p < CIFAR_PIXELS; p++) {
      const o = dst + p * CIFAR_CHANNELS;
      pixels[o] = buf[src + p]!;
      pixels[o + 1] = buf[src + CIFAR_PIXELS + p]!;
      pixels[o + 2] = buf[src + 2 * CIFAR_PIXELS + p]!;
    }
  }
  return { n, labels, pixels };
}

/** Class names from batches.meta.txt: the non-empty lines, exactly ten. */
export function parseCifarMeta(buf: Uint8Array, file: string): string[] {
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8');
  if (text.includes('\0')) throw new DataFileError(file, 'not a text file of class names');
  const names = text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length !== CIFAR_NUM_CLASSES) throw new DataFileError(file, `expected ${CIFAR_NUM_CLASSES} class names, found ${names.length}`);
  return names;
}

/** Encodes records (labels + NHWC pixels) as a CIFAR binary batch: the inverse of parseCifarBatch (tests, fixtures). */
export function encodeCifarBatch(labels: Uint8Array, pixelsNHWC: Uint8Array): Buffer {
  const n = labels.length;
  const out = Buffer.alloc(n * CIFAR_RECORD_BYTES);
  for (let i = 0; i < n; i++) {
    const rec = i * CIFAR_RECORD_BYTES;
    out[rec] = labels[i]!;
    for (let p = 0; p < CIFAR_PIXELS; p++) {
      for (let c = 0; c < CIFAR_CHANNELS; c++) out[rec + 1 + c * CIFAR_PIXELS + p] = pixelsNHWC[i * CIFAR_IMAGE_BYTES + p * CIFAR_CHANNELS + c]!;
    }
  }
  return out;
}

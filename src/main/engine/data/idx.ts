// IDX files (MNIST, Fashion-MNIST): a 4-byte magic number (0x00 0x00, data type, number of dimensions), one
// big-endian uint32 per dimension, then the data. Ticketscope reads unsigned-byte images (magic 0x00000803:
// count, rows, columns) and labels (magic 0x00000801: count), gzipped or not (told apart by the gzip magic bytes).
// Every check failure is a DataFileError naming the file.
import { DataFileError, maybeGunzip } from './io';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxImages {
  n: number;
  rows: number;
  cols: number;
  /** n * rows * cols bytes, row-major. A view into the decoded buffer. */
  pixels: Uint8Array;
  /** The whole decoded file, header included. */
  raw: Buffer;
}

export interface IdxLabels {
  n: number;
  labels: Uint8Array;
  /** The whole decoded file, header included. */
  raw: Buffer;
}

const hex = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;

function header(buf: Uint8Array, file: string, magic: number, what: string): { dims: number[]; offset: number } {
  if (buf.length < 4) throw new DataFileError(file, `truncated: ${buf.length} bytes, too short for an IDX header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const got = view.getUint32(0, false);
  if (got !== magic) throw new DataFileError(file, `wrong magic number ${hex(got)} (expected ${hex(magic)}, IDX ${what})`);
  const ndims = magic & 0xff;
  const offset = 4 + 4 * ndims;
  if (buf.length < offset) throw new DataFileError(file, `truncated: ${buf.length} bytes, the IDX header needs ${offset}`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  return { dims, offset };
}

function checkSize(buf: Uint8Array, file: string, offset: number, dataBytes: number, what: string): void {
  const expected = offset + dataBytes;
  if (buf.length < expected) {
    throw new DataFileError(file, `truncated: the header says ${what} (${expected} bytes), the file has ${buf.length} bytes`);
  }
  if (buf.length > expected) {
    throw new DataFileError(file, `wrong size: ${buf.length} bytes, the header says ${what} (${expected} bytes)`);
  }
}

/**
 * Parses an IDX image file (raw or gzipped). `shape` ([rows, cols]) is what the data set needs; a file with other
 * image dimensions is rejected.
 */
export function parseIdxImages(input: Buffer, file: string, shape: readonly [number, number] = [28, 28]): IdxImages {
  const buf = maybeGunzip(input, file);
  const { dims, offset } = header(buf, file, IDX_IMAGES_MAGIC, 'images');
  const [n, rows, cols] = dims as [number, number, number];
  if (n === 0) throw new DataFileError(file, 'wrong size: the header says 0 images');
  if (rows !== shape[0] || cols !== shape[1]) {
    throw new DataFileError(file, `wrong image size ${rows}x${cols} (expected ${shape[0]}x${shape[1]})`);
  }
  checkSize(buf, file, offset, n * rows * cols, `${n} images of ${rows}x${cols}`);
  return { n, rows, cols, pixels: buf.subarray(offset), raw: buf };
}

/** Parses an IDX label file (raw or gzipped), checking every label is in 0..numClasses-1. */
export function parseIdxLabels(input: Buffer, file: string, numClasses = 10): IdxLabels {
  const buf = maybeGunzip(input, file);
  const { dims, offset } = header(buf, file, IDX_LABELS_MAGIC, 'labels');
  const n = dims[0]!;
  if (n === 0) throw new DataFileError(file, 'wrong size: the header says 0 labels');
  checkSize(buf, file, offset, n, `${n} labels`);
  const labels = buf.subarray(offset);
  for (let i = 0; i < n; i++) {
    if (labels[i]! >= numClasses) throw new DataFileError(file, `label ${labels[i]} out of range 0..${numClasses - 1} at index ${i}`);
  }
  return { n, labels, raw: buf };
}

/** Images and labels of one split must pair up. */
export function checkPair(images: IdxImages, imagesFile: string, labels: IdxLabels, labelsFile: string): void {
  if (images.n !== labels.n) {
    throw new DataFileError(labelsFile, `counts do not match: ${labels.n} labels but ${imagesFile} has ${images.n} images`);
  }
}

/** Writes an IDX file (uncompressed): used to store the data folder's copies and by the tests to make fixtures. */
export function encodeIdx(magic: number, dims: readonly number[], data: Uint8Array): Buffer {
  const ndims = magic & 0xff;
  if (dims.length !== ndims) throw new Error(`encodeIdx: magic ${hex(magic)} needs ${ndims} dimensions`);
  const out = Buffer.alloc(4 + 4 * ndims + data.length);
  out.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  out.set(data, 4 + 4 * ndims);
  return out;
}

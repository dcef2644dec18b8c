// Tensor blobs for the database: masks bit-packed, float32 weights as raw little-endian bytes, each with a sha256.
//
// Bit order (LSB-first): mask element i is bit (i % 8) of byte floor(i / 8), where bit 0 is the least significant
// bit (value 1). So the mask [1, 0, 0, 0, 0, 0, 0, 0, 1, 1] packs to the bytes [0x01, 0x03]. Bits past the end of
// the mask in the last byte are zero. numpy reads the same packing with np.unpackbits(b, bitorder='little')[:n].
import { createHash } from 'node:crypto';
import { ValidationError } from '../../shared/errors';

/** Bytes a mask of `length` elements packs into. */
export function packedLength(length: number): number {
  return Math.ceil(length / 8);
}

/** Pack a 0/1 mask into bits, LSB-first (see the file comment). Throws on any value other than 0 and 1. */
export function packMask(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(packedLength(mask.length));
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i]!;
    if (v === 1) out[i >> 3]! |= 1 << (i & 7);
    else if (v !== 0) throw new ValidationError(`mask value ${v} at index ${i}: masks hold only 0 and 1`);
  }
  return out;
}

/** Unpack `length` mask elements from LSB-first bits; the byte count must fit and unused trailing bits be zero. */
export function unpackMask(bits: Uint8Array, length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new ValidationError(`mask length ${length} is not a count`);
  if (bits.length !== packedLength(length)) {
    throw new ValidationError(`packed mask has ${bits.length} bytes, ${length} elements need ${packedLength(length)}`);
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (bits[i >> 3]! >> (i & 7)) & 1;
  const rest = length & 7;
  if (rest !== 0 && bits[bits.length - 1]! >> rest !== 0) {
    throw new ValidationError('packed mask has bits set past its last element');
  }
  return out;
}

/** Index of the first value that is neither 0 nor 1, or -1. */
export function firstNonBinary(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== 0 && v !== 1) return i;
  }
  return -1;
}

/** Number of ones in a 0/1 mask. */
export function countOnes(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  return n;
}

/** Lowercase hex sha256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Raw little-endian bytes of float32 values (a copy). */
export function float32ToBytes(values: Float32Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

/** float32 values from raw little-endian bytes (a copy; any alignment). */
export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new ValidationError(`float32 data has ${bytes.length} bytes, not a multiple of 4`);
  if (littleEndianHost) return new Float32Array(new Uint8Array(bytes).buffer); // a copy (Buffer.slice would be a view)
  const out = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** How a tensor blob is encoded in the database. */
export type BlobEncoding = 'mask-bits-lsb' | 'f32-le';

export interface TensorBlob {
  encoding: BlobEncoding;
  /** Number of elements (not bytes). */
  length: number;
  data: Uint8Array;
  /** sha256 (hex) of `data`, the bytes as stored. */
  sha256: string;
}

export function encodeMaskBlob(mask: Uint8Array): TensorBlob {
  const data = packMask(mask);
  return { encoding: 'mask-bits-lsb', length: mask.length, data, sha256: sha256Hex(data) };
}

export function encodeFloat32Blob(values: Float32Array): TensorBlob {
  const data = float32ToBytes(values);
  return { encoding: 'f32-le', length: values.length, data, sha256: sha256Hex(data) };
}

/** Decode a stored blob after checking its checksum and size; `what` names it in errors. */
export function decodeMaskBlob(blob: TensorBlob, what = 'mask'): Uint8Array {
  verifyBlob(blob, 'mask-bits-lsb', what);
  return unpackMask(blob.data, blob.length);
}

export function decodeFloat32Blob(blob: TensorBlob, what = 'tensor'): Float32Array {
  verifyBlob(blob, 'f32-le', what);
  if (blob.data.length !== blob.length * 4) {
    throw new ValidationError(`${what}: blob has ${blob.data.length} bytes, ${blob.length} float32 values need ${blob.length * 4}`);
  }
  return bytesToFloat32(blob.data);
}

function verifyBlob(blob: TensorBlob, encoding: BlobEncoding, what: string): void {
  if (blob.encoding !== encoding) throw new ValidationError(`${what}: blob encoding ${blob.encoding}, expected ${encoding}`);
  const actual = sha256Hex(blob.data);
  if (actual !== blob.sha256) throw new ValidationError(`${what}: checksum mismatch (stored ${blob.sha256}, data ${actual})`);
}

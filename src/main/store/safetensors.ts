// safetensors reader and writer (https://github.com/huggingface/safetensors, format described in docs/formats.md):
//   8 bytes   N, the header length, unsigned 64-bit little-endian
//   N bytes   UTF-8 JSON: { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ...,
//             "__metadata__": { "<key>": "<string value>" } }   (padded with spaces)
//   rest      the byte buffer; offsets are relative to its start, tensors row-major little-endian
// The writer puts tensors in the given order, the wider dtypes first (F32 before U8, so every F32 tensor starts on a
// 4-byte boundary: the buffer starts at a multiple of 8), and pads the header with spaces so 8 + N is a multiple of 8.
// The reader checks every field against the file before it returns anything: header length against file size,
// JSON without duplicate keys (JSON.parse would silently keep the last), dtypes, shape × dtype size against the
// offsets, offsets inside the buffer, contiguous without gaps or overlaps, and no trailing bytes.
import { ValidationError } from '../../shared/errors';
import { bytesToFloat32, firstNonBinary, float32ToBytes } from './bits';
import { firstDuplicateKey } from './json-keys';

/** The dtypes this app reads. BOOL is read into a Uint8Array of 0/1 (PyTorch's torch.bool masks). */
export type TensorDtype = 'F32' | 'U8' | 'BOOL';

export interface RawTensor {
  dtype: TensorDtype;
  /** Row-major shape; [] is a scalar. */
  shape: number[];
  data: Float32Array | Uint8Array;
}

export interface NamedTensor extends RawTensor {
  name: string;
}

export interface TensorFile {
  /** In file order (by offset). */
  tensors: Map<string, RawTensor>;
  /** `__metadata__`, or null when the file has none. */
  metadata: Record<string, string> | null;
}

const DTYPE_SIZE: Record<TensorDtype, number> = { F32: 4, U8: 1, BOOL: 1 };
/** dtypes of the safetensors format that this app does not take (named as such in errors). */
const OTHER_DTYPES = new Set(['F64', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16']);
/** Header size limit (the reference implementation's): anything larger is not a real header. */
const MAX_HEADER = 100_000_000;

export function isTensorDtype(x: unknown): x is TensorDtype {
  return x === 'F32' || x === 'U8' || x === 'BOOL';
}

export function dtypeSize(dtype: TensorDtype): number {
  return DTYPE_SIZE[dtype];
}

/** Product of a shape's dimensions (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function tensorBytes(t: RawTensor): Uint8Array {
  if (t.dtype === 'F32') {
    if (!(t.data instanceof Float32Array)) throw new Error('F32 tensor data must be a Float32Array');
    return float32ToBytes(t.data);
  }
  if (!(t.data instanceof Uint8Array)) throw new Error(`${t.dtype} tensor data must be a Uint8Array`);
  return t.data;
}

/** Serialise tensors (names unique, not `__metadata__`) and optional string metadata to safetensors bytes. */
export function writeSafetensors(tensors: readonly NamedTensor[], metadata?: Record<string, string>): Uint8Array {
  const order = tensors
    .map((t, i) => ({ t, i }))
    .sort((a, b) => DTYPE_SIZE[b.t.dtype] - DTYPE_SIZE[a.t.dtype] || a.i - b.i)
    .map((x) => x.t);
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`metadata ${k} must be a string`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of order) {
    if (t.name === '__metadata__' || t.name in header) throw new Error(`tensor name ${t.name} is reserved or repeated`);
    if (t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`tensor ${t.name}: bad shape [${t.shape}]`);
    if (numel(t.shape) !== t.data.length) {
      throw new Error(`tensor ${t.name}: shape [${t.shape}] holds ${numel(t.shape)} values, data has ${t.data.length}`);
    }
    const bytes = tensorBytes(t);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let p = 8 + n;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Parse and validate safetensors bytes. Every problem is a one-line ValidationError prefixed with `label`, e.g.
 * "snapshot x.safetensors: header length 999999 exceeds file size 1234".
 */
export function readSafetensors(bytes: Uint8Array, label = 'safetensors file'): TensorFile {
  const fail = (msg: string): never => {
    throw new ValidationError(`${label}: ${msg}`);
  };
  if (bytes.length < 8) return fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const big = view.getBigUint64(0, true);
  if (big > BigInt(bytes.length - 8)) return fail(`header length ${big} exceeds file size ${bytes.length}`);
  const n = Number(big);
  if (n > MAX_HEADER) return fail(`header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    return fail(`header is not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isPlainObject(header)) return fail('header is not a JSON object');
  // JSON.parse keeps the last of two equal keys; another reader may take the first. Refuse the ambiguity.
  const dup = firstDuplicateKey(text);
  if (dup) {
    if (dup.path.length) return fail(`duplicate key ${JSON.stringify(dup.key)} in ${dup.path.join('.')} of the header`);
    return fail(dup.key === '__metadata__' ? '__metadata__ appears twice in the header' : `tensor ${dup.key} appears twice in the header`);
  }

  let metadata: Record<string, string> | null = null;
  const entries: { name: string; dtype: TensorDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value)) return fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') return fail(`__metadata__.${k} is not a string (safetensors metadata values are strings)`);
      }
      metadata = value as Record<string, string>;
      continue;
    }
    if (!isPlainObject(value)) return fail(`tensor ${name}: entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = value;
    if (typeof dtype !== 'string') return fail(`tensor ${name}: dtype missing`);
    if (!isTensorDtype(dtype)) {
      return fail(OTHER_DTYPES.has(dtype) ? `tensor ${name}: unsupported dtype ${dtype} (expected F32, U8 or BOOL)` : `tensor ${name}: unknown dtype ${dtype}`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) return fail(`tensor ${name}: shape is not a list of sizes`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      return fail(`tensor ${name}: data_offsets is not a pair of byte offsets`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) return fail(`tensor ${name}: data_offsets [${begin}, ${end}] end before they begin`);
    const need = numel(shape as number[]) * DTYPE_SIZE[dtype];
    if (need !== end - begin) {
      return fail(`tensor ${name}: shape [${shape.join(', ')}] of ${dtype} needs ${need} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }

  const bufStart = 8 + n;
  const bufLen = bytes.length - bufStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev = '';
  for (const e of entries) {
    if (e.begin < pos) return fail(`tensors ${prev} and ${e.name} overlap (${e.name} begins at ${e.begin}, ${prev} ends at ${pos})`);
    if (e.begin > pos) {
      return fail(`gap of ${e.begin - pos} bytes before tensor ${e.name} (offsets must be contiguous from 0)`);
    }
    pos = e.end;
    prev = e.name;
  }
  if (pos > bufLen) return fail(`file truncated: tensor data needs ${pos} bytes after the header but only ${bufLen} remain`);
  if (pos < bufLen) return fail(`${bufLen - pos} unexpected bytes after the last tensor`);

  const tensors = new Map<string, RawTensor>();
  for (const e of entries) {
    const raw = bytes.subarray(bufStart + e.begin, bufStart + e.end);
    const data = e.dtype === 'F32' ? bytesToFloat32(raw) : new Uint8Array(raw);
    if (e.dtype === 'BOOL') {
      const bad = firstNonBinary(data);
      if (bad >= 0) return fail(`tensor ${e.name}: BOOL value ${data[bad]} at index ${bad}`);
    }
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

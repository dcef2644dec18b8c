// .npy and .npz reader and writer (numpy's formats, described in docs/formats.md).
// .npy: "\x93NUMPY", version (1.0 written; 1.0, 2.0 and 3.0 read), header length (u16 for 1.0, u32 after), then a
// Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (300, 784), } padded with spaces and a
// newline so the data starts at a multiple of 64 bytes, then the row-major data.
// .npz: a zip of `<name>.npy` members (np.savez / np.savez_compressed; np.load strips ".npy" from the keys).
// Snapshot metadata goes in the member `__metadata__.npy`: a 0-d unicode array ('<U<n>', UTF-32LE) holding the JSON
// text of the same string-to-string map that safetensors keeps in `__metadata__`.
import { ValidationError } from '../../shared/errors';
import { bytesToFloat32, firstNonBinary, float32ToBytes } from './bits';
import type { NamedTensor, RawTensor, TensorDtype, TensorFile } from './safetensors';
import { numel } from './safetensors';
import { firstDuplicateKey } from './json-keys';
import { extractZipEntry, listZip, writeZip } from './zip';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DESCR_OF: Record<TensorDtype, string> = { F32: '<f4', U8: '|u1', BOOL: '|b1' };
const DTYPE_OF: Record<string, TensorDtype> = { '<f4': 'F32', '|u1': 'U8', '<u1': 'U8', u1: 'U8', '|b1': 'BOOL', '<b1': 'BOOL' };
export const NPZ_METADATA = '__metadata__';

function npyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const text = dict + ' '.repeat(total - 10 - dict.length - 1) + '\n';
  if (total - 10 > 0xffff) throw new Error('npy header too long for format 1.0');
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, total - 10, true);
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** One array as .npy bytes (format 1.0, C order). */
export function writeNpy(t: RawTensor): Uint8Array {
  if (numel(t.shape) !== t.data.length) throw new Error(`shape [${t.shape}] holds ${numel(t.shape)} values, data has ${t.data.length}`);
  const data = t.data instanceof Float32Array ? float32ToBytes(t.data) : t.data;
  return concat(npyHeader(DESCR_OF[t.dtype], t.shape), data);
}

/** A 0-d unicode array ('<U<n>', UTF-32LE code points) holding `text`. */
export function writeNpyString(text: string): Uint8Array {
  const cps = Array.from(text, (c) => c.codePointAt(0)!);
  const data = new Uint8Array(cps.length * 4);
  const view = new DataView(data.buffer);
  cps.forEach((cp, i) => view.setUint32(i * 4, cp, true));
  return concat(npyHeader(`<U${Math.max(1, cps.length)}`, []), cps.length ? data : new Uint8Array(4));
}

// A parser for the Python literals numpy writes in .npy headers: dicts, tuples, lists, strings, ints, booleans.
// Dicts are prototype-free objects, and a key given twice or named __proto__ is an error: a header like
// {'descr': '<f4', ..., '__proto__': {...}} must not pass as a dict with the three expected keys.
type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };
/** Deeper nesting than any numpy header has (a shape tuple inside the dict is depth 2). */
const MAX_PY_DEPTH = 16;

function parsePyLiteral(src: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const err = (what: string): never => {
    throw new Error(`${what} at character ${i}`);
  };
  const value = (depth: number): PyValue => {
    ws();
    const c = src[i];
    if (c === '{' || c === '(' || c === '[') {
      if (depth >= MAX_PY_DEPTH) return err(`nested deeper than ${MAX_PY_DEPTH}`);
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      const dict = Object.create(null) as Record<string, PyValue>;
      for (;;) {
        ws();
        if (src[i] === close) break;
        const v = value(depth + 1);
        if (c === '{') {
          ws();
          if (src[i] !== ':' || typeof v !== 'string') return err('expected a string key and :');
          if (v === '__proto__') return err("key '__proto__' is not allowed");
          if (Object.hasOwn(dict, v)) return err(`key '${v}' appears twice`);
          i++;
          dict[v] = value(depth + 1);
        } else items.push(v);
        ws();
        if (src[i] === ',') i++;
        else if (src[i] !== close) return err(`expected , or ${close}`);
      }
      i++;
      return c === '{' ? dict : items;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) return err('unterminated string');
      const s = src.slice(i + 1, end);
      if (s.includes('\\')) return err('escapes are not supported');
      i = end + 1;
      return s;
    }
    const m = /^(True|False|None|-?\d+)/.exec(src.slice(i, i + 32));
    if (!m) return err('unexpected token');
    i += m[0].length;
    return m[0] === 'True' ? true : m[0] === 'False' ? false : m[0] === 'None' ? null : Number(m[0]);
  };
  const v = value(0);
  ws();
  if (i !== src.length) err('trailing characters');
  return v;
}

export interface NpyArray {
  descr: string;
  shape: number[];
  /** The data bytes (a view into the input). */
  data: Uint8Array;
}

/** Parse .npy bytes into descr, shape and data bytes; every problem a one-line ValidationError prefixed with `label`. */
export function readNpyRaw(bytes: Uint8Array, label: string): NpyArray {
  const fail = (msg: string): never => {
    throw new ValidationError(`${label}: ${msg}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) return fail('not a .npy array (bad magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major < 1 || major > 3 || bytes[7] !== 0) return fail(`unsupported .npy version ${major}.${bytes[7]}`);
  const hlen = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : Infinity;
  const start = major === 1 ? 10 : 12;
  if (start + hlen > bytes.length) return fail(`npy header length ${hlen} exceeds the member's ${bytes.length} bytes`);
  const raw = bytes.subarray(start, start + hlen);
  const text = major === 3 ? new TextDecoder().decode(raw) : Array.from(raw, (b) => String.fromCharCode(b)).join('');
  let header: PyValue;
  try {
    header = parsePyLiteral(text);
  } catch (e) {
    return fail(`bad npy header (${(e as Error).message}): ${JSON.stringify(text.trim().slice(0, 80))}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('bad npy header: not a dict');
  const keys = Object.keys(header).sort().join(',');
  if (keys !== 'descr,fortran_order,shape') return fail(`bad npy header: keys ${keys}, expected descr, fortran_order, shape`);
  const { descr, fortran_order: fortran, shape } = header;
  if (typeof descr !== 'string') return fail('bad npy header: descr is not a simple dtype string (structured arrays are not supported)');
  if (typeof fortran !== 'boolean') return fail('bad npy header: fortran_order is not True or False');
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && d >= 0 && Number.isSafeInteger(d))) {
    return fail('bad npy header: shape is not a tuple of sizes');
  }
  const dims = shape as number[];
  if (fortran && dims.filter((d) => d > 1).length > 1) {
    return fail('Fortran-order arrays are not supported (save np.ascontiguousarray(a))');
  }
  return { descr, shape: dims, data: bytes.subarray(start + hlen) };
}

/** A numeric .npy array as a tensor: '<f4' (F32), '|u1' (U8) or '|b1' (BOOL); the data size must match the shape. */
export function readNpy(bytes: Uint8Array, label: string): RawTensor {
  const a = readNpyRaw(bytes, label);
  const dtype = DTYPE_OF[a.descr];
  if (!dtype) throw new ValidationError(`${label}: unknown dtype ${a.descr} (expected <f4, |u1 or |b1)`);
  const need = numel(a.shape) * (dtype === 'F32' ? 4 : 1);
  if (a.data.length !== need) {
    throw new ValidationError(`${label}: shape (${a.shape.join(', ')}) of ${a.descr} needs ${need} data bytes but the array holds ${a.data.length}`);
  }
  const data = dtype === 'F32' ? bytesToFloat32(a.data) : new Uint8Array(a.data);
  if (dtype === 'BOOL') {
    const bad = firstNonBinary(data);
    if (bad >= 0) throw new ValidationError(`${label}: bool value ${data[bad]} at index ${bad}`);
  }
  return { dtype, shape: a.shape, data };
}

/** The text of a 0-d unicode .npy array (trailing NULs, numpy's padding, removed). */
export function readNpyString(bytes: Uint8Array, label: string): string {
  const a = readNpyRaw(bytes, label);
  const m = /^<U(\d+)$/.exec(a.descr);
  if (!m || a.shape.length !== 0) {
    throw new ValidationError(`${label}: expected a 0-d unicode array ('<U' descr, shape ()), got ${a.descr} shape (${a.shape.join(', ')})`);
  }
  const n = Number(m[1]);
  if (a.data.length !== n * 4) throw new ValidationError(`${label}: <U${n} needs ${n * 4} data bytes, the array holds ${a.data.length}`);
  const view = new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  let text = '';
  for (let i = 0; i < n; i++) {
    const cp = view.getUint32(i * 4, true);
    if (cp === 0) break;
    if (cp > 0x10ffff) throw new ValidationError(`${label}: invalid code point ${cp}`);
    text += String.fromCodePoint(cp);
  }
  return text;
}

/** Tensors (and optional metadata, as `__metadata__.npy`) as an uncompressed .npz archive. */
export function writeNpz(tensors: readonly NamedTensor[], metadata?: Record<string, string>): Uint8Array {
  const members = tensors.map((t) => {
    if (t.name === NPZ_METADATA) throw new Error(`tensor name ${NPZ_METADATA} is reserved`);
    return { name: `${t.name}.npy`, data: writeNpy(t) };
  });
  if (metadata) members.push({ name: `${NPZ_METADATA}.npy`, data: writeNpyString(JSON.stringify(metadata)) });
  return writeZip(members);
}

/** What the members of an archive may declare, checked before anything is inflated (see readNpz). */
export interface NpzLimits {
  /** Most uncompressed bytes `__metadata__.npy` may declare. */
  metadataBytes: number;
  /**
   * Most uncompressed bytes the member holding tensor `name` may declare, given the archive's metadata (null when it
   * has none). Throws (a ValidationError) for a tensor that has no place in the file.
   */
  memberBytes(name: string, metadata: Record<string, string> | null): number;
}

/** Most bytes a numpy header takes: a format 1.0 header is at most 10 + 65535 bytes, 2.0 and 3.0 headers like it. */
export const NPY_HEADER_MAX = 12 + 0xffff;
const UNLIMITED: NpzLimits = { metadataBytes: 1 << 20, memberBytes: () => Infinity };

/**
 * Parse and validate .npz bytes: every member a `.npy`, `__metadata__` (if present) a JSON string-to-string map.
 * The archive's structure is checked first (listZip); then the metadata member is read (at most
 * `limits.metadataBytes`), and every other member's declared size is checked against `limits.memberBytes` before
 * it is inflated, so a member whose declared or actual size exceeds what its tensor can hold is refused without
 * allocating it.
 */
export function readNpz(bytes: Uint8Array, label = 'npz file', limits: NpzLimits = UNLIMITED): TensorFile {
  const entries = listZip(bytes, label);
  for (const e of entries) if (!e.name.endsWith('.npy')) throw new ValidationError(`${label}: member ${e.name} is not a .npy array`);
  let metadata: Record<string, string> | null = null;
  const metaEntry = entries.find((e) => e.name === `${NPZ_METADATA}.npy`);
  if (metaEntry) {
    const file = metaEntry.name;
    if (metaEntry.usize > limits.metadataBytes) {
      throw new ValidationError(`${label}: ${file} declares ${metaEntry.usize} bytes, more than the ${limits.metadataBytes} metadata may take`);
    }
    const text = readNpyString(extractZipEntry(bytes, metaEntry, label), `${label}: ${file}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ValidationError(`${label}: ${file} is not valid JSON (${(err as Error).message.split('\n')[0]})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ValidationError(`${label}: ${file} is not a JSON object`);
    }
    const dup = firstDuplicateKey(text);
    if (dup) throw new ValidationError(`${label}: ${file}: key ${JSON.stringify(dup.key)} appears twice`);
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== 'string') throw new ValidationError(`${label}: ${file}: ${k} is not a string`);
    }
    metadata = parsed as Record<string, string>;
  }
  const tensors = new Map<string, RawTensor>();
  for (const e of entries) {
    if (e === metaEntry) continue;
    const name = e.name.slice(0, -4);
    const cap = limits.memberBytes(name, metadata);
    if (e.usize > cap) {
      throw new ValidationError(`${label}: member ${e.name} declares ${e.usize} bytes uncompressed, more than the ${cap} its tensor can take`);
    }
    tensors.set(name, readNpy(extractZipEntry(bytes, e, label), `${label}: ${e.name}`));
  }
  return { tensors, metadata };
}

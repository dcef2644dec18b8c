// A corpus of malformed snapshot files, generated from valid ones (no committed binaries): every class of damage
// the importer must refuse, each with the message it must give. Used by the import fuzz test (core, database
// unchanged) and the live serve test (uploads).
import { deflateRawSync } from 'node:zlib';
import { writeNpy, writeNpyString } from '../../src/main/store/npz';
import { encodeSnapshot } from '../../src/main/store/snapshot';
import { crc32, readZip } from '../../src/main/store/zip';
import type { Snapshot } from '../../src/main/store/snapshot';
import { makeSnapshot } from './snapshot-fixtures';
import quick from '../../resources/presets/quick.json';

export interface Case {
  name: string;
  bytes: Uint8Array;
  /** What the one-line error must say (after "snapshot <file>: "). */
  expect: RegExp;
}

/** A valid snapshot with a complete config (the quick preset), so that only the damage done to it is wrong. */
export function validSnapshot(opts: { weights?: boolean } = {}): Snapshot {
  const s = makeSnapshot('lenet-300-100', 'synthetic-mnist', { keep: 0.3, seed: 4, weights: opts.weights ?? true });
  return { ...s, meta: { ...s.meta, config: { ...quick } } };
}

type Header = Record<string, unknown>;

function split(bytes: Uint8Array): { header: Header; text: string; n: number; buf: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const text = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8').trimEnd();
  return { header: JSON.parse(text) as Header, text, n, buf: bytes.subarray(8 + n) };
}

function build(headerText: string, buf: Uint8Array): Uint8Array {
  const text = Buffer.from(headerText, 'utf8');
  const out = new Uint8Array(8 + text.length + buf.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(buf, 8 + text.length);
  return out;
}

export interface ZipSpec {
  name: string;
  data: Uint8Array;
  method?: 0 | 8;
  /** Declared uncompressed size (default: the real one). */
  usize?: number;
  /** Name in the local header (default: the same as the central directory's). */
  localName?: string;
  crc?: number;
  flags?: number;
  /** Bytes added to the declared (stored) size, so the member's span runs into the next one. */
  extraSize?: number;
  /** Already deflated bytes to store as the member (method 8), e.g. a stream too large to hold inflated. */
  deflated?: Uint8Array;
}

/**
 * The fields a local file header (from byte 4) and a central directory entry (from byte 6) share, in the same
 * layout: version needed (2.0), flags, method, time and date (left 0), CRC-32, compressed and uncompressed size,
 * name length.
 */
function writeEntryFields(buf: Buffer, at: number, f: { flags: number; method: number; crc: number; csize: number; usize: number; nameLength: number }): void {
  buf.writeUInt16LE(20, at);
  buf.writeUInt16LE(f.flags, at + 2);
  buf.writeUInt16LE(f.method, at + 4);
  buf.writeUInt32LE(f.crc, at + 10);
  buf.writeUInt32LE(f.csize, at + 14);
  buf.writeUInt32LE(f.usize, at + 18);
  buf.writeUInt16LE(f.nameLength, at + 22);
}

/** A zip archive built member by member, with any field falsified as the spec says. */
export function buildZip(specs: readonly ZipSpec[], opts: { count?: number } = {}): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const offsets: number[] = [];
  for (const s of specs) {
    const method = s.deflated ? 8 : (s.method ?? 0);
    const payload = s.deflated ? Buffer.from(s.deflated) : method === 8 ? deflateRawSync(s.data) : Buffer.from(s.data);
    const name = Buffer.from(s.name, 'utf8');
    const localName = Buffer.from(s.localName ?? s.name, 'utf8');
    const crc = s.crc ?? crc32(s.data);
    const usize = (s.usize ?? s.data.length) + (s.extraSize ?? 0);
    const fields = { flags: s.flags ?? 0, method, crc, csize: payload.length + (s.extraSize ?? 0), usize };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeEntryFields(local, 4, { ...fields, nameLength: localName.length });
    offsets.push(offset);
    parts.push(local, localName, payload);
    offset += 30 + localName.length + payload.length;
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4); // version made by
    writeEntryFields(cd, 6, { ...fields, nameLength: name.length });
    cd.writeUInt32LE(offsets[offsets.length - 1]!, 42);
    central.push(cd, name);
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(opts.count ?? specs.length, 8);
  eocd.writeUInt16LE(opts.count ?? specs.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, cdBuf, eocd]));
}

/** A valid npz as its members (name → .npy bytes), to rebuild with damage. */
export function npzMembers(snap: Snapshot): { name: string; data: Uint8Array }[] {
  return [...readZip(encodeSnapshot(snap, { format: 'npz' }))].map(([name, data]) => ({ name, data: new Uint8Array(data) }));
}

/** Replaces `from` by `to` (same length) in the first 200 bytes of a member (its npy header). */
function patchHeader(data: Uint8Array, from: string, to: string): Uint8Array {
  if (from.length !== to.length) throw new Error(`patch ${from} -> ${to}: lengths differ`);
  const out = new Uint8Array(data);
  const text = Buffer.from(out.subarray(0, 200)).toString('latin1');
  const at = text.indexOf(from);
  if (at < 0) throw new Error(`patch: ${from} not in ${text}`);
  out.set(Buffer.from(to, 'latin1'), at);
  return out;
}

/** An npy array whose header dict is `dict` (padded like numpy), followed by `data`. */
function npyWithDict(dict: string, data: Uint8Array): Uint8Array {
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const text = dict + ' '.repeat(total - 10 - dict.length - 1) + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, total - 10, true);
  out.set(Buffer.from(text, 'latin1'), 10);
  out.set(data, total);
  return out;
}

export function malformedSnapshots(): Case[] {
  const snap = validSnapshot();
  const st = encodeSnapshot(snap);
  const { header, text, n, buf } = split(st);
  const cases: Case[] = [];
  const add = (name: string, bytes: Uint8Array, expect: RegExp) => cases.push({ name, bytes, expect });
  const entry = (h: Header, k: string) => h[k] as { dtype: string; shape: number[]; data_offsets: [number, number] };
  const mutate = (f: (h: Header, b: Uint8Array) => Uint8Array | void, base = st) => {
    const p = split(base);
    const h = structuredClone(p.header);
    const b = new Uint8Array(p.buf);
    const r = f(h, b);
    return build(JSON.stringify(h), r instanceof Uint8Array ? r : b);
  };
  const floatAt = (name: string, index: number, value: number) =>
    mutate((h, b) => {
      new DataView(b.buffer).setFloat32(entry(h, name).data_offsets[0] + index * 4, value, true);
    });

  // NaN and infinities in every kind of float tensor, at the first, a middle and the last index.
  add('nan-weight.safetensors', floatAt('fc1.weight', 0, NaN), /tensor fc1\.weight: NaN at index 0 \[0, 0\]/);
  add('inf-weight.safetensors', floatAt('fc2.weight', 12345, Infinity), /tensor fc2\.weight: Infinity at index 12345 \[41, 45\]/);
  add('ninf-init.safetensors', floatAt('fc3.weight_init', 999, -Infinity), /tensor fc3\.weight_init: -Infinity at index 999 \[9, 99\]/);
  add('nan-bias.safetensors', floatAt('fc2.bias', 99, NaN), /tensor fc2\.bias: NaN at index 99 \[99\]/);
  const nanNpz = npzMembers(snap).map((m) => {
    if (m.name !== 'fc3.weight.npy') return m;
    const d = new Uint8Array(m.data);
    new DataView(d.buffer).setFloat32(d.length - 4, NaN, true);
    return { ...m, data: d };
  });
  add('nan.npz', buildZip(nanNpz), /tensor fc3\.weight: NaN at index 999 \[9, 99\]/);
  add('inf-deflated.npz', buildZip(nanNpz.map((m) => ({ ...m, method: 8 as const }))), /tensor fc3\.weight: NaN at index 999/);

  // Duplicate keys in the safetensors header, which JSON.parse would silently resolve to the last one.
  const fc1 = JSON.stringify(header['fc1.mask']);
  add('dup-tensor.safetensors', build(text.replace(/^\{/, `{"fc1.mask":${fc1},`), buf), /tensor fc1\.mask appears twice in the header/);
  add('dup-escaped.safetensors', build(text.replace(/^\{/, `{"\\u0066c1.mask":${fc1},`), buf), /tensor fc1\.mask appears twice in the header/);
  const meta = JSON.stringify(header.__metadata__);
  add('dup-metadata.safetensors', build(text.replace(/^\{/, `{"__metadata__":${meta},`), buf), /__metadata__ appears twice in the header/);
  add('dup-meta-key.safetensors', build(text.replace('"__metadata__":{', '"__metadata__":{"arch":"conv-8",'), buf), /duplicate key "arch" in __metadata__ of the header/);

  // Bad offsets, dtypes, shapes and mask values.
  add('overlap.safetensors', mutate((h) => void (entry(h, 'fc2.weight').data_offsets = [0, 120000])), /overlap|gap|needs/);
  add('offset-past-end.safetensors', mutate((h) => {
    const e = entry(h, 'fc3.bias');
    e.data_offsets = [e.data_offsets[0] + 8, e.data_offsets[1] + 8];
  }), /gap of 8 bytes|truncated/);
  add('offset-huge.safetensors', mutate((h) => void (entry(h, 'fc1.mask').data_offsets = [0, 2 ** 53 + 2])), /data_offsets is not a pair of byte offsets/);
  add('offset-negative.safetensors', mutate((h) => void (entry(h, 'fc1.mask').data_offsets = [-1, 235199])), /data_offsets is not a pair/);
  add('offsets-three.safetensors', mutate((h) => void ((entry(h, 'fc1.mask') as { data_offsets: number[] }).data_offsets = [0, 1, 2])), /data_offsets is not a pair/);
  add('dtype-f16.safetensors', mutate((h) => void (entry(h, 'fc1.weight').dtype = 'F16')), /unsupported dtype F16/);
  add('dtype-unknown.safetensors', mutate((h) => void (entry(h, 'fc1.mask').dtype = 'Q4')), /unknown dtype Q4/);
  add('dtype-number.safetensors', mutate((h) => void ((entry(h, 'fc1.mask') as { dtype: unknown }).dtype = 7)), /dtype missing/);
  add('dtype-swap.safetensors', mutate((h) => {
    const m = h['fc3.mask'];
    h['fc3.mask'] = { ...(h['fc3.bias'] as object) };
    h['fc3.bias'] = m;
  }), /tensor fc3\.(mask|bias): (dtype|shape)/);
  add('shape-transposed.safetensors', mutate((h) => void (entry(h, 'fc2.weight').shape = [300, 100])), /shape \[300, 100\] does not match the architecture's \[100, 300\]/);
  add('shape-float.safetensors', mutate((h) => void (entry(h, 'fc2.weight').shape = [100.5, 300])), /shape is not a list of sizes/);
  add('shape-huge.safetensors', mutate((h) => void (entry(h, 'fc2.weight').shape = [2 ** 40, 2 ** 40])), /needs [\d.e+]+ bytes but data_offsets/);
  add('mask-2.safetensors', mutate((h, b) => void (b[entry(h, 'fc1.mask').data_offsets[0] + 77] = 2)), /mask value 2 at index 77/);
  add('mask-255.safetensors', mutate((h, b) => void (b[entry(h, 'fc3.mask').data_offsets[1] - 1] = 255)), /mask value 255 at index 999/);
  add('bool-mask-3.safetensors', mutate((h, b) => {
    entry(h, 'fc2.mask').dtype = 'BOOL';
    b[entry(h, 'fc2.mask').data_offsets[0]] = 3;
  }), /BOOL value 3 at index 0/);
  add('header-not-object.safetensors', build('[{"fc1.mask":1}]', buf), /header is not a JSON object/);
  add('header-proto.safetensors', build(text.replace(/^\{/, '{"__proto__":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},'), buf), /tensor name "__proto__" is not/);
  add('metadata-array.safetensors', mutate((h) => void (h.__metadata__ = [1, 2])), /__metadata__ is not an object/);
  add('length-2^64-1.safetensors', (() => {
    const b = new Uint8Array(st);
    new DataView(b.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    return b;
  })(), /header length 18446744073709551615 exceeds file size/);

  // Truncation at many offsets: in the length, in the header, at tensor boundaries and inside the data.
  const tensorEnds = Object.values(header)
    .filter((v): v is { data_offsets: [number, number] } => typeof v === 'object' && v !== null && 'data_offsets' in v)
    .map((v) => 8 + n + v.data_offsets[1]);
  const cuts = [0, 3, 7, 8, 9, 40, 8 + Math.floor(n / 2), 8 + n - 1, 8 + n, 8 + n + 1, 8 + n + 4097, ...tensorEnds.slice(0, -1), st.length - 1];
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    add(`cut-${cut}.safetensors`, st.subarray(0, cut), /too short|exceeds file size|truncated|not valid JSON|not valid UTF-8|unexpected bytes/);
  }
  const npzMasks = encodeSnapshot(validSnapshot({ weights: false }), { format: 'npz' });
  for (const frac of [0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.999]) {
    const cut = Math.floor(npzMasks.length * frac);
    add(`cut-${cut}.npz`, npzMasks.subarray(0, cut), /not a zip archive|central directory|truncated/);
  }
  // 100 bytes cut out of the middle: the end record is intact but every offset after the cut is wrong.
  for (const at of [20, 1000, 100_000, 260_000]) {
    const cutOut = new Uint8Array(npzMasks.length - 100);
    cutOut.set(npzMasks.subarray(0, at));
    cutOut.set(npzMasks.subarray(at + 100), at);
    add(`hole-${at}.npz`, cutOut, /local header missing|central directory|truncated|CRC-32 mismatch|not a zip archive|names it/);
  }

  // npy headers: prototype pollution, repeated and extra keys, bad values, versions, lengths.
  const members = npzMembers(validSnapshot({ weights: false }));
  const withMember = (file: string, data: Uint8Array) => buildZip(members.map((m) => (m.name === file ? { ...m, data } : m)));
  const fc3Mask = members.find((m) => m.name === 'fc3.mask.npy')!.data;
  const fc3Data = fc3Mask.subarray(fc3Mask.length - 1000);
  const dict = (d: string) => withMember('fc3.mask.npy', npyWithDict(d, fc3Data));
  add('npy-proto.npz', dict("{'descr': '|u1', 'fortran_order': False, 'shape': (10, 100), '__proto__': {'x': 1}, }"), /key '__proto__' is not allowed/);
  add('npy-proto-only.npz', dict("{'__proto__': {'descr': '|u1'}, 'fortran_order': False, 'shape': (10, 100), }"), /key '__proto__' is not allowed/);
  add('npy-dup-key.npz', dict("{'descr': '|u1', 'descr': '<f4', 'fortran_order': False, 'shape': (10, 100), }"), /key 'descr' appears twice/);
  add('npy-extra-key.npz', dict("{'descr': '|u1', 'fortran_order': False, 'shape': (10, 100), 'note': 'x', }"), /keys descr,fortran_order,note,shape, expected/);
  add('npy-constructor.npz', dict("{'descr': '|u1', 'fortran_order': False, 'shape': (10, 100), 'constructor': 1, }"), /keys constructor,descr/);
  add('npy-descr-list.npz', dict("{'descr': [('a', '|u1')], 'fortran_order': False, 'shape': (10, 100), }"), /descr is not a simple dtype string/);
  add('npy-fortran-int.npz', dict("{'descr': '|u1', 'fortran_order': 0, 'shape': (10, 100), }"), /fortran_order is not True or False/);
  add('npy-shape-negative.npz', dict("{'descr': '|u1', 'fortran_order': False, 'shape': (-10, -100), }"), /shape is not a tuple of sizes/);
  add('npy-shape-wrong.npz', dict("{'descr': '|u1', 'fortran_order': False, 'shape': (100, 10), }"), /shape \[100, 10\] does not match the architecture's \[10, 100\]/);
  add('npy-shape-short.npz', dict("{'descr': '|u1', 'fortran_order': False, 'shape': (10, 99), }"), /needs 990 data bytes but the array holds 1000/);
  add('npy-deep.npz', dict(`{'descr': '|u1', 'fortran_order': False, 'shape': ${'('.repeat(40)}${')'.repeat(40)}, }`), /nested deeper than 16/);
  add('npy-escape.npz', dict("{'descr': '|u\\1', 'fortran_order': False, 'shape': (10, 100), }"), /escapes are not supported/);
  add('npy-f8.npz', dict("{'descr': '<f8', 'fortran_order': False, 'shape': (10, 100), }"), /unknown dtype <f8/);
  add('npy-bad-magic.npz', withMember('fc3.mask.npy', patchHeader(fc3Mask, '\x93NUMPY', '\x93NUMPX')), /bad magic/);
  add('npy-version-9.npz', withMember('fc3.mask.npy', (() => {
    const d = new Uint8Array(fc3Mask);
    d[6] = 9;
    return d;
  })()), /unsupported \.npy version 9\.0/);
  add('npy-hlen-past-end.npz', withMember('fc3.mask.npy', (() => {
    const d = new Uint8Array(fc3Mask);
    new DataView(d.buffer).setUint16(8, 60000, true);
    return d;
  })()), /npy header length 60000 exceeds/);
  add('npy-mask-value.npz', withMember('fc3.mask.npy', (() => {
    const d = new Uint8Array(fc3Mask);
    d[d.length - 1] = 7;
    return d;
  })()), /mask value 7 at index 999/);
  const meta2 = writeNpyString('{"format":"ticketscope.snapshot/1","format":"x"}');
  add('npz-dup-meta-key.npz', withMember('__metadata__.npy', meta2), /key "format" appears twice/);
  add('npz-meta-numbers.npz', withMember('__metadata__.npy', writeNpy({ dtype: 'F32', shape: [1], data: new Float32Array([1]) })), /expected a 0-d unicode array/);

  // Zip structure: names, sizes, methods, flags, overlaps, counts, checksums.
  add('zip-name-mismatch.npz', buildZip(members.map((m) => (m.name === 'fc2.mask.npy' ? { ...m, localName: 'fc2.weight.npy' } : m))), /member fc2\.mask\.npy: its local header names it "fc2\.weight\.npy"/);
  add('zip-name-mismatch-len.npz', buildZip(members.map((m) => (m.name === 'fc1.mask.npy' ? { ...m, localName: 'x.npy' } : m))), /member fc1\.mask\.npy: its local header names it/);
  add('zip-dup-member.npz', buildZip([...members, members[1]!]), /appears twice/);
  add('zip-overlap.npz', buildZip(members.map((m, i) => (i === 0 ? { ...m, extraSize: 40 } : m))), /members .* and .* overlap/);
  add('zip-count-lie.npz', buildZip(members, { count: 60000 }), /cannot hold 60000 members/);
  add('zip-encrypted.npz', buildZip(members.map((m) => ({ ...m, flags: 1 }))), /is encrypted/);
  add('zip-method-12.npz', (() => {
    const z = buildZip(members);
    const v = new DataView(z.buffer);
    const cd = v.getUint32(z.length - 22 + 16, true);
    v.setUint16(cd + 10, 12, true);
    return z;
  })(), /unsupported compression method 12/);
  add('zip-crc.npz', buildZip(members.map((m) => (m.name === 'fc2.mask.npy' ? { ...m, crc: 1234 } : m))), /CRC-32 mismatch/);
  add('zip-stored-size-lie.npz', buildZip(members.map((m) => (m.name === 'fc2.mask.npy' ? { ...m, usize: 5 } : m))), /stored sizes differ/);
  add('zip-declares-too-much.npz', buildZip(members.map((m) => (m.name === 'fc1.mask.npy' ? { ...m, method: 8 as const, usize: 50_000_000 } : m))), /declares 50000000 bytes uncompressed, more than the \d+ its tensor can take/);
  add('zip-inflates-past-declared.npz', buildZip(members.map((m) => (m.name === 'fc1.mask.npy' ? { ...m, method: 8 as const, usize: 1000 } : m))), /inflates to more than its declared 1000 bytes/);
  add('zip-unknown-member.npz', buildZip([...members, { name: 'fc9.weight.npy', data: writeNpy({ dtype: 'F32', shape: [1], data: new Float32Array(1) }) }]), /has no layer fc9/);
  add('zip-not-npy.npz', buildZip([...members, { name: 'notes.txt', data: new Uint8Array([1, 2]) }]), /member notes\.txt is not a \.npy array/);
  add('zip-bad-name.npz', buildZip([...members, { name: 'fc1_weight.npy', data: new Uint8Array(8) }]), /tensor name "fc1_weight" is not/);
  add('zip-meta-huge.npz', buildZip(members.map((m) => (m.name === '__metadata__.npy' ? { ...m, method: 8 as const, usize: 2_000_000 } : m))), /__metadata__\.npy declares 2000000 bytes/);
  add('zip-no-metadata.npz', buildZip(members.filter((m) => m.name !== '__metadata__.npy')), /no __metadata__/);
  add('zip-local-missing.npz', (() => {
    const z = buildZip(members);
    const v = new DataView(z.buffer);
    const cd = v.getUint32(z.length - 22 + 16, true);
    v.setUint32(cd + 42, 5, true); // the first member's local header offset, pointing inside it
    return z;
  })(), /local header missing at offset 5/);
  add('zip-cd-past-end.npz', (() => {
    const z = buildZip(members);
    new DataView(z.buffer).setUint32(z.length - 22 + 16, z.length, true);
    return z;
  })(), /central directory \(offset \d+, \d+ bytes\) runs past its end record/);
  add('zip-multidisk.npz', (() => {
    const z = buildZip(members);
    new DataView(z.buffer).setUint16(z.length - 22 + 4, 1, true);
    return z;
  })(), /multi-disk/);
  return cases;
}

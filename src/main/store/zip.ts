// A small zip writer and reader, enough for .npz files: the writer stores members uncompressed (method 0) with a
// fixed timestamp, so equal content gives equal bytes; the reader takes stored and deflated members (numpy's
// savez_compressed), zip64 records (numpy writes them), and checks every offset, size, name and CRC-32 against the
// file before and while it inflates (listZip, extractZipEntry): a member never inflates past its declared size.
// Not supported: encryption, multi-disk archives. Writer limit: 4 GiB per member and in all (zip32).
import { inflateRawSync } from 'node:zlib';
import { ValidationError } from '../../shared/errors';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, the zip / PNG / gzip one): crc32(ascii "123456789") = 0xcbf43926. */
export function crc32(bytes: Uint8Array, seed = 0): number {
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
/** 1980-01-01 00:00 in MS-DOS date/time fields. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
const FLAG_UTF8 = 0x0800;
const MAX32 = 0xffffffff;

export interface ZipMember {
  name: string;
  data: Uint8Array;
}

/** A zip archive of the members in order, uncompressed. Names are UTF-8 (flag bit 11 set when not ASCII). */
export function writeZip(members: readonly ZipMember[]): Uint8Array {
  const enc = new TextEncoder();
  const names = members.map((m) => enc.encode(m.name));
  let localSize = 0;
  let centralSize = 0;
  members.forEach((m, i) => {
    localSize += 30 + names[i]!.length + m.data.length;
    centralSize += 46 + names[i]!.length;
  });
  const total = localSize + centralSize + 22;
  if (localSize + centralSize > MAX32 || members.length > 0xffff) {
    throw new Error(`zip archive too large (${total} bytes, ${members.length} members): zip64 is not written`);
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  const crcs: number[] = [];
  let p = 0;
  members.forEach((m, i) => {
    const name = names[i]!;
    const flags = /^[\x20-\x7e]*$/.test(m.name) ? 0 : FLAG_UTF8;
    const crc = crc32(m.data);
    offsets.push(p);
    crcs.push(crc);
    view.setUint32(p, SIG_LOCAL, true);
    view.setUint16(p + 4, 20, true); // version needed: 2.0
    view.setUint16(p + 6, flags, true);
    view.setUint16(p + 8, 0, true); // stored
    view.setUint16(p + 10, DOS_TIME, true);
    view.setUint16(p + 12, DOS_DATE, true);
    view.setUint32(p + 14, crc, true);
    view.setUint32(p + 18, m.data.length, true);
    view.setUint32(p + 22, m.data.length, true);
    view.setUint16(p + 26, name.length, true);
    view.setUint16(p + 28, 0, true);
    out.set(name, p + 30);
    out.set(m.data, p + 30 + name.length);
    p += 30 + name.length + m.data.length;
  });
  const cdStart = p;
  members.forEach((m, i) => {
    const name = names[i]!;
    const flags = /^[\x20-\x7e]*$/.test(m.name) ? 0 : FLAG_UTF8;
    view.setUint32(p, SIG_CENTRAL, true);
    view.setUint16(p + 4, 20, true); // made by: MS-DOS, 2.0
    view.setUint16(p + 6, 20, true);
    view.setUint16(p + 8, flags, true);
    view.setUint16(p + 10, 0, true);
    view.setUint16(p + 12, DOS_TIME, true);
    view.setUint16(p + 14, DOS_DATE, true);
    view.setUint32(p + 16, crcs[i]!, true);
    view.setUint32(p + 20, m.data.length, true);
    view.setUint32(p + 24, m.data.length, true);
    view.setUint16(p + 28, name.length, true);
    // extra, comment, disk, internal and external attributes: 0
    view.setUint32(p + 42, offsets[i]!, true);
    out.set(name, p + 46);
    p += 46 + name.length;
  });
  view.setUint32(p, SIG_EOCD, true);
  view.setUint16(p + 8, members.length, true);
  view.setUint16(p + 10, members.length, true);
  view.setUint32(p + 12, p - cdStart, true);
  view.setUint32(p + 16, cdStart, true);
  return out;
}

/** True when the bytes start like a zip archive (a local header, or the end record of an empty archive). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

function u64(view: DataView, at: number, what: string, label: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ValidationError(`${label}: ${what} ${v} is too large`);
  return Number(v);
}

/** One member of an archive as its central directory and local header describe it (nothing inflated yet). */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc: number;
  /** Compressed and uncompressed sizes, as declared. */
  csize: number;
  usize: number;
  /** Where the member's (compressed) bytes start in the archive. */
  dataStart: number;
}

/**
 * The members of a zip archive, checked against the file without inflating anything: the end record (zip64 too),
 * every central directory entry, each member's local header (present, and naming the same file as the central
 * directory: a reader that trusts the local name would otherwise see a different archive), sizes and offsets
 * inside the file, members that do not overlap, no duplicates, no encryption, stored or deflated only.
 * `label` prefixes every error, e.g. "snapshot x.npz: not a zip archive (no end-of-central-directory record)".
 */
export function listZip(bytes: Uint8Array, label = 'zip archive'): ZipEntry[] {
  const fail = (msg: string): never => {
    throw new ValidationError(`${label}: ${msg}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  let eocd = -1;
  for (let p = len - 22; p >= Math.max(0, len - 22 - 0xffff); p--) {
    if (view.getUint32(p, true) === SIG_EOCD && p + 22 + view.getUint16(p + 20, true) === len) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) return fail('not a zip archive (no end-of-central-directory record)');
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0) {
    return fail('multi-disk zip archives are not supported');
  }
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  let cdEnd = eocd;
  if (count === 0xffff || cdSize === MAX32 || cdOffset === MAX32) {
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== SIG_ZIP64_LOCATOR) return fail('zip64 end record locator missing');
    const rec = u64(view, loc + 8, 'zip64 end record offset', label);
    if (rec + 56 > loc || view.getUint32(rec, true) !== SIG_ZIP64_EOCD) return fail('zip64 end record missing or misplaced');
    count = u64(view, rec + 32, 'member count', label);
    cdSize = u64(view, rec + 40, 'central directory size', label);
    cdOffset = u64(view, rec + 48, 'central directory offset', label);
    cdEnd = rec;
  }
  if (cdOffset + cdSize > cdEnd) {
    return fail(`central directory (offset ${cdOffset}, ${cdSize} bytes) runs past its end record at ${cdEnd}`);
  }
  // Every entry takes at least 46 bytes: a count the directory cannot hold is a lie (and a loop bound).
  if (count * 46 > cdSize) return fail(`central directory of ${cdSize} bytes cannot hold ${count} members`);
  const dec = new TextDecoder('utf-8', { fatal: true });
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  const spans: { name: string; from: number; to: number }[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || view.getUint32(p, true) !== SIG_CENTRAL) {
      return fail(`central directory entry ${i} is missing or corrupt`);
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let csize = view.getUint32(p + 20, true);
    let usize = view.getUint32(p + 24, true);
    const nlen = view.getUint16(p + 28, true);
    const elen = view.getUint16(p + 30, true);
    const clen = view.getUint16(p + 32, true);
    let local = view.getUint32(p + 42, true);
    const next = p + 46 + nlen + elen + clen;
    if (next > cdOffset + cdSize) return fail(`central directory entry ${i} runs past the directory`);
    const rawName = bytes.subarray(p + 46, p + 46 + nlen);
    let name: string;
    try {
      name = dec.decode(rawName);
    } catch {
      return fail(`member ${i} has a name that is not UTF-8`);
    }
    // zip64 extended information: the 64-bit values of the fields saturated at 0xffffffff, in this order.
    for (let e = p + 46 + nlen; e + 4 <= p + 46 + nlen + elen; ) {
      const id = view.getUint16(e, true);
      const size = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > e + 4 + size) return fail(`member ${name}: zip64 extra field too short`);
          const v = u64(view, q, 'zip64 field', label);
          q += 8;
          return v;
        };
        if (usize === MAX32) usize = take();
        if (csize === MAX32) csize = take();
        if (local === MAX32) local = take();
      }
      e += 4 + size;
    }
    if (flags & 1) return fail(`member ${name} is encrypted`);
    if (names.has(name)) return fail(`member ${name} appears twice`);
    names.add(name);
    if (local + 30 > cdOffset || view.getUint32(local, true) !== SIG_LOCAL) {
      return fail(`member ${name}: local header missing at offset ${local}`);
    }
    const localNameLen = view.getUint16(local + 26, true);
    const localName = bytes.subarray(local + 30, Math.min(local + 30 + localNameLen, cdOffset));
    if (localNameLen !== nlen || localName.length !== nlen || localName.some((b, k) => b !== rawName[k])) {
      const shown = Buffer.from(localName).toString('utf8').slice(0, 80);
      return fail(`member ${name}: its local header names it ${JSON.stringify(shown)} (the two names must agree)`);
    }
    const dataStart = local + 30 + localNameLen + view.getUint16(local + 28, true);
    if (dataStart + csize > cdOffset) return fail(`member ${name} is truncated (${csize} bytes at ${dataStart} run past the data)`);
    if (method !== 0 && method !== 8) return fail(`member ${name}: unsupported compression method ${method}`);
    if (method === 0 && csize !== usize) return fail(`member ${name}: stored sizes differ (${csize} and ${usize})`);
    spans.push({ name, from: local, to: dataStart + csize });
    entries.push({ name, method, crc, csize, usize, dataStart });
    p = next;
  }
  spans.sort((a, b) => a.from - b.from);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.from < spans[i - 1]!.to) return fail(`members ${spans[i - 1]!.name} and ${spans[i]!.name} overlap`);
  }
  return entries;
}

/**
 * One member's bytes, inflated if need be and CRC-checked. Inflation stops with an error as soon as the output
 * passes the member's declared size: a member that claims 1 KB cannot inflate to 1 GB (a zip bomb), and a caller
 * checks the declared size itself (against what the member may hold) before calling this.
 */
export function extractZipEntry(bytes: Uint8Array, entry: ZipEntry, label = 'zip archive'): Uint8Array {
  const fail = (msg: string): never => {
    throw new ValidationError(`${label}: ${msg}`);
  };
  const raw = bytes.subarray(entry.dataStart, entry.dataStart + entry.csize);
  let data: Uint8Array;
  if (entry.method === 0) {
    data = raw;
  } else {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.usize) });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ERR_BUFFER_TOO_LARGE') return fail(`member ${entry.name} inflates to more than its declared ${entry.usize} bytes`);
      return fail(`member ${entry.name}: cannot inflate (${e.message.split('\n')[0]})`);
    }
    if (data.length !== entry.usize) return fail(`member ${entry.name}: inflated to ${data.length} bytes, expected ${entry.usize}`);
  }
  if (crc32(data) !== entry.crc) return fail(`member ${entry.name}: CRC-32 mismatch (corrupt data)`);
  return data;
}

/**
 * The members of a zip archive, by name, decompressed and CRC-checked (listZip, then extractZipEntry for each).
 * `maxBytes(name)` bounds what each member may declare as its uncompressed size, checked before it is inflated.
 */
export function readZip(bytes: Uint8Array, label = 'zip archive', maxBytes: (name: string) => number = () => Infinity): Map<string, Uint8Array> {
  const members = new Map<string, Uint8Array>();
  for (const entry of listZip(bytes, label)) {
    const cap = maxBytes(entry.name);
    if (entry.usize > cap) throw new ValidationError(`${label}: member ${entry.name} declares ${entry.usize} bytes, more than the ${cap} it may hold`);
    members.set(entry.name, extractZipEntry(bytes, entry, label));
  }
  return members;
}

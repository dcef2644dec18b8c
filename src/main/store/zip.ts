// A small zip writer and reader, enough for .npz files: the writer stores members uncompressed (method 0) with a
// fixed timestamp, so equal content gives equal bytes; the reader takes stored and deflated members (numpy's
// savez_compressed), zip64 records (numpy writes them), and checks every offset, size and CRC-32 against the file.
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

/**
 * The members of a zip archive, by name, decompressed and CRC-checked. `label` prefixes every error, e.g.
 * "snapshot x.npz: not a zip archive (no end-of-central-directory record)".
 */
export function readZip(bytes: Uint8Array, label = 'zip archive'): Map<string, Uint8Array> {
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
  const dec = new TextDecoder('utf-8', { fatal: true });
  const members = new Map<string, Uint8Array>();
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
    let name: string;
    try {
      name = dec.decode(bytes.subarray(p + 46, p + 46 + nlen));
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
    if (members.has(name)) return fail(`member ${name} appears twice`);
    if (local + 30 > cdOffset || view.getUint32(local, true) !== SIG_LOCAL) {
      return fail(`member ${name}: local header missing at offset ${local}`);
    }
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + csize > cdOffset) return fail(`member ${name} is truncated (${csize} bytes at ${start} run past the data)`);
    const raw = bytes.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) {
      if (csize !== usize) return fail(`member ${name}: stored sizes differ (${csize} and ${usize})`);
      data = raw;
    } else if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, usize) });
      } catch (err) {
        return fail(`member ${name}: cannot inflate (${(err as Error).message.split('\n')[0]})`);
      }
      if (data.length !== usize) return fail(`member ${name}: inflated to ${data.length} bytes, expected ${usize}`);
    } else {
      return fail(`member ${name}: unsupported compression method ${method}`);
    }
    if (crc32(data) !== crc) return fail(`member ${name}: CRC-32 mismatch (corrupt data)`);
    members.set(name, data);
    p = next;
  }
  return members;
}

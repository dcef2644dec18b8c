// A small reader for tar archives held in memory (POSIX ustar, with the GNU long-name and pax extensions that GNU
// tar and Python's tarfile write). It only lists members and hands out views of their bytes: nothing is ever
// written to a path taken from the archive. Every problem is a DataFileError naming the archive.
import { DataFileError } from './io';

const BLOCK = 512;

export interface TarEntry {
  /** Member path, without a leading `./`. */
  name: string;
  type: 'file' | 'directory' | 'other';
  /** A view into the archive buffer (empty for directories). */
  data: Buffer;
}

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end >= 0 && end < start + length ? end : start + length);
}

/** Numeric header field: octal text, or (GNU, for large values) base-256 when the first byte has its top bit set. */
function numberField(buf: Buffer, start: number, length: number): number | null {
  if (buf[start]! & 0x80) {
    let v = buf[start]! & 0x7f;
    for (let i = 1; i < length; i++) v = v * 256 + buf[start + i]!;
    return v;
  }
  const text = cString(buf, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return null;
  return parseInt(text, 8);
}

function headerChecksumOk(buf: Buffer, off: number): boolean {
  const stored = numberField(buf, off + 148, 8);
  if (stored === null) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : buf[off + i]!;
  return sum === stored;
}

function isZeroBlock(buf: Buffer, off: number): boolean {
  for (let i = 0; i < BLOCK; i++) if (buf[off + i] !== 0) return false;
  return true;
}

/** Pax extended header records: `LEN key=value\n`. */
function parsePax(data: Buffer, file: string): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = parseInt(data.toString('utf8', pos, sp), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) throw new DataFileError(file, 'bad tar archive: malformed pax header');
    const record = data.toString('utf8', sp + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

const normalise = (name: string): string => name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');

/** Lists the members of a tar archive (already gunzipped). `file` names the archive in errors. */
export function readTar(buf: Buffer, file: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let off = 0;
  let longName: string | null = null;
  let pax: Map<string, string> | null = null;
  for (;;) {
    if (off >= buf.length) break; // no end-of-archive blocks: tolerated, as GNU tar does
    if (off + BLOCK > buf.length) throw new DataFileError(file, `truncated: tar archive ends inside a header at byte ${off}`);
    if (isZeroBlock(buf, off)) break;
    if (!headerChecksumOk(buf, off)) {
      throw new DataFileError(file, off === 0 ? 'not a tar archive (bad header checksum)' : `bad tar archive: bad header checksum at byte ${off}`);
    }
    const magic = buf.toString('latin1', off + 257, off + 263);
    let name = cString(buf, off, 100);
    if (magic === 'ustar\0') {
      const prefix = cString(buf, off + 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    let size = numberField(buf, off + 124, 12);
    if (size === null) throw new DataFileError(file, `bad tar archive: bad size field at byte ${off}`);
    const typeflag = String.fromCharCode(buf[off + 156]!);
    if (pax?.has('size')) size = Number(pax.get('size'));
    const dataStart = off + BLOCK;
    if (dataStart + size > buf.length) {
      throw new DataFileError(file, `truncated: member ${normalise(longName ?? pax?.get('path') ?? name)} needs ${size} bytes, the archive has ${Math.max(0, buf.length - dataStart)} left`);
    }
    const data = buf.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (typeflag === 'x') {
      pax = parsePax(data, file);
      continue;
    }
    if (typeflag === 'g' || typeflag === 'K') continue; // global pax header, GNU long link name
    const fullName = normalise(pax?.get('path') ?? longName ?? name);
    longName = null;
    pax = null;
    const type = typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'directory' : 'other';
    entries.push({ name: fullName, type, data: type === 'file' ? data : data.subarray(0, 0) });
  }
  return entries;
}

/**
 * Picks the regular-file members named `wanted` (base names) from `entries`, all in one folder of the archive
 * (`preferFolder` if it holds them, else wherever they are). Throws naming the archive and the missing members.
 */
export function pickMembers(entries: readonly TarEntry[], wanted: readonly string[], file: string, preferFolder?: string): Map<string, Buffer> {
  const byFolder = new Map<string, Map<string, Buffer>>();
  for (const e of entries) {
    if (e.type !== 'file') continue;
    const slash = e.name.lastIndexOf('/');
    const base = e.name.slice(slash + 1);
    if (!wanted.includes(base)) continue;
    const folder = slash >= 0 ? e.name.slice(0, slash) : '';
    const m = byFolder.get(folder) ?? new Map<string, Buffer>();
    m.set(base, e.data);
    byFolder.set(folder, m);
  }
  const candidates = [...byFolder.entries()].sort((a, b) => {
    const pa = a[0] === preferFolder || a[0].endsWith(`/${preferFolder}`) ? 1 : 0;
    const pb = b[0] === preferFolder || b[0].endsWith(`/${preferFolder}`) ? 1 : 0;
    return pb - pa || b[1].size - a[1].size;
  });
  const best = candidates[0]?.[1] ?? new Map<string, Buffer>();
  const missing = wanted.filter((w) => !best.has(w));
  if (missing.length) throw new DataFileError(file, `tar without the expected member${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return best;
}

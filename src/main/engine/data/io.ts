// File helpers shared by the data-set parsers, importers and the downloader: one-line errors that name the file,
// gzip detection and decompression, reading with progress, hashing.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ValidationError } from '../../../shared/errors';

/** A data file is malformed: `FILE: problem`, one line. Bad input, so the CLI exits with 2. */
export class DataFileError extends ValidationError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DataFileError';
  }
}

/** Progress of a long data operation (download, read, conversion), with an ETA when the total is known. */
export interface DataProgress {
  /** What is being done, e.g. `download`, `read`, `write`. */
  stage: string;
  /** The file concerned (a name, not a path). */
  file: string;
  bytes: number;
  total: number | null;
  /** Seconds left for this file at the pace so far; null until it can be estimated. */
  etaSeconds: number | null;
  /** True on the last report for this file. */
  done: boolean;
}

export type ProgressFn = (p: DataProgress) => void;

/** Builds progress reports for one file, estimating the ETA from the rate since it started. */
export class ProgressMeter {
  private readonly t0 = Date.now();
  constructor(
    private readonly onProgress: ProgressFn | undefined,
    private readonly stage: string,
    private readonly file: string,
    private total: number | null,
  ) {}

  setTotal(total: number | null): void {
    this.total = total;
  }

  report(bytes: number, done = false): void {
    if (!this.onProgress) return;
    const elapsed = (Date.now() - this.t0) / 1000;
    let eta: number | null = null;
    if (done) eta = 0;
    else if (this.total !== null && bytes > 0 && elapsed > 0.2) eta = Math.max(0, ((this.total - bytes) * elapsed) / bytes);
    this.onProgress({ stage: this.stage, file: this.file, bytes, total: this.total, etaSeconds: eta, done });
  }
}

export const GZIP_MAGIC = [0x1f, 0x8b] as const;

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1];
}

/** Upper bound on what one data file may decompress to (the largest real one, CIFAR-10's tar, is ~185 MB). */
export const MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

/** Gunzips `buf` when it starts with the gzip magic bytes; returns it unchanged otherwise. */
export function maybeGunzip(buf: Buffer, file: string): Buffer {
  if (!isGzip(buf)) return buf;
  try {
    return gunzipSync(buf, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ERR_BUFFER_TOO_LARGE' ? 'decompresses to more than 1 GiB' : (e.message || String(err)).split('\n')[0]!;
    throw new DataFileError(file, `bad gzip: ${why}`);
  }
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Reads a whole file, reporting progress as it goes (chunks of 4 MiB; synchronous reads, so it suits files of up
 * to a few hundred MB), then gunzips it when it is gzipped. Errors name `label` (the path as the user gave it).
 */
export function readDataFile(path: string, label: string, onProgress?: ProgressFn, stage = 'read'): Buffer {
  let size: number;
  let fd: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new DataFileError(label, 'not a regular file');
    size = st.size;
    fd = openSync(path, 'r');
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    throw new DataFileError(label, `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const name = label.split(/[\\/]/).pop() ?? label;
  const meter = new ProgressMeter(onProgress, stage, name, size);
  const buf = Buffer.allocUnsafe(size);
  try {
    let pos = 0;
    while (pos < size) {
      const n = readSync(fd, buf, pos, Math.min(CHUNK, size - pos), pos);
      if (n === 0) break;
      pos += n;
      meter.report(pos);
    }
    if (pos !== size) throw new DataFileError(label, `file shrank while reading (${pos} of ${size} bytes)`);
  } finally {
    closeSync(fd);
  }
  meter.report(size, true);
  return maybeGunzip(buf, label);
}

export function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

// Downloads a real data set from its published URLs into the data folder: each file is streamed to disk inside the
// install's temporary folder with progress (bytes, total, ETA), its MD5 checked against the published value, then
// converted and validated like a local import. Mirrors are tried in order for each file. A failed download leaves
// nothing behind (the temporary folder goes) and never touches an existing copy.
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { writeCifarFromTar, writeIdxSet } from './convert';
import type { IdxSources } from './convert';
import { installDataset } from './folder';
import type { DatasetManifest } from './folder';
import { ProgressMeter } from './io';
import type { ProgressFn } from './io';
import { IDX_FILES, REAL_DATASETS, requireRealDataset } from './registry';
import type { DownloadFile, RealDatasetInfo } from './registry';

/** A download failed (network, HTTP status, checksum): a runtime failure, CLI exit code 1. */
export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  /** Expected MD5 (lower-case hex) of the whole file; a mismatch fails the download. */
  md5?: string;
  onProgress?: ProgressFn;
  /** Fail when no data arrives for this long (default 30 s). */
  idleTimeoutMs?: number;
  maxRedirects?: number;
}

export interface DownloadResult {
  bytes: number;
  md5: string;
  sha256: string;
}

function get(url: string, idleTimeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolveRes, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new DownloadError(`${url}: not a valid URL`));
      return;
    }
    const mod = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : null;
    if (!mod) {
      reject(new DownloadError(`${url}: only http and https URLs are supported`));
      return;
    }
    const req = mod.get(parsed, { headers: { 'user-agent': 'ticketscope' } }, resolveRes);
    req.setTimeout(idleTimeoutMs, () => req.destroy(new DownloadError(`${url}: no response for ${Math.round(idleTimeoutMs / 1000)} s`)));
    req.on('error', (err) => reject(err instanceof DownloadError ? err : new DownloadError(`${url}: ${err.message.split('\n')[0]}`)));
  });
}

/**
 * Downloads `url` to `dest` (following redirects), hashing as it streams. On any failure `dest` is removed and a
 * DownloadError names the URL and the problem (HTTP status, connection closed early, checksum mismatch).
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const idle = opts.idleTimeoutMs ?? 30_000;
  const name = dest.split(/[\\/]/).pop() ?? dest;
  let current = url;
  let res: IncomingMessage;
  for (let hop = 0; ; hop++) {
    res = await get(current, idle);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= (opts.maxRedirects ?? 5)) throw new DownloadError(`${url}: too many redirects`);
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new DownloadError(`${current}: HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`);
    }
    break;
  }
  const response = res;
  const lengthHeader = response.headers['content-length'];
  const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  const meter = new ProgressMeter(opts.onProgress, 'download', name, total);
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  let bytes = 0;
  const out = createWriteStream(dest);
  try {
    await new Promise<void>((done, fail) => {
      let lastReport = 0;
      response.setTimeout(idle, () => response.destroy(new DownloadError(`${current}: no data for ${Math.round(idle / 1000)} s after ${bytes} bytes`)));
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        md5.update(chunk);
        sha.update(chunk);
        if (!out.write(chunk)) {
          response.pause();
          out.once('drain', () => response.resume());
        }
        const t = Date.now();
        if (t - lastReport >= 100) {
          lastReport = t;
          meter.report(bytes);
        }
      });
      response.on('aborted', () => fail(new DownloadError(`${current}: connection closed after ${bytes} bytes`)));
      response.on('error', (err) => fail(err instanceof DownloadError ? err : new DownloadError(`${current}: ${err.message}`)));
      response.on('end', () => {
        if (!response.complete) fail(new DownloadError(`${current}: connection closed after ${bytes} bytes`));
        else out.end(() => done());
      });
      out.on('error', (err) => fail(new Error(`${dest}: cannot write (${(err as NodeJS.ErrnoException).code ?? err.message})`)));
    });
    if (total !== null && bytes !== total) throw new DownloadError(`${current}: got ${bytes} bytes, the server announced ${total}`);
    const result = { bytes, md5: md5.digest('hex'), sha256: sha.digest('hex') };
    if (opts.md5 && result.md5 !== opts.md5.toLowerCase()) {
      throw new DownloadError(`${name}: checksum mismatch: md5 ${result.md5}, expected ${opts.md5.toLowerCase()} (from ${current})`);
    }
    meter.report(bytes, true);
    return result;
  } catch (err) {
    response.destroy();
    out.destroy();
    rmSync(dest, { force: true });
    throw err;
  }
}

export interface FetchOptions {
  onProgress?: ProgressFn;
  /** Base URLs to use instead of the published ones (a local mirror; the tests' local server). */
  mirrors?: readonly string[];
  /** Files and checksums to use instead of the published ones (tests). */
  downloads?: readonly DownloadFile[];
  idleTimeoutMs?: number;
}

/** Downloads one file from the first mirror that serves it with the right checksum. */
async function downloadFromMirrors(file: DownloadFile, mirrors: readonly string[], dir: string, opts: FetchOptions): Promise<{ path: string; url: string }> {
  const errors: string[] = [];
  const dest = join(dir, file.name);
  for (const base of mirrors) {
    const url = new URL(file.name, base.endsWith('/') ? base : `${base}/`).toString();
    try {
      await downloadFile(url, dest, { md5: file.md5, onProgress: opts.onProgress, idleTimeoutMs: opts.idleTimeoutMs });
      return { path: dest, url };
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  throw new DownloadError(errors.length === 1 ? errors[0]! : `${file.name}: every mirror failed: ${errors.join('; ')}`);
}

/** `ticketscope data fetch NAME`: downloads, checks, converts and installs a real data set. */
export async function fetchDataset(name: string, dataDir: string, opts: FetchOptions = {}): Promise<DatasetManifest> {
  const info: RealDatasetInfo = REAL_DATASETS[requireRealDataset(name, 'fetch')];
  const mirrors = opts.mirrors ?? info.mirrors;
  const downloads = opts.downloads ?? info.downloads;
  return installDataset(dataDir, info, async (tmp) => {
    const got = new Map<string, { path: string; url: string }>();
    for (const file of downloads) got.set(file.name, await downloadFromMirrors(file, mirrors, tmp, opts));
    const from = [...got.values()].map((g) => g.url);
    const verified = opts.downloads ? 'md5 of each download matched the given value' : 'md5 of each download matched the published value';
    if (info.format === 'idx') {
      const src = (key: keyof typeof IDX_FILES) => {
        const g = got.get(`${IDX_FILES[key]}.gz`) ?? got.get(IDX_FILES[key]);
        if (!g) throw new Error(`fetch ${name}: no download for ${IDX_FILES[key]}`);
        return { path: g.path, label: g.url };
      };
      const sources: IdxSources = { trainImages: src('trainImages'), trainLabels: src('trainLabels'), testImages: src('testImages'), testLabels: src('testLabels') };
      return { ...writeIdxSet(info, sources, tmp, opts.onProgress), source: { kind: 'download', from, verified } };
    }
    const tar = [...got.values()][0];
    if (!tar) throw new Error(`fetch ${name}: nothing downloaded`);
    return { ...writeCifarFromTar(tar.path, tar.url, tmp, opts.onProgress), source: { kind: 'download', from, verified } };
  });
}

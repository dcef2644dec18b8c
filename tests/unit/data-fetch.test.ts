// The downloader against a local HTTP server on 127.0.0.1 serving generated files (never the network).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DownloadError, downloadFile, fetchDataset } from '../../src/main/engine/data/fetch';
import { readManifest } from '../../src/main/engine/data/folder';
import type { DataProgress } from '../../src/main/engine/data/io';
import { loadDataset } from '../../src/main/engine/data/index';
import type { DownloadFile } from '../../src/main/engine/data/registry';
import { tempDir } from '../helpers/cli';
import { cifarMembers, dirEntries, idxSet, makeTar, serveFiles } from '../helpers/data-fixtures';
import type { Behaviour, Served } from '../helpers/data-fixtures';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const tmp = tempDir('ticketscope-fetch-');
let n = 0;
const fresh = (what: string) => join(tmp.dir, `${what}-${++n}`);

const idx = idxSet(60, 20, true);
const cifarTgz = gzipSync(makeTar(cifarMembers(3)));
const files = new Map<string, Buffer>([...idx, ['cifar-10-binary.tar.gz', cifarTgz], ['big.bin', Buffer.alloc(300_000, 9)]]);
for (const [name, buf] of idx) files.set(`wrong/${name}`, name.startsWith('train-images') ? idx.get('train-labels-idx1-ubyte.gz')! : buf);
const idxDownloads: DownloadFile[] = [...idx].map(([name, buf]) => ({ name, md5: md5(buf), approxBytes: buf.length }));

let server: Served;
let mode: (path: string) => Behaviour = () => 'ok';
beforeAll(async () => {
  server = await serveFiles(files, (p) => mode(p));
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('downloadFile', () => {
  it('streams a file to disk with progress (bytes, total, ETA) and its checksums', async () => {
    mode = () => 'ok';
    const dest = join(fresh('dl'), 'big.bin');
    mkdirSync(join(dest, '..'));
    const progress: DataProgress[] = [];
    const r = await downloadFile(`${server.url}big.bin`, dest, { md5: md5(files.get('big.bin')!), onProgress: (p) => progress.push(p) });
    expect(r.bytes).toBe(300_000);
    expect(readFileSync(dest).equals(files.get('big.bin')!)).toBe(true);
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({ stage: 'download', file: 'big.bin', bytes: 300_000, total: 300_000, etaSeconds: 0, done: true });
  });

  it('follows redirects', async () => {
    mode = () => 'redirect';
    const dir = fresh('dl');
    mkdirSync(dir);
    await downloadFile(`${server.url}big.bin`, join(dir, 'big.bin'));
    expect(server.requests.slice(-2)).toEqual(['/big.bin', '/r/big.bin']);
    mode = () => 'ok';
  });

  it('rejects a checksum mismatch, an HTTP error and a cut connection, removing the partial file', async () => {
    const dir = fresh('dl');
    mkdirSync(dir);
    const dest = join(dir, 'big.bin');
    mode = () => 'ok';
    let err = await rejection(downloadFile(`${server.url}big.bin`, dest, { md5: '0'.repeat(32) }));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toBe(`big.bin: checksum mismatch: md5 ${md5(files.get('big.bin')!)}, expected ${'0'.repeat(32)} (from ${server.url}big.bin)`);
    expect(existsSync(dest)).toBe(false);
    err = await rejection(downloadFile(`${server.url}nothing.bin`, dest));
    expect(err.message).toBe(`${server.url}nothing.bin: HTTP 404 Not Found`);
    mode = () => 'truncate';
    err = await rejection(downloadFile(`${server.url}big.bin`, dest));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toMatch(/big\.bin: (connection closed after \d+ bytes|got \d+ bytes, the server announced 300000)/);
    expect(existsSync(dest)).toBe(false);
    mode = () => 'ok';
    err = await rejection(downloadFile('http://127.0.0.1:1/x.bin', dest));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toMatch(/^http:\/\/127\.0\.0\.1:1\/x\.bin: connect ECONNREFUSED/);
    expect(dirEntries(dir)).toEqual([]);
  });
});

describe('fetchDataset', () => {
  it('downloads, checks, converts and installs an IDX set, with progress', async () => {
    mode = () => 'ok';
    const dataDir = fresh('data');
    const progress: DataProgress[] = [];
    const m = await fetchDataset('fashion-mnist', dataDir, { mirrors: [server.url], downloads: idxDownloads, onProgress: (p) => progress.push(p) });
    expect(m.counts).toEqual({ train: 60, test: 20 });
    expect(m.source).toMatchObject({ kind: 'download', from: idxDownloads.map((d) => `${server.url}${d.name}`) });
    expect(dirEntries(dataDir)).toEqual(['fashion-mnist']);
    expect(dirEntries(join(dataDir, 'fashion-mnist'))).not.toContain('train-images-idx3-ubyte.gz');
    expect(progress.filter((p) => p.stage === 'download' && p.done).map((p) => p.file)).toEqual(idxDownloads.map((d) => d.name));
    expect(loadDataset({ dataset: 'fashion-mnist', validation: 10 }, { dataDir }).train.n).toBe(50);
  });

  it('falls back to the next mirror when one fails', async () => {
    mode = () => 'ok';
    const dataDir = fresh('data');
    const m = await fetchDataset('mnist', dataDir, { mirrors: [`${server.url}missing/`, server.url], downloads: idxDownloads });
    expect(m.source.from[0]).toBe(`${server.url}${idxDownloads[0]!.name}`);
  });

  it('downloads and installs CIFAR-10 from its tarball', async () => {
    const dataDir = fresh('data');
    const m = await fetchDataset('cifar10', dataDir, { mirrors: [server.url], downloads: [{ name: 'cifar-10-binary.tar.gz', md5: md5(cifarTgz), approxBytes: 0 }] });
    expect(m.counts).toEqual({ train: 15, test: 3 });
    expect(dirEntries(join(dataDir, 'cifar10'))).not.toContain('cifar-10-binary.tar.gz');
    expect(loadDataset({ dataset: 'cifar10', validation: 5 }, { dataDir }).features).toBe(3072);
  });

  it('rejects a checksum mismatch with nothing left behind and a good copy untouched', async () => {
    const dataDir = fresh('data');
    const good = await fetchDataset('fashion-mnist', dataDir, { mirrors: [server.url], downloads: idxDownloads });
    const wrong = idxDownloads.map((d, i) => (i === 2 ? { ...d, md5: 'f'.repeat(32) } : d));
    const err = await rejection(fetchDataset('fashion-mnist', dataDir, { mirrors: [server.url], downloads: wrong }));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toMatch(/^t10k-images-idx3-ubyte\.gz: checksum mismatch: md5 [0-9a-f]{32}, expected f{32}/);
    expect(dirEntries(dataDir)).toEqual(['fashion-mnist']);
    expect(readManifest(dataDir, 'fashion-mnist')).toEqual(good);
    const empty = fresh('data');
    mode = (p) => (p.includes('t10k-labels') ? 'truncate' : 'ok');
    await rejection(fetchDataset('fashion-mnist', empty, { mirrors: [server.url], downloads: idxDownloads }));
    mode = () => 'ok';
    expect(dirEntries(empty)).toEqual([]);
  });

  it('rejects a download that passes its checksum but is not a valid file, nothing left behind', async () => {
    const dataDir = fresh('data');
    // Under /wrong/ the "images" file holds labels: the checksum given matches, the parser rejects it.
    const wrong = idxDownloads.map((d) => ({ ...d, md5: md5(files.get(`wrong/${d.name}`)!) }));
    const err = await rejection(fetchDataset('fashion-mnist', dataDir, { mirrors: [`${server.url}wrong/`], downloads: wrong }));
    expect(err.message).toBe(`${server.url}wrong/train-images-idx3-ubyte.gz: wrong magic number 0x00000801 (expected 0x00000803, IDX images)`);
    expect(dirEntries(dataDir)).toEqual([]);
    expect((await rejection(fetchDataset('synthetic-mnist', dataDir))).message).toMatch(/generated on the fly/);
    expect((await rejection(fetchDataset('svhn', dataDir))).message).toMatch(/^unknown data set "svhn"/);
  });
});

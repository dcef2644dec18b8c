// Generated data-set files for the data tests: IDX images and labels, CIFAR-10 binary batches, ustar archives, and
// a local HTTP server to download them from. Everything is small and deterministic.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeCifarBatch } from '../../src/main/engine/data/cifar';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, encodeIdx } from '../../src/main/engine/data/idx';

/** Labels 0..9 in a fixed shuffled-looking order. */
export function labelsFor(n: number, offset = 0): Uint8Array {
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = ((i + offset) * 7 + 3) % 10;
  return y;
}

/** Images whose pixels depend on the label (a bright band at a class-dependent row) plus deterministic noise. */
export function imagesFor(labels: Uint8Array, rows = 28, cols = 28, channels = 1): Uint8Array {
  const px = new Uint8Array(labels.length * rows * cols * channels);
  let s = 12345;
  for (let i = 0; i < labels.length; i++) {
    const band = 2 + labels[i]! * 2;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        for (let ch = 0; ch < channels; ch++) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const noise = (s >>> 24) & 63;
          const on = r === band || r === band + 1 ? 160 : 0;
          px[((i * rows + r) * cols + c) * channels + ch] = Math.min(255, on + noise + ch * 20);
        }
      }
    }
  }
  return px;
}

export function idxImages(n: number, offset = 0, rows = 28, cols = 28): Buffer {
  return encodeIdx(IDX_IMAGES_MAGIC, [n, rows, cols], imagesFor(labelsFor(n, offset), rows, cols));
}

export function idxLabels(n: number, offset = 0): Buffer {
  return encodeIdx(IDX_LABELS_MAGIC, [n], labelsFor(n, offset));
}

export const IDX_NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;

/** The four IDX files of a tiny MNIST-style set, as name -> bytes (gzipped names end in .gz). */
export function idxSet(train: number, test: number, gz: boolean): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const add = (name: string, buf: Buffer) => files.set(gz ? `${name}.gz` : name, gz ? gzipSync(buf) : buf);
  add(IDX_NAMES[0], idxImages(train));
  add(IDX_NAMES[1], idxLabels(train));
  add(IDX_NAMES[2], idxImages(test, 5));
  add(IDX_NAMES[3], idxLabels(test, 5));
  return files;
}

export function writeFiles(dir: string, files: Map<string, Buffer>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, buf] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), buf);
  }
  return dir;
}

export const CIFAR_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** A CIFAR binary batch of n records; returns the file and the NHWC pixels and labels it encodes. */
export function cifarBatch(n: number, offset: number): { buf: Buffer; labels: Uint8Array; pixels: Uint8Array } {
  const labels = labelsFor(n, offset);
  const pixels = imagesFor(labels, 32, 32, 3);
  return { buf: encodeCifarBatch(labels, pixels), labels, pixels };
}

/** The CIFAR-10 binary members (n records per batch), as tar member name -> bytes, under cifar-10-batches-bin/. */
export function cifarMembers(n: number, folder = 'cifar-10-batches-bin'): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  const names = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
  names.forEach((name, i) => m.set(`${folder}/${name}`, cifarBatch(n, i * 100).buf));
  m.set(`${folder}/batches.meta.txt`, Buffer.from(`${CIFAR_CLASSES.join('\n')}\n\n`));
  m.set(`${folder}/readme.html`, Buffer.from('<p>generated</p>\n'));
  return m;
}

function octal(buf: Buffer, off: number, len: number, value: number): void {
  buf.write(`${value.toString(8).padStart(len - 1, '0')}\0`, off, len, 'latin1');
}

/** A ustar archive (with directory entries for the folders of the members), ended by two zero blocks. */
export function makeTar(members: Map<string, Buffer>, opts: { endBlocks?: boolean } = {}): Buffer {
  const blocks: Buffer[] = [];
  const header = (name: string, size: number, type: string) => {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100, 'utf8');
    octal(h, 100, 8, type === '5' ? 0o755 : 0o644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, 1_600_000_000);
    h.write('        ', 148, 8, 'latin1');
    h.write(type, 156, 1, 'latin1');
    h.write('ustar\0', 257, 6, 'latin1');
    h.write('00', 263, 2, 'latin1');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
    return h;
  };
  const dirs = new Set<string>();
  for (const [name, data] of members) {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = `${parts.slice(0, i).join('/')}/`;
      if (!dirs.has(d)) {
        dirs.add(d);
        blocks.push(header(d, 0, '5'));
      }
    }
    blocks.push(header(name, data.length, '0'), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (opts.endBlocks !== false) blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function dirEntries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export interface Served {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export type Behaviour = 'ok' | 'redirect' | 'truncate' | 'stall' | 'missing';

/**
 * Serves `files` on 127.0.0.1 (any free port). `behaviour` may change a response: `redirect` answers 302 to the
 * same path under /r/, `truncate` announces the full length but closes half-way, `stall` sends half and then waits.
 */
export function serveFiles(files: Map<string, Buffer>, behaviour: (path: string) => Behaviour = () => 'ok'): Promise<Served> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    requests.push(path);
    const real = path.replace(/^\/r\//, '/');
    const body = files.get(real.slice(1));
    const b = path.startsWith('/r/') ? 'ok' : behaviour(real);
    if (!body || b === 'missing') {
      res.writeHead(404).end('not found');
      return;
    }
    if (b === 'redirect') {
      res.writeHead(302, { location: `/r${real}` }).end();
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' });
    if (b === 'truncate' || b === 'stall') {
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      if (b === 'truncate') setTimeout(() => res.destroy(), 20);
      return;
    }
    // In pieces, so progress has something to report.
    const piece = Math.max(1, Math.ceil(body.length / 8));
    for (let i = 0; i < body.length; i += piece) res.write(body.subarray(i, i + piece));
    res.end();
  });
  return new Promise((ok) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      ok({
        url: `http://127.0.0.1:${port}/`,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

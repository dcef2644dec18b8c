// Zip bombs: an .npz of about 1.5 MB whose member inflates to 1 GiB (it declares so, or lies and declares the
// legitimate size) is refused with one line, and the importing process (the built CLI, in a child process, so its
// peak memory can be measured) stays within a small multiple of the largest legitimate tensor above a baseline
// import of a small valid snapshot. Before the fix, this file took 2.2 GB of memory and 15 s to refuse.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeflateRaw, crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSnapshot, snapshotLayers } from '../../src/main/store/snapshot';
import { buildZip, npzMembers } from '../helpers/snapshot-corpus';
import { makeSnapshot } from '../helpers/snapshot-fixtures';
import { ROOT, assertBuilt, tempDir } from '../helpers/cli';
import quick from '../../resources/presets/quick.json';

const tmp = tempDir('ticketscope-bomb-');
const GIB = 1 << 30;
const ARCH = 'conv-2';
const DATASET = 'synthetic-cifar';
/** The largest tensor a conv-2 snapshot holds: fc1.weight, [256, 16384] F32. */
const LARGEST = Math.max(...snapshotLayers(ARCH, DATASET).map((l) => l.torchShape.reduce((a, b) => a * b, 1) * 4));

beforeAll(() => assertBuilt());
afterAll(() => tmp.cleanup());

const snapshot = () => {
  const s = makeSnapshot(ARCH, DATASET, { weights: false, keep: 0.2 });
  return { ...s, meta: { ...s.meta, config: { ...quick, arch: ARCH, dataset: DATASET } } };
};

/** A 0-d-free npy header (format 1.0) for an F32 array of `shape`, as numpy writes it. */
function npyHeader(shape: number[]): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const out = Buffer.alloc(total, 0x20);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(out);
  out.writeUInt16LE(total - 10, 8);
  out.write(dict, 10, 'latin1');
  out[total - 1] = 0x0a;
  return out;
}

/** `header` then `zeros` zero bytes, deflated as a stream (never held whole), with its CRC-32. */
async function deflatedZeros(header: Buffer, zeros: number): Promise<{ data: Buffer; crc: number; size: number }> {
  const z = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((r) => z.on('end', r));
  let crc = crc32(header);
  z.write(header);
  const chunk = Buffer.alloc(1 << 20);
  for (let left = zeros; left > 0; left -= chunk.length) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    crc = crc32(piece, crc);
    if (!z.write(piece)) await new Promise((r) => z.once('drain', r));
  }
  z.end();
  await ended;
  return { data: Buffer.concat(out), crc, size: header.length + zeros };
}

/** An npz of the snapshot's masks (deflated) plus one deflated bomb member, `declared` its claimed uncompressed size. */
function bombNpz(member: string, bomb: { data: Buffer; crc: number }, declared: number): Uint8Array {
  const members = npzMembers(snapshot());
  const meta = members.find((m) => m.name === '__metadata__.npy')!;
  const rest = members.filter((m) => m !== meta).map((m) => ({ ...m, method: 8 as const }));
  return buildZip([meta, { name: member, data: new Uint8Array(0), deflated: bomb.data, crc: bomb.crc, usize: declared }, ...rest]);
}

/** Imports `file` with the built CLI in a child process; its exit code, stderr and peak resident memory (bytes). */
function importIn(file: string, db: string): { code: number | null; stderr: string; peak: number; seconds: number } {
  const script = join(tmp.dir, 'import.mjs');
  writeFileSync(
    script,
    `const { main } = await import(${JSON.stringify(`file://${join(ROOT, 'out', 'main', 'cli.js')}`)});\n` +
      `const code = await main(['import', process.argv[2], '--db', process.argv[3]]);\n` +
      `process.stdout.write('\\n' + JSON.stringify({ code, peak: process.resourceUsage().maxRSS * 1024 }) + '\\n');\n`,
  );
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [script, file, db], { encoding: 'utf8', timeout: 120_000 });
  const seconds = (Date.now() - t0) / 1000;
  const last = r.stdout.trim().split('\n').pop() ?? '{}';
  const { code, peak } = JSON.parse(last) as { code: number; peak: number };
  return { code, stderr: r.stderr, peak, seconds };
}

describe('zip bombs', () => {
  it('are refused in one line within a bounded amount of memory', { timeout: 300_000 }, async () => {
    const small = join(tmp.dir, 'small.npz');
    writeFileSync(small, encodeSnapshot(snapshot(), { format: 'npz' }));
    const baseline = importIn(small, join(tmp.dir, 'base.db'));
    expect(baseline.code, baseline.stderr).toBe(0);

    const shape = [256, 16384];
    const header = npyHeader(shape);
    const gib = await deflatedZeros(header, GIB);
    const legit = header.length + LARGEST;
    const bombs = [
      ['declares 1 GiB', bombNpz('fc1.weight.npy', gib, gib.size), /member fc1\.weight\.npy declares \d+ bytes uncompressed, more than the \d+ its tensor can take/],
      ['declares the legitimate size, inflates to 1 GiB', bombNpz('fc1.weight.npy', gib, legit), /member fc1\.weight\.npy inflates to more than its declared \d+ bytes/],
      ['a member of another name', bombNpz('fc2.weight.npy', gib, legit), /member fc2\.weight\.npy declares \d+ bytes uncompressed, more than the \d+ its tensor can take/],
    ] as const;
    const lines: string[] = [`baseline (valid ${ARCH} masks): peak ${(baseline.peak / 2 ** 20).toFixed(0)} MiB in ${baseline.seconds.toFixed(1)} s`];
    for (const [name, bytes, message] of bombs) {
      const file = join(tmp.dir, 'bomb.npz');
      writeFileSync(file, bytes);
      const db = join(tmp.dir, `bomb-${name.length}.db`);
      const r = importIn(file, db);
      expect(r.code, name).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      const extra = r.peak - baseline.peak;
      lines.push(`${name}: ${(bytes.length / 2 ** 20).toFixed(2)} MB file, peak ${(r.peak / 2 ** 20).toFixed(0)} MiB (${extra >= 0 ? '+' : ''}${(extra / 2 ** 20).toFixed(0)} MiB against the baseline) in ${r.seconds.toFixed(1)} s`);
      // Within three times the largest legitimate tensor (fc1.weight, 16 MiB) above a small valid import.
      expect(extra, name).toBeLessThan(3 * LARGEST);
    }
    console.log(`zip bombs (largest ${ARCH} tensor ${(LARGEST / 2 ** 20).toFixed(0)} MiB):\n  ${lines.join('\n  ')}`);
  });
});

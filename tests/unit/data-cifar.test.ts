import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CIFAR_IMAGE_BYTES, CIFAR_RECORD_BYTES, encodeCifarBatch, parseCifarBatch, parseCifarMeta, validateCifarBatch } from '../../src/main/engine/data/cifar';
import { DataFileError } from '../../src/main/engine/data/io';
import { pickMembers, readTar } from '../../src/main/engine/data/tar';
import { tempDir } from '../helpers/cli';
import { CIFAR_CLASSES, cifarBatch, cifarMembers, makeTar } from '../helpers/data-fixtures';

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('CIFAR-10 binary batches', () => {
  it('parses records and converts CHW to HWC', () => {
    // One record by hand: red plane all 1, green 2, blue 3, except pixel (row 0, col 1) = 10, 20, 30.
    const rec = Buffer.alloc(CIFAR_RECORD_BYTES);
    rec[0] = 5;
    rec.fill(1, 1, 1 + 1024);
    rec.fill(2, 1 + 1024, 1 + 2048);
    rec.fill(3, 1 + 2048, 1 + 3072);
    rec[1 + 1] = 10;
    rec[1 + 1024 + 1] = 20;
    rec[1 + 2048 + 1] = 30;
    const b = parseCifarBatch(rec, 'one.bin');
    expect(b.n).toBe(1);
    expect(b.labels[0]).toBe(5);
    expect([...b.pixels.subarray(0, 6)]).toEqual([1, 2, 3, 10, 20, 30]);
    expect(b.pixels.length).toBe(CIFAR_IMAGE_BYTES);
  });

  it('round-trips generated batches and fills a larger split in place', () => {
    const a = cifarBatch(4, 0);
    const b = cifarBatch(3, 50);
    const out = { pixels: new Uint8Array(7 * CIFAR_IMAGE_BYTES), labels: new Uint8Array(7), at: 0 };
    out.at += parseCifarBatch(a.buf, 'a', out).n;
    out.at += parseCifarBatch(b.buf, 'b', out).n;
    expect([...out.labels]).toEqual([...a.labels, ...b.labels]);
    expect(Buffer.from(out.pixels).equals(Buffer.concat([a.pixels, b.pixels]))).toBe(true);
    expect(encodeCifarBatch(a.labels, a.pixels).equals(a.buf)).toBe(true);
  });

  it('rejects wrong sizes and labels out of range, naming the file', () => {
    const { buf } = cifarBatch(3, 0);
    expect(caught(() => validateCifarBatch(buf.subarray(0, buf.length - 5), 'd.bin')).message).toBe(
      'd.bin: wrong size: 9214 bytes is not a whole number of 3073-byte records (2 records and 3068 bytes over; truncated?)',
    );
    expect(caught(() => validateCifarBatch(Buffer.alloc(0), 'd.bin')).message).toBe('d.bin: wrong size: empty file');
    const bad = Buffer.from(buf);
    bad[CIFAR_RECORD_BYTES * 2] = 10;
    const err = caught(() => parseCifarBatch(bad, 'd.bin'));
    expect(err).toBeInstanceOf(DataFileError);
    expect(err.message).toBe('d.bin: label 10 out of range 0..9 in record 2');
  });

  it('reads class names from batches.meta.txt; dog is class 5', () => {
    const names = parseCifarMeta(Buffer.from(`${CIFAR_CLASSES.join('\r\n')}\r\n\r\n`), 'm');
    expect(names).toEqual(CIFAR_CLASSES);
    expect(names.indexOf('dog')).toBe(5);
    expect(caught(() => parseCifarMeta(Buffer.from('a\nb\n'), 'm')).message).toBe('m: expected 10 class names, found 2');
  });
});

describe('tar reader', () => {
  it('lists the members of a generated ustar archive', () => {
    const members = cifarMembers(2);
    const entries = readTar(makeTar(members), 'x.tar');
    const files = entries.filter((e) => e.type === 'file');
    expect(files.map((e) => e.name)).toEqual([...members.keys()]);
    for (const f of files) expect(f.data.equals(members.get(f.name)!)).toBe(true);
    expect(entries.find((e) => e.type === 'directory')?.name).toBe('cifar-10-batches-bin');
    const picked = pickMembers(entries, ['test_batch.bin', 'batches.meta.txt'], 'x.tar', 'cifar-10-batches-bin');
    expect(picked.get('test_batch.bin')!.equals(members.get('cifar-10-batches-bin/test_batch.bin')!)).toBe(true);
  });

  it('tolerates a missing end-of-archive marker', () => {
    const entries = readTar(makeTar(new Map([['a.txt', Buffer.from('hello')]]), { endBlocks: false }), 'x.tar');
    expect(entries.map((e) => [e.name, e.data.toString()])).toEqual([['a.txt', 'hello']]);
  });

  it('rejects truncated archives, bad headers and archives without the expected members', () => {
    const tar = makeTar(cifarMembers(2));
    expect(caught(() => readTar(tar.subarray(0, 3000), 'c.tar')).message).toMatch(/^c\.tar: truncated: member cifar-10-batches-bin\/data_batch_1\.bin needs 6146 bytes, the archive has \d+ left$/);
    expect(caught(() => readTar(tar.subarray(0, 700), 'c.tar')).message).toBe('c.tar: truncated: tar archive ends inside a header at byte 512');
    expect(caught(() => readTar(Buffer.from('not a tar archive at all'.repeat(40)), 'c.tar')).message).toBe('c.tar: not a tar archive (bad header checksum)');
    const members = cifarMembers(1);
    members.delete('cifar-10-batches-bin/data_batch_3.bin');
    members.delete('cifar-10-batches-bin/test_batch.bin');
    const entries = readTar(makeTar(members), 'c.tar');
    expect(caught(() => pickMembers(entries, ['data_batch_1.bin', 'data_batch_3.bin', 'test_batch.bin'], 'c.tar')).message).toBe(
      'c.tar: tar without the expected members data_batch_3.bin, test_batch.bin',
    );
  });

  it('reads archives written by the system tar (GNU and pax formats, long names)', (ctx) => {
    if (spawnSync('tar', ['--version']).status !== 0) {
      console.log('skipped: no system tar');
      ctx.skip();
    }
    const tmp = tempDir('ticketscope-tar-');
    try {
      const deep = join(tmp.dir, 'src', 'a'.repeat(60), 'b'.repeat(60));
      mkdirSync(deep, { recursive: true });
      writeFileSync(join(deep, 'long-file-name.bin'), Buffer.alloc(1000, 7));
      writeFileSync(join(tmp.dir, 'src', 'short.txt'), 'short');
      for (const format of ['gnu', 'pax', 'ustar']) {
        const out = join(tmp.dir, `${format}.tar`);
        const r = spawnSync('tar', [`--format=${format}`, '-cf', out, '-C', join(tmp.dir, 'src'), '.'], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        const entries = readTar(readFileSync(out), out);
        const long = entries.find((e) => e.name.endsWith('long-file-name.bin'));
        expect(long?.name).toBe(`${'a'.repeat(60)}/${'b'.repeat(60)}/long-file-name.bin`);
        expect(long?.data.equals(Buffer.alloc(1000, 7))).toBe(true);
        expect(entries.find((e) => e.name === 'short.txt')?.data.toString()).toBe('short');
      }
    } finally {
      tmp.cleanup();
    }
  });
});

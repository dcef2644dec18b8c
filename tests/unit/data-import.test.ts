import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadDataset } from '../../src/main/engine/data/index';
import { datasetStatus, readManifest } from '../../src/main/engine/data/folder';
import { importDataset } from '../../src/main/engine/data/import';
import type { DataProgress } from '../../src/main/engine/data/io';
import { sha256 } from '../../src/main/engine/data/io';
import { ValidationError } from '../../src/shared/errors';
import { tempDir } from '../helpers/cli';
import { CIFAR_CLASSES, IDX_NAMES, cifarBatch, cifarMembers, dirEntries, idxLabels, idxSet, labelsFor, makeTar, writeFiles } from '../helpers/data-fixtures';

const tmp = tempDir('ticketscope-data-');
afterAll(() => tmp.cleanup());
let n = 0;
const fresh = (what: string) => join(tmp.dir, `${what}-${++n}`);

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('import MNIST-style sets (IDX)', () => {
  it('imports a folder of gzipped files: stored uncompressed, with a manifest, loadable with the hold-out', async () => {
    const src = writeFiles(fresh('src'), idxSet(300, 50, true));
    const dataDir = fresh('data');
    const progress: DataProgress[] = [];
    const m = await importDataset('fashion-mnist', src, dataDir, { onProgress: (p) => progress.push(p) });
    expect(m).toMatchObject({ format: 'ticketscope.dataset/1', name: 'fashion-mnist', counts: { train: 300, test: 50 }, shape: [28, 28, 1] });
    expect(m.classes[0]).toBe('T-shirt/top');
    expect(m.source.kind).toBe('import');
    expect(Date.parse(m.importedAt)).toBeGreaterThan(0);
    expect(dirEntries(dataDir)).toEqual(['fashion-mnist']);
    expect(dirEntries(join(dataDir, 'fashion-mnist'))).toEqual([...IDX_NAMES, 'manifest.json'].sort());
    for (const f of m.files) expect(sha256(readFileSync(join(dataDir, 'fashion-mnist', f.name)))).toBe(f.sha256);
    expect(readManifest(dataDir, 'fashion-mnist')).toEqual(m);
    expect(progress.some((p) => p.done && p.file === 'train-images-idx3-ubyte.gz' && p.bytes === p.total)).toBe(true);

    const d = loadDataset({ dataset: 'fashion-mnist', validation: 40 }, { dataDir });
    expect(d).toMatchObject({ name: 'fashion-mnist', inputShape: [28, 28, 1], features: 784, numClasses: 10 });
    expect([d.train.n, d.validation.n, d.test.n]).toEqual([260, 40, 50]);
    expect(d.classNames?.[9]).toBe('Ankle boot');
    // Normalised with the training split's constants: mean 0, std 1 there.
    let s = 0;
    let sq = 0;
    for (const v of d.train.x) {
      s += v;
      sq += v * v;
    }
    expect(s / d.train.x.length).toBeCloseTo(0, 4);
    expect(Math.sqrt(sq / d.train.x.length)).toBeCloseTo(1, 4);
    expect(d.normalisation.perChannel).toBeUndefined();
    // Test labels come through in file order; the hold-out is a fixed permutation.
    expect([...d.test.y]).toEqual([...labelsFor(50, 5)]);
    const again = loadDataset({ dataset: 'fashion-mnist', validation: 41 }, { dataDir });
    const back = loadDataset({ dataset: 'fashion-mnist', validation: 40 }, { dataDir });
    expect(again.validation.n).toBe(41);
    expect([...back.validation.y]).toEqual([...d.validation.y]);
    expect(() => loadDataset({ dataset: 'fashion-mnist', validation: 300 }, { dataDir })).toThrow(/validation \(300\) must be .* smaller than the training set \(300\)/);
  });

  it('imports raw (uncompressed) files and MNIST', async () => {
    const src = writeFiles(fresh('src'), idxSet(30, 20, false));
    const dataDir = fresh('data');
    const m = await importDataset('mnist', src, dataDir);
    expect(m.counts).toEqual({ train: 30, test: 20 });
    expect(datasetStatus(dataDir, 'mnist').present).toBe(true);
    expect(loadDataset({ dataset: 'mnist', validation: 10 }, { dataDir }).train.n).toBe(20);
  });

  it('says how to get a data set that is not in the folder', () => {
    const dataDir = fresh('empty');
    expect(() => loadDataset({ dataset: 'fashion-mnist', validation: 10 }, { dataDir })).toThrow(
      `data set fashion-mnist not found in ${dataDir}; run \`ticketscope data fetch fashion-mnist\` or \`ticketscope data import fashion-mnist PATH\``,
    );
  });

  const corrupt: [string, (files: Map<string, Buffer>) => void, RegExp][] = [
    ['a truncated gzip', (f) => f.set('train-images-idx3-ubyte.gz', f.get('train-images-idx3-ubyte.gz')!.subarray(0, 500)), /train-images-idx3-ubyte\.gz: bad gzip: unexpected end of file$/],
    ['a wrong magic number', (f) => f.set('t10k-images-idx3-ubyte.gz', gzipSync(idxLabels(20))), /t10k-images-idx3-ubyte\.gz: wrong magic number 0x00000801 \(expected 0x00000803, IDX images\)$/],
    ['counts that do not match', (f) => f.set('t10k-labels-idx1-ubyte.gz', gzipSync(idxLabels(19))), /t10k-labels-idx1-ubyte\.gz: counts do not match: 19 labels but .*t10k-images-idx3-ubyte\.gz has 20 images$/],
    ['a label out of range', (f) => {
      const b = idxLabels(30);
      b[8 + 4] = 200;
      f.set('train-labels-idx1-ubyte.gz', gzipSync(b));
    }, /train-labels-idx1-ubyte\.gz: label 200 out of range 0\.\.9 at index 4$/],
    ['a missing file', (f) => f.delete('t10k-labels-idx1-ubyte.gz'), /: no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte\.gz found/],
  ];
  for (const [what, spoil, message] of corrupt) {
    it(`rejects ${what}, leaving nothing in the data folder and a good copy untouched`, async () => {
      const files = idxSet(30, 20, true);
      spoil(files);
      const src = writeFiles(fresh('bad'), files);
      const dataDir = fresh('data');
      const err = await rejection(importDataset('fashion-mnist', src, dataDir));
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('\n');
      expect(dirEntries(dataDir)).toEqual([]);
      // With a good copy in place, a failed import keeps it exactly as it was.
      const good = await importDataset('fashion-mnist', writeFiles(fresh('good'), idxSet(40, 20, false)), dataDir);
      await rejection(importDataset('fashion-mnist', src, dataDir));
      expect(dirEntries(dataDir)).toEqual(['fashion-mnist']);
      expect(readManifest(dataDir, 'fashion-mnist')).toEqual(good);
      expect(datasetStatus(dataDir, 'fashion-mnist').present).toBe(true);
    });
  }

  it('replaces an existing copy with a good new import', async () => {
    const dataDir = fresh('data');
    await importDataset('mnist', writeFiles(fresh('a'), idxSet(30, 20, false)), dataDir);
    const m = await importDataset('mnist', writeFiles(fresh('b'), idxSet(50, 20, true)), dataDir);
    expect(readManifest(dataDir, 'mnist')?.counts.train).toBe(50);
    expect(m.counts.train).toBe(50);
    expect(dirEntries(dataDir)).toEqual(['mnist']);
    expect(loadDataset({ dataset: 'mnist', validation: 10 }, { dataDir }).train.n).toBe(40);
  });

  it('removes temporary folders left by a process that died, and restores a copy caught mid-swap', async () => {
    const dataDir = fresh('data');
    await importDataset('mnist', writeFiles(fresh('a'), idxSet(30, 20, false)), dataDir);
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max default: no such process
    mkdirSync(join(dataDir, `.tmp-fashion-mnist-${deadPid}-abcdef`));
    renameSync(join(dataDir, 'mnist'), join(dataDir, `.old-mnist-${deadPid}-0a1b2c3d`));
    await importDataset('fashion-mnist', writeFiles(fresh('b'), idxSet(30, 20, false)), dataDir);
    expect(dirEntries(dataDir)).toEqual(['fashion-mnist', 'mnist']);
    expect(datasetStatus(dataDir, 'mnist').present).toBe(true);
  });

  it('rejects unknown and synthetic names and missing paths', async () => {
    const dataDir = fresh('data');
    expect((await rejection(importDataset('imagenet', tmp.dir, dataDir))).message).toBe('unknown data set "imagenet"; real data sets: mnist, fashion-mnist, cifar10');
    expect((await rejection(importDataset('synthetic-mnist', tmp.dir, dataDir))).message).toBe('synthetic-mnist is generated on the fly; there is nothing to import');
    expect((await rejection(importDataset('mnist', join(tmp.dir, 'nope'), dataDir))).message).toBe(`${join(tmp.dir, 'nope')}: no such file or folder`);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('imports the real Fashion-MNIST from Debian (60000/10000)', async (ctx) => {
    const debian = '/usr/share/datasets/fashion-mnist';
    if (!existsSync(debian)) {
      console.log(`skipped: ${debian} is absent (apt-get install dataset-fashion-mnist)`);
      ctx.skip();
    }
    const dataDir = fresh('real');
    const m = await importDataset('fashion-mnist', debian, dataDir);
    expect(m.counts).toEqual({ train: 60000, test: 10000 });
    const d = loadDataset({ dataset: 'fashion-mnist', validation: 5000 }, { dataDir });
    expect([d.train.n, d.validation.n, d.test.n]).toEqual([55000, 5000, 10000]);
    // Fashion-MNIST's pixel mean is about 0.286 and std about 0.353.
    expect(d.normalisation.mean).toBeGreaterThan(0.27);
    expect(d.normalisation.mean).toBeLessThan(0.3);
    expect(d.normalisation.std).toBeGreaterThan(0.34);
    expect(d.normalisation.std).toBeLessThan(0.37);
    const counts = new Array<number>(10).fill(0);
    for (const y of d.test.y) counts[y]!++;
    expect(counts).toEqual(new Array<number>(10).fill(1000));
  });
});

describe('import CIFAR-10 (binary version)', () => {
  it('imports a .tar.gz and loads NHWC floats with per-channel normalisation', async () => {
    const tarPath = join(fresh('src'), 'cifar-10-binary.tar.gz');
    writeFiles(join(tarPath, '..'), new Map([['cifar-10-binary.tar.gz', gzipSync(makeTar(cifarMembers(4)))]]));
    const dataDir = fresh('data');
    const m = await importDataset('cifar10', tarPath, dataDir);
    expect(m.counts).toEqual({ train: 20, test: 4 });
    expect(m.classes).toEqual(CIFAR_CLASSES);
    expect(dirEntries(join(dataDir, 'cifar10'))).toEqual(
      ['batches.meta.txt', 'data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'manifest.json', 'test_batch.bin'],
    );
    const d = loadDataset({ dataset: 'cifar10', validation: 5 }, { dataDir });
    expect(d).toMatchObject({ inputShape: [32, 32, 3], features: 3072, numClasses: 10 });
    expect([d.train.n, d.validation.n, d.test.n]).toEqual([15, 5, 4]);
    expect(d.classNames?.[5]).toBe('dog');
    const per = d.normalisation.perChannel!;
    expect(per.mean).toHaveLength(3);
    // The test split, un-normalised, gives back the generated NHWC bytes.
    const test = cifarBatch(4, 500);
    expect([...d.test.y]).toEqual([...test.labels]);
    for (let i = 0; i < 3072 * 4; i += 97) {
      const c = i % 3;
      expect(Math.round((d.test.x[i]! * per.std[c]! + per.mean[c]!) * 255) + 0).toBe(test.pixels[i]);
    }
    // Each channel has mean 0 on the training split.
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let i = c; i < d.train.x.length; i += 3) s += d.train.x[i]!;
      expect(s / (d.train.x.length / 3)).toBeCloseTo(0, 4);
    }
  });

  it('imports an extracted folder (and a folder holding cifar-10-batches-bin)', async () => {
    const root = fresh('src');
    const members = cifarMembers(2);
    writeFiles(root, new Map([...members].map(([k, v]) => [k, v])));
    const dataDir = fresh('data');
    expect((await importDataset('cifar10', root, dataDir)).counts).toEqual({ train: 10, test: 2 });
    expect((await importDataset('cifar10', join(root, 'cifar-10-batches-bin'), fresh('data'))).counts.test).toBe(2);
  });

  const bad: [string, (m: Map<string, Buffer>) => void, RegExp][] = [
    ['a tar without the expected members', (m) => m.delete('cifar-10-batches-bin/data_batch_4.bin'), /cifar\.tar\.gz: tar without the expected member data_batch_4\.bin$/],
    ['a batch of the wrong size', (m) => m.set('cifar-10-batches-bin/data_batch_2.bin', cifarBatch(2, 0).buf.subarray(10)), /cifar\.tar\.gz:data_batch_2\.bin: wrong size: 6136 bytes is not a whole number of 3073-byte records/],
    ['a label out of range', (m) => {
      const b = Buffer.from(cifarBatch(2, 0).buf);
      b[3073] = 11;
      m.set('cifar-10-batches-bin/test_batch.bin', b);
    }, /cifar\.tar\.gz:test_batch\.bin: label 11 out of range 0\.\.9 in record 1$/],
    ['a meta file without ten names', (m) => m.set('cifar-10-batches-bin/batches.meta.txt', Buffer.from('cat\ndog\n')), /batches\.meta\.txt: expected 10 class names, found 2$/],
  ];
  for (const [what, spoil, message] of bad) {
    it(`rejects ${what} with nothing left behind`, async () => {
      const members = cifarMembers(2);
      spoil(members);
      const src = fresh('src');
      writeFiles(src, new Map([['cifar.tar.gz', gzipSync(makeTar(members))]]));
      const dataDir = fresh('data');
      const err = await rejection(importDataset('cifar10', join(src, 'cifar.tar.gz'), dataDir));
      expect(err.message).toMatch(message);
      expect(dirEntries(dataDir)).toEqual([]);
    });
  }

  it('rejects a bad gzip and a truncated tarball', async () => {
    const src = fresh('src');
    const tgz = gzipSync(makeTar(cifarMembers(2)));
    writeFiles(src, new Map([['cut.tar.gz', tgz.subarray(0, tgz.length - 40)], ['cut.tar', makeTar(cifarMembers(2)).subarray(0, 9000)]]));
    writeFileSync(join(src, 'junk.tar.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    const dataDir = fresh('data');
    expect((await rejection(importDataset('cifar10', join(src, 'cut.tar.gz'), dataDir))).message).toMatch(/cut\.tar\.gz: bad gzip: unexpected end of file$/);
    expect((await rejection(importDataset('cifar10', join(src, 'junk.tar.gz'), dataDir))).message).toMatch(/junk\.tar\.gz: bad gzip: /);
    expect((await rejection(importDataset('cifar10', join(src, 'cut.tar'), dataDir))).message).toMatch(/cut\.tar: truncated: member cifar-10-batches-bin\/data_batch_2\.bin needs 6146 bytes/);
    expect(dirEntries(dataDir)).toEqual([]);
  });
});

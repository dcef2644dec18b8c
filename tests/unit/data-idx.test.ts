import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, checkPair, encodeIdx, parseIdxImages, parseIdxLabels } from '../../src/main/engine/data/idx';
import { DataFileError, isGzip, maybeGunzip } from '../../src/main/engine/data/io';
import { ValidationError } from '../../src/shared/errors';
import { idxImages, idxLabels, imagesFor, labelsFor } from '../helpers/data-fixtures';

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('IDX parser', () => {
  it('reads raw and gzipped image and label files to the same bytes', () => {
    const raw = idxImages(12);
    const gz = gzipSync(raw);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(raw)).toBe(false);
    const a = parseIdxImages(raw, 'a');
    const b = parseIdxImages(gz, 'b.gz');
    expect(a).toMatchObject({ n: 12, rows: 28, cols: 28 });
    expect(Buffer.from(b.pixels).equals(Buffer.from(imagesFor(labelsFor(12))))).toBe(true);
    expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true);
    const l = parseIdxLabels(gzipSync(idxLabels(12)), 'l.gz');
    expect(l.n).toBe(12);
    expect([...l.labels]).toEqual([...labelsFor(12)]);
    expect(() => checkPair(a, 'a', l, 'l')).not.toThrow();
  });

  it('accepts other image sizes only when asked for them', () => {
    const img = idxImages(3, 0, 32, 32);
    expect(parseIdxImages(img, 'x', [32, 32]).rows).toBe(32);
    expect(caught(() => parseIdxImages(img, 'x')).message).toBe('x: wrong image size 32x32 (expected 28x28)');
  });

  const images = idxImages(10);
  const labels = idxLabels(10);
  const cases: [string, () => unknown, string][] = [
    ['wrong magic (labels given as images)', () => parseIdxImages(labels, 'f'), 'f: wrong magic number 0x00000801 (expected 0x00000803, IDX images)'],
    ['wrong magic (images given as labels)', () => parseIdxLabels(images, 'f'), 'f: wrong magic number 0x00000803 (expected 0x00000801, IDX labels)'],
    ['wrong magic (other data type)', () => parseIdxImages(Buffer.from([0, 0, 0x0d, 3, ...images.subarray(4)]), 'f'), 'f: wrong magic number 0x00000d03 (expected 0x00000803, IDX images)'],
    ['shorter than the magic number', () => parseIdxImages(Buffer.from([0, 0]), 'f'), 'f: truncated: 2 bytes, too short for an IDX header'],
    ['truncated header', () => parseIdxImages(images.subarray(0, 10), 'f'), 'f: truncated: 10 bytes, the IDX header needs 16'],
    ['truncated images', () => parseIdxImages(images.subarray(0, images.length - 100), 'f'), `f: truncated: the header says 10 images of 28x28 (7856 bytes), the file has 7756 bytes`],
    ['truncated labels', () => parseIdxLabels(labels.subarray(0, 13), 'f'), 'f: truncated: the header says 10 labels (18 bytes), the file has 13 bytes'],
    ['trailing bytes', () => parseIdxLabels(Buffer.concat([labels, Buffer.alloc(3)]), 'f'), 'f: wrong size: 21 bytes, the header says 10 labels (18 bytes)'],
    ['zero images', () => parseIdxImages(encodeIdx(IDX_IMAGES_MAGIC, [0, 28, 28], new Uint8Array(0)), 'f'), 'f: wrong size: the header says 0 images'],
    ['label out of range', () => parseIdxLabels(encodeIdx(IDX_LABELS_MAGIC, [3], Uint8Array.from([1, 10, 2])), 'f'), 'f: label 10 out of range 0..9 at index 1'],
    ['bad gzip (corrupt stream)', () => parseIdxImages(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 'f.gz'), 'f.gz: bad gzip: '],
    ['bad gzip (truncated)', () => parseIdxImages(gzipSync(images).subarray(0, 200), 'f.gz'), 'f.gz: bad gzip: unexpected end of file'],
  ];
  for (const [what, fn, message] of cases) {
    it(`rejects ${what} with a one-line error naming the file`, () => {
      const err = caught(fn);
      expect(err).toBeInstanceOf(DataFileError);
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message.startsWith(message)).toBe(true);
      expect(err.message).not.toContain('\n');
    });
  }

  it('rejects images and labels whose counts differ', () => {
    const err = caught(() => checkPair(parseIdxImages(idxImages(10), 'imgs'), 'imgs', parseIdxLabels(idxLabels(9), 'lbls'), 'lbls'));
    expect(err.message).toBe('lbls: counts do not match: 9 labels but imgs has 10 images');
  });

  it('leaves files without the gzip magic untouched', () => {
    const buf = Buffer.from('plain');
    expect(maybeGunzip(buf, 'x')).toBe(buf);
  });
});

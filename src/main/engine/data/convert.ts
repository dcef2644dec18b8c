// Turns source files (downloaded or local) into the files a data set keeps in the data folder, validating them on
// the way: MNIST-style sets are stored as four uncompressed IDX files, CIFAR-10 as its six binary batches plus
// batches.meta.txt. Used by both `data fetch` and `data import`; everything is written into the temporary folder
// that installDataset gives.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../../../shared/errors';
import { CIFAR_NUM_CLASSES, parseCifarMeta, validateCifarBatch } from './cifar';
import type { ManifestDraft } from './folder';
import { checkPair, parseIdxImages, parseIdxLabels } from './idx';
import { DataFileError, readDataFile } from './io';
import type { ProgressFn } from './io';
import { CIFAR_META, CIFAR_TAR_FOLDER, CIFAR_TEST_BATCH, CIFAR_TRAIN_BATCHES, IDX_FILES } from './registry';
import type { RealDatasetInfo } from './registry';
import { pickMembers, readTar } from './tar';

export type IdxKey = keyof typeof IDX_FILES;

/** Where each of the four IDX files is: the path to read and the label to name it by in errors. */
export type IdxSources = Record<IdxKey, { path: string; label: string }>;

/**
 * Finds the four IDX files in a folder: `train-images-idx3-ubyte` and the like, gzipped (`.gz`) or not, also with
 * the dotted names of the original MNIST site (`train-images.idx3-ubyte`). Throws naming the folder and the file
 * that is missing.
 */
export function findIdxFiles(dir: string): IdxSources {
  const out: Partial<IdxSources> = {};
  for (const key of Object.keys(IDX_FILES) as IdxKey[]) {
    const base = IDX_FILES[key];
    const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
    const candidates = [base, `${base}.gz`, dotted, `${dotted}.gz`];
    const found = candidates.map((c) => join(dir, c)).find((p) => existsSync(p) && statSync(p).isFile());
    if (!found) throw new ValidationError(`${dir}: no ${base} or ${base}.gz found (the folder must hold the four IDX files of the data set)`);
    out[key] = { path: found, label: found };
  }
  return out as IdxSources;
}

/** Reads, validates and stores the four IDX files (uncompressed) in `tmpDir`. */
export function writeIdxSet(info: RealDatasetInfo, sources: IdxSources, tmpDir: string, onProgress?: ProgressFn): Omit<ManifestDraft, 'source'> {
  const shape: [number, number] = [info.shape[0], info.shape[1]];
  const counts = { train: 0, test: 0 };
  const splits = [
    ['train', 'trainImages', 'trainLabels'],
    ['test', 'testImages', 'testLabels'],
  ] as const;
  for (const [split, imgKey, lblKey] of splits) {
    const imgSrc = sources[imgKey];
    const lblSrc = sources[lblKey];
    const images = parseIdxImages(readDataFile(imgSrc.path, imgSrc.label, onProgress), imgSrc.label, shape);
    const labels = parseIdxLabels(readDataFile(lblSrc.path, lblSrc.label, onProgress), lblSrc.label, info.classes.length);
    checkPair(images, imgSrc.label, labels, lblSrc.label);
    // Store the validated bytes, uncompressed.
    writeFileSync(join(tmpDir, IDX_FILES[imgKey]), images.raw);
    writeFileSync(join(tmpDir, IDX_FILES[lblKey]), labels.raw);
    counts[split] = images.n;
  }
  return { classes: [...info.classes], counts };
}

const CIFAR_BATCHES = [...CIFAR_TRAIN_BATCHES, CIFAR_TEST_BATCH];

/** Validates CIFAR batch and meta buffers (named by `label(name)` in errors) and writes them to `tmpDir`. */
function writeCifarFiles(members: Map<string, Buffer>, label: (name: string) => string, tmpDir: string): Omit<ManifestDraft, 'source'> {
  const classes = parseCifarMeta(members.get(CIFAR_META)!, label(CIFAR_META));
  if (classes.length !== CIFAR_NUM_CLASSES) throw new DataFileError(label(CIFAR_META), `expected ${CIFAR_NUM_CLASSES} class names`);
  const counts = { train: 0, test: 0 };
  for (const name of CIFAR_BATCHES) {
    const buf = members.get(name)!;
    const n = validateCifarBatch(buf, label(name));
    if (name === CIFAR_TEST_BATCH) counts.test += n;
    else counts.train += n;
    writeFileSync(join(tmpDir, name), buf);
  }
  writeFileSync(join(tmpDir, CIFAR_META), members.get(CIFAR_META)!);
  return { classes, counts };
}

/** CIFAR-10 from cifar-10-binary.tar.gz (or an uncompressed .tar): reads the archive and stores its members. */
export function writeCifarFromTar(tarPath: string, label: string, tmpDir: string, onProgress?: ProgressFn): Omit<ManifestDraft, 'source'> {
  const tar = readDataFile(tarPath, label, onProgress);
  const members = pickMembers(readTar(tar, label), [...CIFAR_BATCHES, CIFAR_META], label, CIFAR_TAR_FOLDER);
  return writeCifarFiles(members, (name) => `${label}:${name}`, tmpDir);
}

/** CIFAR-10 from an extracted folder: the files directly in it or in its cifar-10-batches-bin subfolder. */
export function writeCifarFromFolder(dir: string, tmpDir: string, onProgress?: ProgressFn): Omit<ManifestDraft, 'source'> {
  const inner = join(dir, CIFAR_TAR_FOLDER);
  const base = existsSync(join(dir, CIFAR_TEST_BATCH)) || !existsSync(inner) ? dir : inner;
  const wanted = [...CIFAR_BATCHES, CIFAR_META];
  const missing = wanted.filter((w) => !existsSync(join(base, w)));
  if (missing.length) throw new ValidationError(`${base}: missing ${missing.join(', ')} (expected the extracted CIFAR-10 binary version)`);
  const members = new Map<string, Buffer>();
  for (const w of wanted) members.set(w, readDataFile(join(base, w), join(base, w), onProgress));
  return writeCifarFiles(members, (name) => join(base, name), tmpDir);
}

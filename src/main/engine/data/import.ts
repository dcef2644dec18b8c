// `ticketscope data import NAME PATH`: copies a local copy of a real data set into the data folder, validating
// every file. MNIST / Fashion-MNIST: a folder with the four IDX files, gzipped or not (Debian's
// dataset-fashion-mnist installs one under /usr/share/datasets/fashion-mnist). CIFAR-10: cifar-10-binary.tar.gz
// (or a .tar), or the folder it extracts to.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ValidationError } from '../../../shared/errors';
import { findIdxFiles, writeCifarFromFolder, writeCifarFromTar, writeIdxSet } from './convert';
import { installDataset } from './folder';
import type { DatasetManifest } from './folder';
import type { ProgressFn } from './io';
import { REAL_DATASETS, requireRealDataset } from './registry';

export interface ImportOptions {
  onProgress?: ProgressFn;
}

export async function importDataset(name: string, sourcePath: string, dataDir: string, opts: ImportOptions = {}): Promise<DatasetManifest> {
  const info = REAL_DATASETS[requireRealDataset(name, 'import')];
  const source = resolve(sourcePath);
  let isDir: boolean;
  try {
    isDir = statSync(source).isDirectory();
  } catch {
    throw new ValidationError(`${sourcePath}: no such file or folder`);
  }
  const verified = 'structure of every file (magic numbers, sizes, counts, label range); no published checksum applies to a local copy';
  return installDataset(dataDir, info, async (tmp) => {
    if (info.format === 'idx') {
      if (!isDir) throw new ValidationError(`${sourcePath}: ${name} imports from a folder holding the four IDX files`);
      const sources = findIdxFiles(source);
      const draft = writeIdxSet(info, sources, tmp, opts.onProgress);
      return { ...draft, source: { kind: 'import', from: Object.values(sources).map((s) => s.path), verified } };
    }
    const draft = isDir ? writeCifarFromFolder(source, tmp, opts.onProgress) : writeCifarFromTar(source, sourcePath, tmp, opts.onProgress);
    return { ...draft, source: { kind: 'import', from: [source], verified } };
  });
}

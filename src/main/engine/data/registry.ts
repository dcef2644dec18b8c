// The data sets Ticketscope knows: what each is, where it can be downloaded from, the published checksums of the
// downloads and the files it keeps in the data folder.
//
// Checksums are the MD5 values the data sets' authors publish for the downloadable files (what torchvision and
// others check too); MD5 because that is what is published. None could be verified by downloading from the
// development machine (no internet access there): Fashion-MNIST's are copied from its README (Debian ships a copy);
// MNIST's and CIFAR-10's were recalled and then cross-checked against several independent public loaders, which
// agree. A local import (`ticketscope data import`) does not check them: a local copy may have been recompressed
// (the .gz files of Debian's dataset-fashion-mnist have other MD5s than the published ones, yet parse and count as
// expected); the parsers validate structure instead, and the manifest records the SHA-256 of every stored file.
import { ValidationError } from '../../../shared/errors';
import { DATASET_CLASSES } from '../../../shared/objective';

export type RealDatasetName = 'mnist' | 'fashion-mnist' | 'cifar10';
export type SyntheticDatasetName = 'synthetic-mnist' | 'synthetic-cifar';

export interface DownloadFile {
  /** File name as published (also the name the download is saved under before conversion). */
  name: string;
  /** Published MD5 of the download, lower-case hex. */
  md5: string;
  /** Approximate size in bytes (for messages only; Content-Length is what is checked). */
  approxBytes: number;
}

export interface RealDatasetInfo {
  name: RealDatasetName;
  kind: 'real';
  format: 'idx' | 'cifar-binary';
  title: string;
  /** Shape of one example, HWC. */
  shape: [number, number, number];
  classes: readonly string[];
  /** Counts of the full published data set. */
  counts: { train: number; test: number };
  /** Base URLs tried in order; each download file is fetched from `base + file.name`. */
  mirrors: readonly string[];
  downloads: readonly DownloadFile[];
  /** Files kept in the data folder (besides manifest.json), in the order they are loaded. */
  stored: readonly string[];
}

export interface SyntheticDatasetInfo {
  name: SyntheticDatasetName;
  kind: 'synthetic';
  title: string;
  shape: [number, number, number];
  classes: readonly string[];
}

export type DatasetInfo = RealDatasetInfo | SyntheticDatasetInfo;

/** The fixed seed of the validation hold-out of the real data sets (the same hold-out for every run seed). */
export const DATA_HOLDOUT_SEED = 20190301;

/** Names of the stored IDX files (uncompressed) of MNIST and Fashion-MNIST. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export const CIFAR_TRAIN_BATCHES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'] as const;
export const CIFAR_TEST_BATCH = 'test_batch.bin';
export const CIFAR_META = 'batches.meta.txt';
/** The folder inside cifar-10-binary.tar.gz that holds the batches. */
export const CIFAR_TAR_FOLDER = 'cifar-10-batches-bin';

const IDX_STORED = [IDX_FILES.trainImages, IDX_FILES.trainLabels, IDX_FILES.testImages, IDX_FILES.testLabels];

/**
 * An MNIST-format data set: 28×28×1 images, 60,000 for training and 10,000 for test, in the four IDX files, each
 * published gzipped as `<stored name>.gz` with an MD5 and an approximate size (`published`, keyed as IDX_FILES).
 */
function idxDataset(
  name: 'mnist' | 'fashion-mnist',
  title: string,
  src: { mirrors: readonly string[]; published: Record<keyof typeof IDX_FILES, readonly [md5: string, approxBytes: number]> },
): RealDatasetInfo {
  const downloads = (Object.keys(IDX_FILES) as (keyof typeof IDX_FILES)[]).map((k) => ({ name: `${IDX_FILES[k]}.gz`, md5: src.published[k][0], approxBytes: src.published[k][1] }));
  return { name, kind: 'real', format: 'idx', title, shape: [28, 28, 1], classes: DATASET_CLASSES[name], counts: { train: 60000, test: 10000 }, mirrors: src.mirrors, downloads, stored: IDX_STORED };
}

export { CIFAR10_CLASSES } from '../../../shared/objective';

export const REAL_DATASETS: Record<RealDatasetName, RealDatasetInfo> = {
  mnist: idxDataset('mnist', 'MNIST handwritten digits (LeCun, Cortes and Burges)', {
    // The canonical site often refuses automated downloads nowadays; the second is the mirror torchvision uses.
    mirrors: ['http://yann.lecun.com/exdb/mnist/', 'https://ossci-datasets.s3.amazonaws.com/mnist/'],
    published: {
      trainImages: ['f68b3c2dcbeaaa9fbdd348bbdeb94873', 9912422],
      trainLabels: ['d53e105ee54ea40749a09fcbcd1e9432', 28881],
      testImages: ['9fb629c4189551a2d022fa330f9573f3', 1648877],
      testLabels: ['ec29112dd5afa0611ce80d1b7f02629c', 4542],
    },
  }),
  'fashion-mnist': idxDataset('fashion-mnist', 'Fashion-MNIST (Zalando Research)', {
    mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
    // As published in the Fashion-MNIST README (the same values are in Debian's copy of it).
    published: {
      trainImages: ['8d4fb7e6c68d591d4c3dfef9ec88bf0d', 26421880],
      trainLabels: ['25c81989df183df01b3e8a0aad5dffbe', 29515],
      testImages: ['bef4ecab320f06d8554ea6380940ec79', 4422102],
      testLabels: ['bb300cfdad3c16e7a12a480ee83cd310', 5148],
    },
  }),
  cifar10: {
    name: 'cifar10',
    kind: 'real',
    format: 'cifar-binary',
    title: 'CIFAR-10, binary version (Krizhevsky, Nair and Hinton)',
    shape: [32, 32, 3],
    classes: DATASET_CLASSES.cifar10,
    counts: { train: 50000, test: 10000 },
    mirrors: ['https://www.cs.toronto.edu/~kriz/'],
    // The MD5 published on the CIFAR page for the binary version (170,052,171 bytes); not verified by a download here.
    downloads: [{ name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530', approxBytes: 170052171 }],
    stored: [...CIFAR_TRAIN_BATCHES, CIFAR_TEST_BATCH, CIFAR_META],
  },
};

export const SYNTHETIC_DATASETS: Record<SyntheticDatasetName, SyntheticDatasetInfo> = {
  'synthetic-mnist': {
    name: 'synthetic-mnist',
    kind: 'synthetic',
    title: 'SYNTHETIC MNIST-shaped set (generated from a fixed seed, no download)',
    shape: [28, 28, 1],
    classes: DATASET_CLASSES.mnist,
  },
  'synthetic-cifar': {
    name: 'synthetic-cifar',
    kind: 'synthetic',
    title: 'SYNTHETIC CIFAR-shaped set (generated from a fixed seed, no download)',
    shape: [32, 32, 3],
    classes: DATASET_CLASSES.cifar10,
  },
};

export const ALL_DATASETS: readonly DatasetInfo[] = [
  SYNTHETIC_DATASETS['synthetic-mnist'],
  SYNTHETIC_DATASETS['synthetic-cifar'],
  REAL_DATASETS.mnist,
  REAL_DATASETS['fashion-mnist'],
  REAL_DATASETS.cifar10,
];

export function isRealDataset(name: string): name is RealDatasetName {
  return Object.hasOwn(REAL_DATASETS, name);
}

/** Rejects names that are not real data sets (bad input) with a message saying which are. */
export function requireRealDataset(name: string, verb: string): RealDatasetName {
  if (isRealDataset(name)) return name;
  if (Object.hasOwn(SYNTHETIC_DATASETS, name)) throw new ValidationError(`${name} is generated on the fly; there is nothing to ${verb}`);
  throw new ValidationError(`unknown data set "${name}"; real data sets: ${Object.keys(REAL_DATASETS).join(', ')}`);
}

export function datasetInfo(name: string): DatasetInfo | undefined {
  return ALL_DATASETS.find((d) => d.name === name);
}

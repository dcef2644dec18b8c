// Mask snapshots: a stored state (masks, with or without weights) as a safetensors or .npz file that PyTorch users
// load directly, and the import of such files. See docs/formats.md (the format) and docs/pytorch.md (using it).
//
// Tensors `<layer>.mask` (U8 0/1), `<layer>.weight`, `<layer>.weight_init`, `<layer>.bias` (F32), in PyTorch layout;
// metadata (all values strings): format, arch, dataset, run, round, density, which, app, createdAt, config (JSON), and
// preprocessing (JSON, preprocessing.ts) when the run's input normalisation is known.
// Import validates everything (file structure, dtypes, shapes against the architecture, mask values, metadata)
// before it returns, so a caller can check a file completely before writing anything.
import { readFileSync, statSync } from 'node:fs';
import { targetProblem, writeFileAtomic } from '../atomic-file';
import { basename } from 'node:path';
import { snapshotFormatOfPath, type SnapshotFormat } from '../../shared/contract';
import { ValidationError } from '../../shared/errors';
import type { NetState } from '../../shared/tensors';
import { firstNonBinary } from './bits';
import { parsePreprocessing, preprocessingToString, type SnapshotPreprocessing } from './preprocessing';
import { NPY_HEADER_MAX, readNpz, writeNpz, type NpzLimits } from './npz';
import type { NamedTensor, RawTensor, TensorFile } from './safetensors';
import { numel, readSafetensors, writeSafetensors } from './safetensors';
import type { LayerSpec } from './snapshot-arch';
import { SNAPSHOT_ARCHS, archLayers, fromTorchLayout, inputShapeOf, toTorchLayout } from './snapshot-arch';
import { looksLikeZip } from './zip';

export const SNAPSHOT_FORMAT = 'ticketscope.snapshot/1';

/** One prunable layer, in the engine's (tfjs) layout. */
export interface LayerTensors {
  /** 'fc1', 'conv1', ... */
  name: string;
  kind: 'dense' | 'conv';
  /** tfjs layout of the weight: dense [in, out], conv [kh, kw, in, out]. */
  shape: number[];
  /** Weights of the state (trained, or whichever state the snapshot is of). */
  weight?: Float32Array;
  /** Weights at initialisation (or the rewind point). */
  weightInit?: Float32Array;
  /** [out] */
  bias?: Float32Array;
  /** 0/1 per weight, in the weight's order. */
  mask?: Uint8Array;
}

export interface SnapshotMeta {
  format: typeof SNAPSHOT_FORMAT;
  arch: string;
  dataset: string;
  run: string;
  round: number;
  /** Fraction of prunable weights kept. */
  density: number;
  /** Which state: 'init', 'trained', 'mask', 'ticket-at-init', ... */
  which: string;
  /** The full experiment config. */
  config: unknown;
  createdAt: string;
  /** Version of the app that wrote it. */
  app: string;
  /** How a raw image becomes the network's input (the run's normalisation); absent when not known. */
  preprocessing?: SnapshotPreprocessing;
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** In the architecture's forward order. */
  layers: LayerTensors[];
}

export interface EncodeOptions {
  /** File format; safetensors by default. */
  format?: SnapshotFormat;
  /** Include weight, weight_init and bias where the layers have them (default); false writes masks only. */
  weights?: boolean;
}

type Param = 'mask' | 'weight' | 'weight_init' | 'bias';
const PARAMS: readonly Param[] = ['mask', 'weight', 'weight_init', 'bias'];
const FIELD: Record<Param, 'mask' | 'weight' | 'weightInit' | 'bias'> = {
  mask: 'mask',
  weight: 'weight',
  weight_init: 'weightInit',
  bias: 'bias',
};
const NAME_RE = /^([A-Za-z][A-Za-z0-9_]*)\.(mask|weight|weight_init|bias)$/;
/** How far the metadata density may be from the masks' own. */
const DENSITY_TOLERANCE = 1e-3;
const META_FIELDS = ['format', 'arch', 'dataset', 'run', 'round', 'density', 'which', 'app', 'createdAt', 'config'] as const;

/** The layer table of a snapshot's arch and data set; ValidationError for unknown ones. */
export function snapshotLayers(arch: string, dataset: string): LayerSpec[] {
  const input = inputShapeOf(dataset);
  if (!input) throw new ValidationError(`unknown dataset ${dataset}`);
  return archLayers(arch, input);
}

/** Fraction of weights kept over all layers' masks, or null when a layer has no mask. */
export function maskDensity(layers: readonly LayerTensors[]): number | null {
  let kept = 0;
  let total = 0;
  for (const l of layers) {
    if (!l.mask) return null;
    for (let i = 0; i < l.mask.length; i++) kept += l.mask[i]!;
    total += l.mask.length;
  }
  return total > 0 ? kept / total : null;
}

/** The metadata as safetensors stores it: every value a string, the config as JSON. */
export function metaToStrings(meta: SnapshotMeta): Record<string, string> {
  if (meta.format !== SNAPSHOT_FORMAT) throw new ValidationError(`snapshot format ${meta.format}, expected ${SNAPSHOT_FORMAT}`);
  if (!Number.isSafeInteger(meta.round) || meta.round < 0) throw new ValidationError(`snapshot round ${meta.round} is not a round number`);
  if (!(meta.density >= 0 && meta.density <= 1)) throw new ValidationError(`snapshot density ${meta.density} is not in 0..1`);
  return {
    format: meta.format,
    arch: meta.arch,
    dataset: meta.dataset,
    run: meta.run,
    round: String(meta.round),
    density: String(meta.density),
    which: meta.which,
    app: meta.app,
    createdAt: meta.createdAt,
    config: JSON.stringify(meta.config ?? null),
    ...(meta.preprocessing ? { preprocessing: preprocessingToString(meta.preprocessing) } : {}),
  };
}

/** The tensors a snapshot file holds, in PyTorch layout and file order. Checks the layers against the arch. */
export function snapshotTensors(snapshot: Snapshot, weights = true): NamedTensor[] {
  const { meta, layers } = snapshot;
  const specs = snapshotLayers(meta.arch, meta.dataset);
  const byName = new Map<string, LayerTensors>();
  for (const l of layers) {
    if (byName.has(l.name)) throw new ValidationError(`layer ${l.name} given twice`);
    byName.set(l.name, l);
  }
  for (const l of layers) {
    if (!specs.some((s) => s.name === l.name)) throw new ValidationError(`${meta.arch} has no layer ${l.name}`);
  }
  const out: NamedTensor[] = [];
  for (const spec of specs) {
    const l = byName.get(spec.name);
    if (!l) throw new ValidationError(`layer ${spec.name} of ${meta.arch} is missing`);
    const where = `layer ${l.name}`;
    if (l.kind !== spec.kind) throw new ValidationError(`${where} is ${l.kind}, ${meta.arch} has it ${spec.kind}`);
    if (l.shape.join(',') !== spec.tfjsShape.join(',')) {
      throw new ValidationError(`${where} has shape [${l.shape.join(', ')}], ${meta.arch} on ${meta.dataset} expects [${spec.tfjsShape.join(', ')}]`);
    }
    const n = numel(spec.tfjsShape);
    const check = (what: string, a: { length: number } | undefined, len: number) => {
      if (a && a.length !== len) throw new ValidationError(`${where}: ${what} has ${a.length} values, expected ${len}`);
    };
    check('mask', l.mask, n);
    check('weight', l.weight, n);
    check('weight_init', l.weightInit, n);
    check('bias', l.bias, spec.out);
    if (!weights && !l.mask) throw new ValidationError(`${where} has no mask: nothing to export without weights`);
    if (l.mask) {
      const bad = firstNonBinary(l.mask);
      if (bad >= 0) throw new ValidationError(`${where}: mask value ${l.mask[bad]} at index ${bad} (masks hold only 0 and 1)`);
      out.push({ name: `${l.name}.mask`, dtype: 'U8', shape: spec.torchShape, data: toTorchLayout(spec, l.mask) });
    }
    if (weights) {
      if (l.weight) out.push({ name: `${l.name}.weight`, dtype: 'F32', shape: spec.torchShape, data: toTorchLayout(spec, l.weight) });
      if (l.weightInit) {
        out.push({ name: `${l.name}.weight_init`, dtype: 'F32', shape: spec.torchShape, data: toTorchLayout(spec, l.weightInit) });
      }
      if (l.bias) out.push({ name: `${l.name}.bias`, dtype: 'F32', shape: [spec.out], data: l.bias.slice() });
    }
    if (!out.some((t) => t.name.startsWith(`${l.name}.`))) throw new ValidationError(`${where} has no tensors to export`);
  }
  return out;
}

/**
 * Snapshot layers from stored states (tfjs layout, as the tensors table returns them): weight, bias and mask of
 * `state`, and weight_init from `init` (the round's starting or rewind weights) when given.
 */
export function layersFromStates(state: NetState, init?: NetState): LayerTensors[] {
  return state.layers.map((l) => {
    const layer: LayerTensors = { name: l.name, kind: l.kind, shape: [...l.shape], weight: l.weight, bias: l.bias, mask: l.mask };
    if (init) {
      const i = init.layers.find((x) => x.name === l.name);
      if (!i || i.shape.join(',') !== l.shape.join(',')) throw new ValidationError(`layer ${l.name}: the init state has no layer of its shape`);
      layer.weightInit = i.weight;
    }
    return layer;
  });
}

/** A stored state from imported layers, when every layer has weight, bias and mask (else null: e.g. masks only). */
export function stateFromLayers(arch: string, layers: readonly LayerTensors[], which: 'weight' | 'weightInit' = 'weight'): NetState | null {
  const out: NetState = { arch, layers: [] };
  for (const l of layers) {
    const weight = l[which];
    if (!weight || !l.bias || !l.mask) return null;
    out.layers.push({ name: l.name, kind: l.kind, shape: [...l.shape], weight, bias: l.bias, mask: l.mask });
  }
  return out;
}

/** A snapshot as file bytes (safetensors by default, or .npz). */
export function encodeSnapshot(snapshot: Snapshot, options: EncodeOptions = {}): Uint8Array {
  const metadata = metaToStrings(snapshot.meta);
  const tensors = snapshotTensors(snapshot, options.weights ?? true);
  return (options.format ?? 'safetensors') === 'npz' ? writeNpz(tensors, metadata) : writeSafetensors(tensors, metadata);
}

function parseMeta(metadata: Record<string, string> | null, fail: (msg: string) => never): SnapshotMeta {
  if (!metadata) return fail('no __metadata__ (not a Ticketscope snapshot)');
  if (metadata.format !== SNAPSHOT_FORMAT) {
    return fail(`metadata format is ${JSON.stringify(metadata.format ?? null)}, expected "${SNAPSHOT_FORMAT}"`);
  }
  for (const key of META_FIELDS) {
    if (typeof metadata[key] !== 'string' || metadata[key] === '') return fail(`metadata is missing ${key}`);
  }
  const m = metadata as Record<(typeof META_FIELDS)[number], string>;
  if (!/^\d{1,9}$/.test(m.round)) return fail(`metadata round ${JSON.stringify(m.round)} is not a round number`);
  const density = Number(m.density);
  if (!/^[0-9.eE+-]+$/.test(m.density) || !(density >= 0 && density <= 1)) {
    return fail(`metadata density ${JSON.stringify(m.density)} is not a number in 0..1`);
  }
  if (Number.isNaN(Date.parse(m.createdAt))) return fail(`metadata createdAt ${JSON.stringify(m.createdAt)} is not a date`);
  let config: unknown;
  try {
    config = JSON.parse(m.config);
  } catch (err) {
    return fail(`metadata config is not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (config && typeof config === 'object' && !Array.isArray(config)) {
    for (const key of ['arch', 'dataset'] as const) {
      const v = (config as Record<string, unknown>)[key];
      if (v !== undefined && v !== m[key]) return fail(`metadata config.${key} ${JSON.stringify(v)} differs from metadata ${key} ${m[key]}`);
    }
  }
  // Optional (snapshots written before it existed have none); checked against the data set's input channels.
  let preprocessing: SnapshotPreprocessing | undefined;
  const shape = inputShapeOf(m.dataset);
  if (metadata.preprocessing !== undefined && shape) {
    const p = parsePreprocessing(metadata.preprocessing, shape[2]);
    if (typeof p === 'string') return fail(`metadata preprocessing ${p}`);
    preprocessing = p;
  }
  return {
    format: SNAPSHOT_FORMAT,
    arch: m.arch,
    dataset: m.dataset,
    run: m.run,
    round: Number(m.round),
    density,
    which: m.which,
    config,
    createdAt: m.createdAt,
    app: m.app,
    ...(preprocessing ? { preprocessing } : {}),
  };
}

/** Index of the first NaN or ±Infinity in `data`, or -1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) return i; // NaN - NaN and Inf - Inf are NaN; every finite v gives 0
  }
  return -1;
}

/** A flat row-major index as coordinates in `shape`, e.g. 785 in [300, 784] → "[1, 1]". */
function coordinates(index: number, shape: readonly number[]): string {
  const out: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return `[${out.join(', ')}]`;
}

/** Check one tensor of a snapshot file against its layer; returns it in tfjs layout. */
function layerTensor(name: string, t: RawTensor, spec: LayerSpec, param: Param, fail: (msg: string) => never): Float32Array | Uint8Array {
  const isMask = param === 'mask';
  const okDtype = isMask ? t.dtype === 'U8' || t.dtype === 'BOOL' : t.dtype === 'F32';
  if (!okDtype) return fail(`tensor ${name}: dtype ${t.dtype}, expected ${isMask ? 'U8' : 'F32'}`);
  const expected = param === 'bias' ? [spec.out] : spec.torchShape;
  if (t.shape.join(',') !== expected.join(',')) {
    return fail(`tensor ${name}: shape [${t.shape.join(', ')}] does not match the architecture's [${expected.join(', ')}]`);
  }
  if (isMask) {
    const bad = firstNonBinary(t.data);
    if (bad >= 0) return fail(`tensor ${name}: mask value ${t.data[bad]} at index ${bad} (masks hold only 0 and 1)`);
  } else {
    const bad = firstNonFinite(t.data as Float32Array);
    if (bad >= 0) {
      return fail(`tensor ${name}: ${t.data[bad]} at index ${bad} ${coordinates(bad, t.shape)} (a snapshot holds finite numbers only)`);
    }
  }
  return param === 'bias' ? t.data : fromTorchLayout(spec, t.data);
}

/** Validate a parsed tensor file as a snapshot; `fail` throws with the file's label. */
function toSnapshot(file: TensorFile, expectArch: string | undefined, fail: (msg: string) => never): Snapshot {
  const meta = parseMeta(file.metadata, fail);
  if (expectArch !== undefined && meta.arch !== expectArch) return fail(`snapshot is for ${meta.arch}, expected ${expectArch}`);
  let specs: LayerSpec[];
  try {
    specs = snapshotLayers(meta.arch, meta.dataset);
  } catch (err) {
    return fail(`metadata: ${(err as Error).message}`);
  }
  const layers = new Map<string, LayerTensors>();
  for (const spec of specs) layers.set(spec.name, { name: spec.name, kind: spec.kind, shape: [...spec.tfjsShape] });
  for (const [name, t] of file.tensors) {
    const m = NAME_RE.exec(name);
    if (!m) return fail(`tensor name ${JSON.stringify(name)} is not <layer>.<${PARAMS.join('|')}>`);
    const [, layerName, param] = m as unknown as [string, string, Param];
    const spec = specs.find((s) => s.name === layerName);
    if (!spec) return fail(`tensor ${name}: ${meta.arch} has no layer ${layerName}`);
    const data = layerTensor(name, t, spec, param, fail);
    const layer = layers.get(layerName)!;
    if (param === 'mask') layer.mask = data as Uint8Array;
    else layer[FIELD[param] as 'weight' | 'weightInit' | 'bias'] = data as Float32Array;
  }
  for (const l of layers.values()) {
    if (!l.mask && !l.weight) return fail(`layer ${l.name} has neither ${l.name}.mask nor ${l.name}.weight`);
  }
  const list = [...layers.values()];
  const density = maskDensity(list);
  if (density !== null && Math.abs(density - meta.density) > DENSITY_TOLERANCE) {
    return fail(`metadata density ${meta.density} does not match the masks' density ${density.toFixed(6)}`);
  }
  return { meta, layers: list };
}

/** Most bytes `__metadata__` may take in an .npz (the config is a few KB). */
const MAX_METADATA_BYTES = 1 << 20;

/**
 * The largest file a snapshot can legitimately be: the biggest architecture on the biggest input with every
 * tensor stored (weights, weights at init and masks, each at 4 bytes a value, and biases), plus room for headers.
 * Larger files are refused before they are read; `ticketscope serve` caps snapshot uploads at this size.
 */
export const MAX_SNAPSHOT_BYTES: number = (() => {
  let most = 0;
  for (const arch of SNAPSHOT_ARCHS) {
    for (const dataset of ['mnist', 'cifar10']) {
      let bytes = 0;
      for (const spec of snapshotLayers(arch, dataset)) bytes += numel(spec.torchShape) * 4 * 3 + spec.out * 4;
      most = Math.max(most, bytes);
    }
  }
  return most + (16 << 20);
})();

/**
 * What each member of a snapshot .npz may declare before it is inflated: the metadata at most 1 MiB, and a tensor
 * member a numpy header plus its layer's values at 4 bytes each (the widest dtype a snapshot takes). A member
 * that names no tensor of the architecture is refused here, before any inflation.
 */
function snapshotNpzLimits(fail: (msg: string) => never): NpzLimits {
  let specs: LayerSpec[] | null = null;
  return {
    metadataBytes: MAX_METADATA_BYTES,
    memberBytes: (name, metadata) => {
      if (!specs) {
        const meta = parseMeta(metadata, fail);
        try {
          specs = snapshotLayers(meta.arch, meta.dataset);
        } catch (err) {
          return fail(`metadata: ${(err as Error).message}`);
        }
      }
      const m = NAME_RE.exec(name);
      if (!m) return fail(`tensor name ${JSON.stringify(name)} is not <layer>.<${PARAMS.join('|')}>`);
      const spec = specs.find((s) => s.name === m[1]);
      if (!spec) return fail(`tensor ${name}: ${metadata?.arch ?? 'the architecture'} has no layer ${m[1]}`);
      return NPY_HEADER_MAX + (m[2] === 'bias' ? spec.out : numel(spec.torchShape)) * 4;
    },
  };
}

/**
 * Parse and validate snapshot bytes (safetensors, or .npz when they start like a zip archive). Every problem is a
 * one-line ValidationError naming the file, e.g. "snapshot x.safetensors: header length 999999 exceeds file size
 * 1234". With `expectArch`, a snapshot of another architecture is rejected too.
 */
export function readSnapshot(bytes: Uint8Array, expectArch?: string, source = 'file'): Snapshot {
  const label = `snapshot ${source}`;
  const fail = (msg: string): never => {
    throw new ValidationError(`${label}: ${msg}`);
  };
  if (bytes.length > MAX_SNAPSHOT_BYTES) return fail(`${bytes.length} bytes is larger than any snapshot can be (${MAX_SNAPSHOT_BYTES})`);
  const file = looksLikeZip(bytes) ? readNpz(bytes, label, snapshotNpzLimits(fail)) : readSafetensors(bytes, label);
  return toSnapshot(file, expectArch, fail);
}

/** Read and validate a snapshot file; errors name the file by its base name. Files too large to be one are not read. */
export function readSnapshotFile(path: string, expectArch?: string): Snapshot {
  let bytes: Uint8Array;
  try {
    const size = statSync(path).size;
    if (size > MAX_SNAPSHOT_BYTES) {
      throw new ValidationError(`snapshot ${basename(path)}: ${size} bytes is larger than any snapshot can be (${MAX_SNAPSHOT_BYTES})`);
    }
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError(`snapshot ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return readSnapshot(bytes, expectArch, basename(path));
}

/**
 * Write a snapshot file (format from options, else from the extension: .npz or safetensors) atomically: a new
 * temporary file created exclusively under a random name in the same folder, fsynced, then renamed into place
 * (atomic-file.ts), so a failed export leaves no partial file and a planted symlink is never followed. A target
 * that is a folder or lies in a missing folder is refused (ValidationError) before anything is encoded.
 */
export function writeSnapshotFile(
  path: string,
  snapshot: Snapshot,
  options: EncodeOptions = {},
): { format: SnapshotFormat; bytes: number } {
  const problem = targetProblem(path);
  if (problem) throw new ValidationError(`cannot write ${path}: ${problem}`);
  const format = options.format ?? snapshotFormatOfPath(path);
  const bytes = encodeSnapshot(snapshot, { ...options, format });
  writeFileAtomic(path, bytes);
  return { format, bytes: bytes.length };
}

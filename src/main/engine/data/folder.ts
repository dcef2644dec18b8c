// The data folder: one subfolder per real data set, holding its files and a manifest.json (name, files with their
// SHA-256, counts, classes, source, imported-at). A data set is written into a temporary folder inside the data
// folder and renamed into place only when complete, so a failed fetch or import leaves nothing half-written and
// never destroys a good existing copy.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../../shared/errors';
import { sha256 } from './io';
import type { RealDatasetInfo, RealDatasetName } from './registry';
import { pidAlive } from '../../pid';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'ticketscope.dataset/1';

export interface ManifestFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface DatasetManifest {
  format: typeof MANIFEST_FORMAT;
  name: RealDatasetName;
  title: string;
  /** Shape of one example, HWC. */
  shape: [number, number, number];
  classes: string[];
  counts: { train: number; test: number };
  files: ManifestFile[];
  source: {
    kind: 'download' | 'import';
    /** URLs or the local path it came from. */
    from: string[];
    /** What was checked on the way in, e.g. `md5 of each download matched the published value`. */
    verified: string;
  };
  importedAt: string;
}

/** The data folder: an explicit one, else TICKETSCOPE_DATA_DIR. (The CLI and the app always pass one.) */
export function resolveDataDir(explicit?: string): string {
  const dir = explicit ?? process.env.TICKETSCOPE_DATA_DIR;
  if (!dir) throw new Error('no data folder given: pass --data-dir DIR or set TICKETSCOPE_DATA_DIR');
  return resolve(dir);
}

export function datasetPath(dataDir: string, name: string): string {
  return join(dataDir, name);
}

export function notFoundMessage(name: string, dataDir: string): string {
  return `data set ${name} not found in ${dataDir}; run \`ticketscope data fetch ${name}\` or \`ticketscope data import ${name} PATH\``;
}

/** The manifest of a data set in the folder, or null when the set is absent. Throws (naming the file) when unreadable. */
export function readManifest(dataDir: string, name: RealDatasetName): DatasetManifest | null {
  const file = join(datasetPath(dataDir, name), MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw new ValidationError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let m: DatasetManifest;
  try {
    m = JSON.parse(text) as DatasetManifest;
  } catch {
    throw new ValidationError(`${file}: not valid JSON`);
  }
  if (m?.format !== MANIFEST_FORMAT || m.name !== name || !Array.isArray(m.files) || !m.counts) {
    throw new ValidationError(`${file}: not a ${MANIFEST_FORMAT} manifest for ${name}`);
  }
  return m;
}

export interface DatasetStatus {
  present: boolean;
  path: string;
  manifest: DatasetManifest | null;
  /** Why a folder that exists does not count as present (missing or resized files, bad manifest). */
  problem: string | null;
}

/** Whether a data set is in the folder, checking the manifest and each file's size (cheap: no hashing). */
export function datasetStatus(dataDir: string, name: RealDatasetName): DatasetStatus {
  const path = datasetPath(dataDir, name);
  let manifest: DatasetManifest | null;
  try {
    manifest = readManifest(dataDir, name);
  } catch (err) {
    return { present: false, path, manifest: null, problem: (err as Error).message };
  }
  if (!manifest) return { present: false, path, manifest: null, problem: null };
  for (const f of manifest.files) {
    const p = join(path, f.name);
    let size: number;
    try {
      size = statSync(p).size;
    } catch {
      return { present: false, path, manifest, problem: `${p}: missing` };
    }
    if (size !== f.bytes) return { present: false, path, manifest, problem: `${p}: ${size} bytes, the manifest says ${f.bytes}` };
  }
  return { present: true, path, manifest, problem: null };
}

const TEMP_RE = /^\.(tmp|old)-(.+)-(\d+)-[0-9A-Za-z]+$/;

/** The names in the data folder; none when it cannot be read (not there yet). */
function entriesOf(dataDir: string): string[] {
  try {
    return readdirSync(dataDir);
  } catch {
    return [];
  }
}

/**
 * Removes temporary folders left by fetches or imports whose process died (killed mid-way). A `.old-NAME` left
 * between the two renames of an install (the only moment the good copy is not at NAME) is moved back.
 */
export function cleanupStale(dataDir: string): void {
  for (const entry of entriesOf(dataDir)) {
    const m = TEMP_RE.exec(entry);
    if (!m) continue;
    const pid = Number(m[3]);
    if (pid === process.pid || pidAlive(pid)) continue;
    const full = join(dataDir, entry);
    const target = join(dataDir, m[2]!);
    if (m[1] === 'old' && !existsSync(target)) {
      try {
        renameSync(full, target);
        continue;
      } catch {
        // fall through: remove it
      }
    }
    rmSync(full, { recursive: true, force: true });
  }
}

/** Removes this process's own temporary folders (for an interrupt handler: Ctrl+C during a fetch or import). */
export function removeOwnTemp(dataDir: string): void {
  for (const entry of entriesOf(dataDir)) {
    const m = TEMP_RE.exec(entry);
    if (m?.[1] === 'tmp' && Number(m[3]) === process.pid) rmSync(join(dataDir, entry), { recursive: true, force: true });
  }
}

/** What a build step returns: the manifest without the parts install fills in (files, format, imported-at). */
export type ManifestDraft = Omit<DatasetManifest, 'format' | 'files' | 'importedAt' | 'name' | 'title' | 'shape'>;

/**
 * Builds a data set in a fresh temporary folder inside the data folder, then moves it into place. `build` writes
 * exactly the files `info.stored` lists (anything else it leaves in the folder is removed) and returns the rest of
 * the manifest. On any failure the temporary folder is removed and an existing copy is left as it was.
 */
export async function installDataset(dataDir: string, info: RealDatasetInfo, build: (tmpDir: string) => Promise<ManifestDraft>): Promise<DatasetManifest> {
  mkdirSync(dataDir, { recursive: true });
  cleanupStale(dataDir);
  const tmp = mkdtempSync(join(dataDir, `.tmp-${info.name}-${process.pid}-`));
  chmodSync(tmp, 0o755); // mkdtemp makes it private; a data set folder is like any other
  let old: string | null = null;
  try {
    const draft = await build(tmp);
    for (const entry of readdirSync(tmp)) if (!info.stored.includes(entry)) rmSync(join(tmp, entry), { recursive: true, force: true });
    const files: ManifestFile[] = info.stored.map((name) => {
      const buf = readFileSync(join(tmp, name));
      return { name, bytes: buf.length, sha256: sha256(buf) };
    });
    const manifest: DatasetManifest = {
      format: MANIFEST_FORMAT,
      name: info.name,
      title: info.title,
      shape: [...info.shape],
      ...draft,
      files,
      importedAt: new Date().toISOString(),
    };
    writeFileSync(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    const final = datasetPath(dataDir, info.name);
    if (existsSync(final)) {
      old = join(dataDir, `.old-${info.name}-${process.pid}-${randomBytes(4).toString('hex')}`);
      renameSync(final, old);
    }
    try {
      renameSync(tmp, final);
    } catch (err) {
      if (old) renameSync(old, final);
      old = null;
      throw err;
    }
    if (old) rmSync(old, { recursive: true, force: true });
    return manifest;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

// Options for the native file dialogs and the clean-up of what they return, as plain data (no electron imports at
// run time); index.ts hands these to dialog.showSaveDialog / showOpenDialog.
import type { OpenDialogOptions, SaveDialogOptions } from 'electron';
import { extname, join } from 'node:path';
import { SNAPSHOT_FORMATS, snapshotFormatOfPath, type SnapshotFormat } from '../../shared/contract';

const SNAPSHOT_FILTERS = [
  { name: 'Safetensors snapshot (PyTorch)', extensions: ['safetensors'] },
  { name: 'NumPy archive', extensions: ['npz'] },
];
const DB_EXTENSIONS = ['db', 'sqlite', 'sqlite3'];

export function snapshotSaveOptions(dir: string, defaultName = 'snapshot.safetensors'): SaveDialogOptions {
  const npz = snapshotFormatOfPath(defaultName) === 'npz';
  return {
    title: 'Export snapshot',
    defaultPath: join(dir, defaultName),
    buttonLabel: 'Export',
    filters: npz ? [...SNAPSHOT_FILTERS].reverse() : SNAPSHOT_FILTERS,
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  };
}

export function snapshotOpenOptions(dir: string): OpenDialogOptions {
  return {
    title: 'Import snapshot',
    defaultPath: dir,
    buttonLabel: 'Import',
    filters: [{ name: 'Snapshots (.safetensors, .npz)', extensions: ['safetensors', 'npz'] }],
    properties: ['openFile'],
  };
}

const databaseFilters = [
  { name: 'Ticketscope database', extensions: DB_EXTENSIONS },
  { name: 'All files', extensions: ['*'] },
];

export function databaseOpenOptions(dir: string): OpenDialogOptions {
  return { title: 'Open database', defaultPath: dir, buttonLabel: 'Open', filters: databaseFilters, properties: ['openFile'] };
}

/** File > Merge databases…: the shard databases of a sweep (docs/cluster.md), several at once. */
export function mergeOpenOptions(dir: string): OpenDialogOptions {
  return { title: 'Merge databases into this one', defaultPath: dir, buttonLabel: 'Merge', filters: databaseFilters, properties: ['openFile', 'multiSelections'] };
}

export function databaseSaveOptions(dir: string): SaveDialogOptions {
  return {
    title: 'New database',
    defaultPath: join(dir, 'ticketscope.db'),
    buttonLabel: 'Create',
    filters: [{ name: 'Ticketscope database', extensions: DB_EXTENSIONS }],
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  };
}

/** A saved snapshot name gets the format's extension when it has none of ours (GTK dialogs do not add one). */
export function withSnapshotExtension(path: string, fallback: SnapshotFormat = 'safetensors'): string {
  const ext = extname(path).slice(1).toLowerCase();
  return (SNAPSHOT_FORMATS as readonly string[]).includes(ext) ? path : `${path}.${fallback}`;
}

export function withDatabaseExtension(path: string): string {
  return DB_EXTENSIONS.includes(extname(path).slice(1).toLowerCase()) ? path : `${path}.db`;
}

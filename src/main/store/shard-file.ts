// A shard database to merge, opened without touching it: SQLite leaves -wal and -shm files beside any database in WAL
// mode it opens, even read-only, so the shard (with its -wal, if a killed job left one) is first copied into a private
// temporary folder (created with a random name, mode 0700; the copies created exclusively) and only the copy is
// opened. A shard from an older version of the app is migrated there, like any database the app opens.
import Database from 'better-sqlite3';
import { constants, copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ValidationError } from '../../shared/errors';
import { databaseProblem, migrate, sqliteHeaderProblem, SCHEMA_VERSION, type Db } from './db';

/** Why `path` cannot be a shard, read with plain file reads only; null when it may be. */
export function shardFileProblem(path: string): string | null {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return st.isDirectory() ? 'it is a folder' : 'not a file';
    size = st.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? 'error'})`;
  }
  return size === 0 ? 'the file is empty' : sqliteHeaderProblem(path);
}

/** A private temporary folder for shard copies, beside the target database (same file system, same free space). */
export function makeScratch(besides: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(besides, '.ticketscope-merge-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface OpenedShard {
  db: Db;
  /** The schema version the shard was written with (before migrating the copy). */
  version: number;
  close(): void;
}

/**
 * Copies shard `path` (number `n` of the merge) into `scratch` unless copied before, opens the copy and migrates it
 * to this app's schema. Every problem is a one-line ValidationError naming the shard.
 */
export function openShardCopy(path: string, n: number, scratch: string): OpenedShard {
  const copy = join(scratch, `shard-${n}.sqlite`);
  if (!existsSync(copy)) {
    const problem = shardFileProblem(path);
    if (problem) throw new ValidationError(`shard ${path}: ${problem}`);
    try {
      copyFileSync(path, copy, constants.COPYFILE_EXCL);
      // Committed rounds a killed job left in the write-ahead log belong to the shard too.
      if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`, constants.COPYFILE_EXCL);
    } catch (err) {
      throw new ValidationError(`shard ${path}: cannot copy it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const problem2 = databaseProblem(copy);
    if (problem2) throw new ValidationError(`shard ${path}: ${problem2}`);
  }
  let db: Db;
  try {
    db = new Database(copy, { fileMustExist: true });
  } catch (err) {
    throw new ValidationError(`shard ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    if (!tables.includes('runs')) throw new ValidationError(`shard ${path}: not a Ticketscope database (it has no runs)`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new ValidationError(`shard ${path} has schema version ${version}, newer than this app's ${SCHEMA_VERSION}: merge with a newer Ticketscope`);
    }
    if (version < SCHEMA_VERSION) migrate(db, `${basename(path)} (copy)`);
    db.pragma('foreign_keys = ON');
    return { db, version, close: () => db.close() };
  } catch (err) {
    db.close();
    if (err instanceof ValidationError) throw err;
    throw new ValidationError(`shard ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
}

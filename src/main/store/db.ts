// Opens the SQLite database: WAL, foreign keys, migrations in one transaction each, recorded in user_version.
// Before anything is created or migrated, the file is checked (read-only) to be a Ticketscope database or a new one:
// opening a folder, a JSON file or another program's SQLite file fails with one line and leaves it untouched.
import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValidationError } from '../../shared/errors';
import { writeError } from '../atomic-file';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations';

export type Db = Database.Database;

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const OUR_TABLES = ['experiments', 'runs', 'rounds', 'metrics', 'tensors'];

/** Why the file at `path` is not an SQLite database by its first 16 bytes (plain reads), or null when it is one. */
export function sqliteHeaderProblem(path: string): string | null {
  const head = Buffer.alloc(16);
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    readSync(fd, head, 0, 16, 0);
  } catch (err) {
    return `cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return head.toString('latin1') === SQLITE_MAGIC ? null : 'not an SQLite database';
}

/**
 * Why `path` must not be opened as a Ticketscope database, or null when it may (ours, empty, or not there yet).
 * Reads the file read-only: a foreign file is never modified (opening it for real would add our tables to it and
 * switch it to WAL).
 */
export function databaseProblem(path: string): string | null {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return st.isDirectory() ? 'not a file: it is a folder' : 'not a file';
    size = st.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    return code === 'ENOTDIR' ? 'a part of the path is a file, not a folder' : `cannot read it (${code ?? 'error'})`;
  }
  if (size === 0) return null;
  const notSqlite = sqliteHeaderProblem(path);
  if (notSqlite) return notSqlite;
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map(
      (t) => t.name,
    );
    if (tables.length === 0) return null;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= 1 && OUR_TABLES.every((t) => tables.includes(t))) return null;
    return "an SQLite database of another program (it has tables, but not Ticketscope's)";
  } catch (err) {
    return `not a readable SQLite database (${(err as Error).message.split('\n')[0]})`;
  } finally {
    db?.close();
  }
}

/**
 * Opens (creating when absent) and migrates the database at `path`. A path that is not a Ticketscope database, or
 * whose folder cannot be made, is a ValidationError (bad input: the CLI exits 2) and nothing is created or changed.
 */
export function openDatabase(path: string, migrations: Migration[] = MIGRATIONS): Db {
  if (path !== ':memory:') {
    const problem = databaseProblem(path);
    if (problem) throw new ValidationError(`cannot open database ${path}: ${problem}`);
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw writeError(path, err);
    }
  }
  let db: Db;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
  } catch (err) {
    throw new StoreError(`cannot open database ${path}: ${(err as Error).message}`);
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  migrate(db, path, migrations);
  return db;
}

export function migrate(db: Db, path: string, migrations: Migration[] = MIGRATIONS): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  if (current > latest) {
    throw new StoreError(`database ${path} has schema version ${current}, newer than this app's ${latest}; update Ticketscope`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

export { SCHEMA_VERSION };

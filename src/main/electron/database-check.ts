// Before File > Open database… hands a file to the core (which migrates it), make sure it is a Ticketscope database
// or a new one: opening some other program's SQLite file would add our tables to it and switch it to WAL.
// Reads the file read-only; no electron imports.
import Database from 'better-sqlite3';
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const OUR_TABLES = ['experiments', 'runs', 'rounds', 'metrics', 'tensors'];

/** Why `path` must not be opened as a Ticketscope database, or null when it may (ours, empty, or not there yet). */
export function databaseProblem(path: string): string | null {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return 'not a file';
    size = st.size;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : `cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (size === 0) return null;
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
  if (head.toString('latin1') !== SQLITE_MAGIC) return 'not an SQLite database';
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map(
      (t) => t.name,
    );
    if (tables.length === 0) return null;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= 1 && OUR_TABLES.every((t) => tables.includes(t))) return null;
    return 'an SQLite database of another program (it has tables, but not Ticketscope\'s)';
  } catch (err) {
    return `not a readable SQLite database (${(err as Error).message.split('\n')[0]})`;
  } finally {
    db?.close();
  }
}

// Opens the SQLite database: WAL, foreign keys, migrations in one transaction each, recorded in user_version.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations';

export type Db = Database.Database;

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export function openDatabase(path: string, migrations: Migration[] = MIGRATIONS): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
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

// Fuzzing the snapshot import: every malformed file of the corpus (generated here, from valid snapshots) is refused
// with one line naming the file and the problem, and the database stays byte-for-byte as it was: the same rows in
// every table, PRAGMA integrity_check ok, and the same bytes in the database file and its WAL.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/main/core/service';
import { encodeSnapshot } from '../../src/main/store/snapshot';
import { ValidationError } from '../../src/shared/errors';
import { malformedSnapshots, validSnapshot } from '../helpers/snapshot-corpus';
import { ROOT } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'ts-snap-fuzz-'));
const dbPath = join(dir, 'fuzz.db');
const core = new Core({
  dbPath,
  dataDir: join(dir, 'data'),
  backend: 'cpu',
  presetsDir: join(ROOT, 'resources', 'presets'),
  spawnWorker: () => {
    throw new Error('no worker in this test');
  },
  transport: 'websocket',
});

afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything observable about the database: row counts per table, integrity, and the bytes of its files. */
function fingerprint(): string {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return fingerprintOf(db);
  } finally {
    db.close();
  }
}

function fingerprintOf(db: Database.Database): string {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  const counts = tables.map((t) => `${t}=${(db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n}`);
  const integrity = db.pragma('integrity_check', { simple: true });
  const hash = createHash('sha256');
  for (const f of [dbPath, `${dbPath}-wal`]) if (existsSync(f)) hash.update(readFileSync(f));
  return `${counts.join(' ')} integrity=${String(integrity)} files=${hash.digest('hex')}`;
}

function refusal(work: () => unknown): string {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('snapshot import fuzzing', () => {
  const corpus = malformedSnapshots();

  it('the corpus has at least 70 malformed files, with distinct names', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(70);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
    console.log(`snapshot fuzz corpus: ${corpus.length} malformed files`);
  });

  it('a valid upload is stored (so the database is not empty for the checks below)', () => {
    const r = core.uploadSnapshot(encodeSnapshot(validSnapshot()), 'valid.safetensors');
    expect(r).toMatchObject({ round: 2, withWeights: true });
    expect(core.store.repo.getRun(r.runId).warnings[0]).toMatch(/^imported from an upload \(valid\.safetensors\)/);
  });

  it('refuses every malformed file with one line, and changes nothing in the database', () => {
    const before = fingerprint();
    expect(before).toMatch(/integrity=ok/);
    const failures: string[] = [];
    for (const c of corpus) {
      const msg = refusal(() => core.uploadSnapshot(c.bytes, c.name));
      if (msg.includes('\n') || !msg.startsWith(`snapshot ${c.name}: `) || !c.expect.test(msg)) failures.push(`${c.name}: ${msg}`);
    }
    expect(failures).toEqual([]);
    expect(fingerprint()).toBe(before);
  });

  it('refuses the same files imported from a path (the desktop app and CLI), naming the file', async () => {
    const before = fingerprint();
    for (const c of corpus.filter((_, i) => i % 6 === 0)) {
      const file = join(dir, c.name);
      writeFileSync(file, c.bytes);
      await expect(core.call('importSnapshot', { path: file })).rejects.toThrow(new RegExp(`^snapshot ${c.name.replace(/[.^$]/g, '\\$&')}: `));
    }
    expect(fingerprint()).toBe(before);
  });

  it('refuses a file larger than any snapshot can be before reading it', () => {
    const before = fingerprint();
    const big = new Uint8Array(200 << 20);
    expect(refusal(() => core.uploadSnapshot(big, 'big.safetensors'))).toMatch(/^snapshot big\.safetensors: 209715200 bytes is larger than any snapshot can be \(\d+\)$/);
    expect(fingerprint()).toBe(before);
  });
});

import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, StoreError } from '../../src/main/store/db';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/main/store/migrations';
import { Repo } from '../../src/main/store/repo';
import { TensorStore } from '../../src/main/store/tensors';
import { parseExperimentConfig } from '../../src/shared/config';
import { NotFoundError } from '../../src/shared/errors';

const config = parseExperimentConfig({
  version: 1,
  name: 't',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'adam', lr: 0.0012 },
  batchSize: 60,
  iterations: 100,
  evalEvery: 50,
  validation: 100,
  seeds: [0],
  method: { kind: 'dense' },
});

function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'ts-store-'));
  return { path: join(dir, 'x.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('store', () => {
  it('migrates a new database to the latest version with WAL, foreign keys and STRICT tables', () => {
    const t = tempDb();
    try {
      const db = openDatabase(t.path);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      const tables = db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'table'`).all() as { name: string; sql: string }[];
      for (const name of ['experiments', 'runs', 'rounds', 'metrics']) {
        const t = tables.find((x) => x.name === name);
        expect(t, name).toBeDefined();
        expect(t!.sql).toMatch(/STRICT/);
      }
      db.close();
      // Reopening applies nothing twice.
      const again = openDatabase(t.path);
      expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      again.close();
    } finally {
      t.cleanup();
    }
  });

  it('applies only newer migrations, each in a transaction: a failing one leaves the database at the previous version', () => {
    const t = tempDb();
    try {
      openDatabase(t.path).close();
      const broken = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE ok (a INTEGER) STRICT; CREATE TABLE nope (' }];
      expect(() => openDatabase(t.path, broken)).toThrow();
      const db = new Database(t.path);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'ok'`).get()).toEqual({ n: 0 });
      db.close();
    } finally {
      t.cleanup();
    }
  });

  it('refuses a database from a newer version of the app', () => {
    const t = tempDb();
    try {
      const db = new Database(t.path);
      db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
      db.close();
      expect(() => openDatabase(t.path)).toThrow(StoreError);
      expect(() => openDatabase(t.path)).toThrow(/newer than this app/);
    } finally {
      t.cleanup();
    }
  });

  it('stores runs, metrics and rounds and reads them back; unknown ids are NotFoundError', () => {
    const repo = new Repo(openDatabase(':memory:'));
    expect(repo.ensureExperiment('e1', config)).toBe(true);
    expect(repo.ensureExperiment('e1', config)).toBe(false);
    repo.createRun({ id: 'r1', experimentId: 'e1', seed: 0, kind: 'dense', config, iterations: 100, pid: process.pid });
    expect(repo.getSummary('r1')).toMatchObject({ status: 'queued', experimentName: 't', dataset: 'synthetic-mnist', testAccuracy: null });
    repo.updateRun('r1', { status: 'running', iteration: 50, backendReport: { name: 'wasm', reason: 'requested', skipped: [] } });
    repo.addMetrics('r1', [
      { round: 0, iteration: 50, split: 'train', loss: 1, accuracy: 0.5 },
      { round: 0, iteration: 50, split: 'test', loss: 1.1, accuracy: 0.45 },
    ]);
    repo.addRound('r1', { round: 0, density: 1, testAccuracy: 0.9, earlyStopIteration: 50, finalTestAccuracy: 0.88 });
    const run = repo.getRun('r1');
    expect(run).toMatchObject({ backend: 'wasm', iteration: 50, testAccuracy: 0.9, rounds: [{ round: 0, density: 1, testAccuracy: 0.9 }] });
    expect(run.config).toEqual(config);
    expect(repo.getMetrics('r1')).toHaveLength(2);
    expect(() => repo.getRun('nope')).toThrow(NotFoundError);
    expect(() => repo.getMetrics('nope')).toThrow(NotFoundError);
    expect(() => repo.updateRun('nope', { status: 'done' })).toThrow(NotFoundError);
  });

  it('rejects metrics for a run that does not exist (foreign key) and bad statuses (check)', () => {
    const repo = new Repo(openDatabase(':memory:'));
    expect(() => repo.addMetrics('ghost', [{ round: 0, iteration: 1, split: 'train', loss: 1, accuracy: 1 }])).toThrow(/FOREIGN KEY/);
    repo.ensureExperiment('e1', config);
    repo.createRun({ id: 'r1', experimentId: 'e1', seed: 0, kind: 'dense', config, iterations: 100, pid: process.pid });
    expect(() => repo.updateRun('r1', { status: 'weird' as never })).toThrow(/CHECK/);
  });

  it('marks runs of processes that died as interrupted', () => {
    const repo = new Repo(openDatabase(':memory:'));
    repo.ensureExperiment('e1', config);
    repo.createRun({ id: 'dead', experimentId: 'e1', seed: 0, kind: 'dense', config, iterations: 100, pid: 999_999 });
    repo.createRun({ id: 'alive', experimentId: 'e1', seed: 1, kind: 'dense', config, iterations: 100, pid: 1 });
    expect(repo.markOrphansInterrupted((pid) => pid === 1)).toBe(1);
    expect(repo.getSummary('dead')).toMatchObject({ status: 'failed', error: expect.stringMatching(/interrupted/) });
    expect(repo.getSummary('alive').status).toBe('queued');
  });
});

describe('tensor store', () => {
  const net = (seed: number) => ({
    arch: 'lenet-300-100',
    layers: [
      { name: 'fc1', kind: 'dense' as const, shape: [3, 5], weight: Float32Array.from({ length: 15 }, (_, i) => (i - 7) * 0.1 * seed), bias: Float32Array.from([1, -2, 3, -4, 5]), mask: Uint8Array.from({ length: 15 }, (_, i) => (i % 3 === 0 ? 0 : 1)) },
      { name: 'conv1', kind: 'conv' as const, shape: [3, 3, 1, 2], weight: Float32Array.from({ length: 18 }, (_, i) => Math.sin(i + seed)), bias: new Float32Array(2), mask: Uint8Array.from({ length: 18 }, (_, i) => i & 1) },
    ],
  });

  function withRun() {
    const db = openDatabase(':memory:');
    const repo = new Repo(db);
    repo.ensureExperiment('e1', config);
    repo.createRun({ id: 'r1', experimentId: 'e1', seed: 0, kind: 'dense', config, iterations: 100, pid: process.pid });
    return { db, tensors: new TensorStore(db) };
  }

  it('round-trips weights, biases and bit-packed masks exactly', () => {
    const { db, tensors } = withRun();
    tensors.saveState('r1', 0, 'init', net(1));
    tensors.saveState('r1', 0, 'trained', net(2));
    expect(tensors.loadState('r1', 0, 'init', 'lenet-300-100')).toEqual(net(1));
    expect(tensors.loadState('r1', 0, 'trained', 'lenet-300-100')).toEqual(net(2));
    // Masks are stored as bits: 15 values in 2 bytes.
    const row = db.prepare(`SELECT length(data) AS n FROM tensors WHERE layer = 'fc1' AND param = 'mask' AND state = 'init'`).get() as { n: number };
    expect(row.n).toBe(2);
    // Saving a state again replaces it.
    tensors.saveState('r1', 0, 'init', net(3));
    expect(tensors.loadState('r1', 0, 'init', 'lenet-300-100')).toEqual(net(3));
    expect(() => tensors.loadState('r1', 1, 'init', 'lenet-300-100')).toThrow(NotFoundError);
  });

  it('detects a corrupted blob by its checksum', () => {
    const { db, tensors } = withRun();
    tensors.saveState('r1', 0, 'trained', net(1));
    db.prepare(`UPDATE tensors SET data = zeroblob(length(data)) WHERE layer = 'fc1' AND param = 'weight'`).run();
    expect(() => tensors.loadState('r1', 0, 'trained', 'lenet-300-100')).toThrow(/fc1.weight: checksum mismatch/);
  });

  it('deleting a run deletes its tensors (foreign key cascade)', () => {
    const { db, tensors } = withRun();
    tensors.saveState('r1', 0, 'trained', net(1));
    db.prepare(`DELETE FROM runs WHERE id = 'r1'`).run();
    expect(db.prepare('SELECT count(*) AS n FROM tensors').get()).toEqual({ n: 0 });
  });
});

// `ticketscope run --shard` and `ticketscope merge` on real shard databases of a tiny IMP experiment: shards merge
// into the single-machine run's ids and results, merging twice changes nothing, a conflicting or corrupt shard is
// refused in one line with the target unchanged byte for byte, a shard written by an older schema is migrated on a
// copy, a shard that went further extends the target's runs, and the input shards are never touched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { assertBuilt, cli, tempDir } from '../helpers/cli';
import { runFingerprint } from '../helpers/fingerprint';
import { openDatabase } from '../../src/main/store/db';
import { MIGRATIONS } from '../../src/main/store/migrations';
import { testCore } from '../helpers/core';

const tmp = tempDir('ticketscope-merge-');
const at = (f: string) => join(tmp.dir, f);
const cfg = at('imp.json');
const config = {
  version: 1,
  name: 'merge-test',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'adam', lr: 0.0012 },
  batchSize: 60,
  iterations: 20,
  evalEvery: 10,
  validation: 100,
  seeds: [0, 1],
  synthetic: { train: 300, test: 100 },
  method: { kind: 'imp', rounds: 1, rates: { conv: 0.1, fc: 0.2, output: 0.1 }, rewindIteration: 0, controls: ['reinit'] },
};
const opts = (db: string) => ['--db', at(db), '--data-dir', at('data'), '--backend', 'wasm'];
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const merge = (shards: string[], into: string, json = true) => cli(['merge', ...shards.map(at), '--into', at(into), ...(json ? ['--json'] : [])]);
/** The file's bytes and the names of every file beside it: what "unchanged" means. */
const state = (f: string) => ({ sha: sha(f), files: readdirSync(tmp.dir).filter((n) => n.startsWith(f.split('/').pop()!)).sort() });

/** Changes a copy of a shard with SQL (the test's own tampering; merge itself never writes a shard). */
function tamper(from: string, to: string, sql: string): void {
  copyFileSync(at(from), at(to));
  const db = new Database(at(to));
  db.exec(sql);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

beforeAll(() => {
  assertBuilt();
  writeFileSync(cfg, JSON.stringify(config));
  for (const [args, db] of [[[], 'single.db'], [['--shard', '0/2'], 'shard-0.db'], [['--shard', '1/2'], 'shard-1.db']] as const) {
    const r = cli(['run', cfg, ...args, ...opts(db)]);
    expect(r.code, r.stderr).toBe(0);
  }
}, 240_000);
afterAll(() => tmp.cleanup());

describe('run --shard', () => {
  it('splits the seed groups: shard 0 has seed 0, shard 1 seed 1, each a ticket and its control, with the single run\'s ids', () => {
    const ids = (db: string) => (runFingerprint(at(db)).runs as { id: string; seed: number }[]).map((r) => `${r.seed}:${r.id}`).sort();
    expect(ids('shard-0.db')).toHaveLength(2);
    expect(ids('shard-0.db').every((x) => x.startsWith('0:'))).toBe(true);
    expect(ids('shard-1.db').every((x) => x.startsWith('1:'))).toBe(true);
    expect([...ids('shard-0.db'), ...ids('shard-1.db')].sort()).toEqual(ids('single.db'));
  });

  it('refuses a shard out of range or more shards than seeds, creating nothing', () => {
    for (const shard of ['2/2', '0/3', '1', '-1/2', 'a/b']) {
      const r = cli(['run', cfg, '--shard', shard, ...opts('never.db')]);
      expect(r.code, shard).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(at('never.db'))).toBe(false);
  });

  it('a second run of the same config (no --shard) makes new runs, as before: new ids', () => {
    copyFileSync(at('shard-1.db'), at('twice.db'));
    const r = cli(['run', cfg, ...opts('twice.db'), '--set', 'seeds=[1]', '--json']);
    // seeds=[1] is another experiment (another config hash): the plain-run path with fresh ids.
    expect(r.code, r.stderr).toBe(0);
    const again = cli(['run', cfg, ...opts('twice.db'), '--set', 'seeds=[1]', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const a = JSON.parse(r.stdout).runs.map((x: { runId: string }) => x.runId);
    const b = JSON.parse(again.stdout).runs.map((x: { runId: string }) => x.runId);
    expect(a).toHaveLength(2);
    expect(b.filter((id: string) => a.includes(id))).toEqual([]);
  });
});

describe('merge', () => {
  it('merges the shards into the single-machine run (ids, rounds, masks, weights, metrics) without touching them', () => {
    const before = ['shard-0.db', 'shard-1.db'].map((f) => state(at(f)));
    const r = merge(['shard-0.db', 'shard-1.db'], 'merged.db');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { shards: { runsAdded: number; tensorsVerified: number; migrated: boolean }[] };
    expect(out.shards.map((s) => s.runsAdded)).toEqual([2, 2]);
    expect(out.shards.every((s) => s.tensorsVerified > 0 && !s.migrated)).toBe(true);
    expect(runFingerprint(at('merged.db'))).toEqual(runFingerprint(at('single.db')));
    expect(['shard-0.db', 'shard-1.db'].map((f) => state(at(f)))).toEqual(before);
  });

  it('is idempotent: merging the same shards again leaves the database byte for byte as it was', () => {
    const before = sha(at('merged.db'));
    const r = merge(['shard-1.db', 'shard-0.db'], 'merged.db');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { shards: { runsUnchanged: number }[] }).shards.map((s) => s.runsUnchanged)).toEqual([2, 2]);
    expect(sha(at('merged.db'))).toBe(before);
  });

  it('the app opens the merged database: the experiment with both seeds, each ticket with its control and rounds', async () => {
    const list = cli(['list', '--json', ...opts('merged.db')]);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { runs: { status: string }[] }).runs.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done']);
    const core = testCore(tmp.dir, { dbPath: at('merged.db') });
    try {
      const [exp] = (await core.call('listExperiments', {})) as { experimentId: string; runCounts: { done: number } }[];
      expect(exp!.runCounts.done).toBe(4);
      const detail = (await core.call('getExperiment', { experimentId: exp!.experimentId })) as { runs: { seed: number; kind: string; parentRunId: string | null; rounds: unknown[] }[] };
      expect(detail.runs.map((r) => `${r.seed} ${r.kind} ${r.rounds.length}`)).toEqual(['0 imp 2', '0 reinit 1', '1 imp 2', '1 reinit 1']);
    } finally {
      await core.close();
    }
  });

  it('merges into the database the app has open (File > Merge databases), reporting each step', async () => {
    copyFileSync(at('shard-0.db'), at('open.db'));
    const core = testCore(tmp.dir, { dbPath: at('open.db') });
    const steps: string[] = [];
    try {
      const r = await core.mergeDatabases([at('shard-1.db')], (p) => steps.push(`${p.phase} ${p.shard + 1}/${p.shards}`));
      expect(r.shards[0]!.runsAdded).toBe(2);
      expect(steps).toEqual(['check 1/1', 'merge 1/1']);
      expect(core.store.repo.listRuns()).toHaveLength(4);
    } finally {
      await core.close();
    }
    expect(runFingerprint(at('open.db'))).toEqual(runFingerprint(at('single.db')));
  });

  it('refuses a run whose id exists with a different result, in one line, the target unchanged byte for byte', () => {
    tamper('shard-0.db', 'conflict.db', "UPDATE rounds SET test_accuracy = test_accuracy / 2 WHERE round = 1 AND run_id IN (SELECT id FROM runs WHERE kind = 'imp')");
    const before = sha(at('merged.db'));
    const r = merge(['conflict.db'], 'merged.db', false);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('ticketscope:'))).toHaveLength(1);
    expect(r.stderr).toMatch(/run r[0-9a-f]{10} conflicts with the run of that id in the target: round 1 has a different result/);
    expect(sha(at('merged.db'))).toBe(before);
  });

  it('checks every shard before writing: a conflict between two shards creates no target', () => {
    const r = merge(['shard-0.db', 'conflict.db'], 'fresh.db');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/in shard .*shard-0\.db: round 1 has a different result/);
    expect(existsSync(at('fresh.db'))).toBe(false);
  });

  it('verifies tensor checksums: a damaged tensor is refused and nothing is written', () => {
    tamper('shard-1.db', 'damaged.db', "UPDATE tensors SET data = zeroblob(length(data)) WHERE rowid = (SELECT min(rowid) FROM tensors WHERE param = 'weight')");
    const r = merge(['shard-0.db', 'damaged.db'], 'fresh.db');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/damaged\.db: tensor r[0-9a-f]{10}:\d+:\w+:\w+\.weight: checksum mismatch/);
    expect(existsSync(at('fresh.db'))).toBe(false);
  });

  it('migrates a shard written by an older schema on a copy, leaving the shard at its version', () => {
    // A schema-3 shard (before the analyses cache) holding shard 1's runs, made with the old migrations.
    const old = openDatabase(at('old.db'), MIGRATIONS.filter((m) => m.version <= 3));
    old.exec(`ATTACH DATABASE '${at('shard-1.db')}' AS s`);
    // The old schema's columns only (later migrations added some, e.g. runs.eta_seconds).
    const columnsOf = (t: string) => (old.prepare('SELECT name FROM main.pragma_table_info(?)').all(t) as { name: string }[]).map((c) => c.name).join(', ');
    for (const t of ['experiments', 'runs', 'rounds', 'metrics', 'tensors']) old.exec(`INSERT INTO main.${t} SELECT ${columnsOf(t)} FROM s.${t} ORDER BY ${t === 'metrics' ? '1, 2, 3, 4' : 'rowid'}`); // metrics has no rowid
    old.exec('DETACH DATABASE s');
    old.close();
    const before = state(at('old.db'));
    copyFileSync(at('shard-0.db'), at('old-target.db'));
    const r = merge(['old.db'], 'old-target.db');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { shards: { schemaVersion: number; migrated: boolean }[] }).shards[0]).toMatchObject({ schemaVersion: 3, migrated: true });
    expect(runFingerprint(at('old-target.db'))).toEqual(runFingerprint(at('single.db')));
    expect(state(at('old.db'))).toEqual(before);
    const v = new Database(at('old.db'), { readonly: true });
    expect(v.pragma('user_version', { simple: true })).toBe(3);
    v.close();
  });

  it('a shard whose runs went further than the target\'s extends them (a re-merge after a re-queued job finished)', () => {
    // The target holds shard 0 as it was when its job was pre-empted after round 0 of the ticket.
    tamper('shard-0.db', 'partial.db', `
      DELETE FROM tensors WHERE round = 1; DELETE FROM metrics WHERE round = 1; DELETE FROM rounds WHERE round = 1;
      UPDATE runs SET status = 'failed', error = 'interrupted: the process running it stopped'`);
    expect(merge(['partial.db', 'shard-1.db'], 'grown.db').code).toBe(0);
    const r = merge(['shard-0.db'], 'grown.db');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { shards: { runsExtended: number; roundsAdded: number }[] }).shards[0]).toMatchObject({ runsExtended: 2, roundsAdded: 2 });
    expect(runFingerprint(at('grown.db'))).toEqual(runFingerprint(at('single.db')));
  });

  it('refuses bad input in one line with exit 2: a missing file, not a database, the target as a shard, no shards', () => {
    writeFileSync(at('notes.txt'), 'hello');
    for (const [args, pattern] of [
      [['merge', at('nope.db'), '--into', at('x.db')], /nope\.db: no such file/],
      [['merge', at('notes.txt'), '--into', at('x.db')], /notes\.txt: not an SQLite database/],
      [['merge', at('merged.db'), '--into', at('merged.db')], /is the target itself/],
      [['merge', '--into', at('x.db')], /at least one SHARD/],
      [['merge', at('shard-0.db')], /needs --into/],
    ] as const) {
      const r = cli([...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(at('x.db'))).toBe(false);
  });
});

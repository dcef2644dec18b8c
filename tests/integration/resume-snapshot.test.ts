// Crash safety and snapshots through the real CLI: SIGKILL an IMP experiment in the middle of a round, resume it,
// and get exactly what an uninterrupted run produces; then export masks and import them back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BIN, assertBuilt, cli, tempDir } from '../helpers/cli';
import { committedRounds as committedIn, fingerprint as fingerprintOf } from '../helpers/fingerprint';

const tmp = tempDir('ticketscope-resume-');
const cfgPath = join(tmp.dir, 'imp.json');
const config = {
  version: 1,
  name: 'resume-test',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'adam', lr: 0.0012 },
  batchSize: 60,
  iterations: 100, // two evaluations a round: the kill lands between checkpoints of a round that is running
  evalEvery: 50,
  validation: 300,
  seeds: [0],
  synthetic: { train: 1500, test: 300 },
  method: { kind: 'imp', rounds: 2, rates: { conv: 0.1, fc: 0.2, output: 0.1 }, rewindIteration: 0, controls: ['reinit'] },
};
const opts = (db: string) => ['--db', join(tmp.dir, db), '--data-dir', join(tmp.dir, 'data'), '--backend', 'wasm'];

const fingerprint = (dbFile: string) => fingerprintOf(join(tmp.dir, dbFile));
const committedRounds = (dbFile: string, kind: string) => committedIn(join(tmp.dir, dbFile), kind);

beforeAll(() => {
  assertBuilt();
  writeFileSync(cfgPath, JSON.stringify(config));
});
afterAll(() => tmp.cleanup());

describe('resume after SIGKILL', () => {
  let impRunId = '';

  it('an uninterrupted reference run', () => {
    const r = cli(['run', cfgPath, '--json', ...opts('ref.db')]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.runs.map((x: { kind: string }) => x.kind)).toEqual(['imp', 'reinit']);
    impRunId = out.runs[0].runId;
  });

  it('killed mid-round, resumed, ends with exactly the same masks, weights, metrics and accuracies', async () => {
    const child = spawn(process.execPath, [BIN, 'run', cfgPath, '--json', ...opts('killed.db')], { stdio: 'ignore' });
    // Wait (polling the database, no fixed sleeps) until round 1 of the ticket is committed: round 2 is then running.
    const t0 = Date.now();
    while (committedRounds('killed.db', 'imp') < 2) {
      if (child.exitCode !== null) throw new Error(`run exited early with ${child.exitCode}`);
      if (Date.now() - t0 > 120_000) throw new Error('round 1 never committed');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(committedRounds('killed.db', 'imp')).toBeLessThan(3);

    const list = JSON.parse(cli(['list', '--json', ...opts('killed.db')]).stdout) as { runs: { runId: string; kind: string; status: string; error: string | null }[] };
    const imp = list.runs.find((r) => r.kind === 'imp')!;
    expect(imp.status).toBe('failed');
    expect(imp.error).toMatch(/interrupted/);

    const resumed = cli(['resume', imp.runId, '--json', ...opts('killed.db')]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const out = JSON.parse(resumed.stdout);
    expect(out.runs.every((r: { status: string }) => r.status === 'done')).toBe(true);
    expect(fingerprint('killed.db')).toEqual(fingerprint('ref.db'));

    const again = cli(['resume', imp.runId, ...opts('killed.db')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is done: nothing to resume/);
  });

  describe('snapshots', () => {
    it('exports a round as safetensors and npz that import back to the same masks; a malformed file changes nothing', () => {
      const st = join(tmp.dir, 'ticket.safetensors');
      const ex = cli(['export', `${impRunId}:2`, '--out', st, '--json', ...opts('ref.db')]);
      expect(ex.code, ex.stderr).toBe(0);
      expect(JSON.parse(ex.stdout)).toMatchObject({ format: 'safetensors', round: 2, which: 'trained' });
      const npz = join(tmp.dir, 'ticket-masks.npz');
      expect(cli(['export', `${impRunId}:2:mask`, '--out', npz, ...opts('ref.db')]).code).toBe(0);

      const before = fingerprint('ref.db');
      const bad = join(tmp.dir, 'bad.safetensors');
      writeFileSync(bad, readFileSync(st).subarray(0, 100));
      const rejected = cli(['import', bad, ...opts('ref.db')]);
      expect(rejected.code).toBe(2);
      expect(rejected.stderr.trim().split('\n')).toHaveLength(1);
      expect(fingerprint('ref.db')).toEqual(before);

      for (const file of [st, npz]) {
        const im = cli(['import', file, '--json', ...opts('ref.db')]);
        expect(im.code, im.stderr).toBe(0);
        const { runId, round, withWeights } = JSON.parse(im.stdout);
        expect(round).toBe(2);
        expect(withWeights).toBe(file === st);
        const db = new Database(join(tmp.dir, 'ref.db'), { readonly: true });
        const masks = (id: string, state: string) =>
          db.prepare(`SELECT layer, sha256 FROM tensors WHERE run_id = ? AND round = 2 AND state = ? AND param = 'mask' ORDER BY layer`).all(id, state);
        expect(masks(runId, 'mask')).toEqual(masks(impRunId, 'trained'));
        if (withWeights) {
          const w = (id: string) => db.prepare(`SELECT layer, sha256 FROM tensors WHERE run_id = ? AND round = 2 AND state = 'trained' AND param = 'weight' ORDER BY layer`).all(id);
          expect(w(runId)).toEqual(w(impRunId));
        }
        db.close();
      }
      const shown = JSON.parse(cli(['list', '--json', ...opts('ref.db')]).stdout).runs.filter((r: { kind: string }) => r.kind === 'imported');
      expect(shown).toHaveLength(2);
      // An imported run exports again: the file it came from, as far as it held weights.
      for (const r of shown as { runId: string }[]) {
        const again = join(tmp.dir, `${r.runId}.safetensors`);
        const ex2 = cli(['export', r.runId, '--out', again, '--json', ...opts('ref.db')]);
        expect(ex2.code, ex2.stderr).toBe(0);
        expect(JSON.parse(ex2.stdout)).toMatchObject({ round: 2, runId: r.runId });
      }
    });

    it.each([
      [['export', 'nosuchrun', '--out', 'x.safetensors'], /unknown run nosuchrun/],
      [['export', 'r1:zz', '--out', 'x.safetensors'], /"zz" is neither a round number nor one of trained, init, mask, ticket-at-init/],
      [['export', 'r1'], /export needs --out FILE/],
      [['import', 'missing.safetensors'], /cannot read \(ENOENT\)/],
    ])('bad usage %j exits 2 with one line', (args, re) => {
      const r = cli([...args, ...opts('ref.db')], { cwd: tmp.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  });
});

// IMP with controls at chosen rounds only (`method.controlRounds`), through the real CLI and worker on a small
// synthetic set: each control trains exactly its rounds; random-prune stays nested across the skipped round with the
// ticket's per-layer counts; reinit and shuffle are bit-identical to those of a run with every round; a SIGKILL
// between a control's chosen rounds, then `resume`, gives exactly the uninterrupted result.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/service';
import type { NetState } from '../../src/shared/tensors';
import { BIN, assertBuilt, cli, tempDir } from '../helpers/cli';
import { testCore } from '../helpers/core';
import { committedRounds, fingerprint as fingerprintOf } from '../helpers/fingerprint';

const tmp = tempDir('ticketscope-control-rounds-');
const cfgPath = join(tmp.dir, 'imp.json');
// Every control at every round: the reference the chosen rounds are compared with (random-prune left out, since its
// chosen-round masks nest differently by design).
const everyRound = {
  version: 1,
  name: 'control-rounds',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'adam', lr: 0.0012 },
  batchSize: 60,
  iterations: 40,
  evalEvery: 20,
  validation: 300,
  seeds: [0],
  synthetic: { train: 1500, test: 300 },
  method: { kind: 'imp', rounds: 3, rates: { conv: 0.1, fc: 0.5, output: 0.2 }, controls: ['reinit', 'shuffle'] },
};
const CHOSEN = ['--set', 'method.controlRounds=[1,3]', '--set', 'method.controls=["reinit","random-prune","shuffle"]'];
const opts = (db: string) => ['--db', join(tmp.dir, db), '--data-dir', join(tmp.dir, 'data'), '--backend', 'wasm'];

const fingerprint = (dbFile: string, experimentId: string) => fingerprintOf(join(tmp.dir, dbFile), experimentId);
const committed = (dbFile: string, kind: string) => committedRounds(join(tmp.dir, dbFile), kind);

const kept = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
const keptPerLayer = (s: NetState) => s.layers.map((l) => kept(l.mask));

beforeAll(() => {
  assertBuilt();
  writeFileSync(cfgPath, JSON.stringify(everyRound));
});
afterAll(() => tmp.cleanup());

describe('controls at chosen rounds', () => {
  let chosenId = '';
  let everyId = '';
  let core: Core;
  const runOf = (experimentId: string, kind: string) => core.store.repo.getExperiment(experimentId).runs.find((r) => r.kind === kind)!;
  const state = (experimentId: string, kind: string, round: number, which: 'init' | 'trained' = 'trained') =>
    core.store.tensors.loadState(runOf(experimentId, kind).runId, round, which, 'lenet-300-100');

  beforeAll(() => {
    const chosen = cli(['run', cfgPath, ...CHOSEN, '--json', ...opts('ref.db')]);
    expect(chosen.code, chosen.stderr).toBe(0);
    chosenId = JSON.parse(chosen.stdout).experimentId;
    const every = cli(['run', cfgPath, '--json', ...opts('ref.db')]);
    expect(every.code, every.stderr).toBe(0);
    everyId = JSON.parse(every.stdout).experimentId;
    core = testCore(tmp.dir, { dbPath: join(tmp.dir, 'ref.db') });
  }, 300_000);
  afterAll(async () => {
    await core?.close();
  });

  it('trains every round of the ticket and only rounds 1 and 3 of each control', () => {
    expect(chosenId).not.toBe(everyId);
    const runs = core.store.repo.getExperiment(chosenId).runs;
    expect(runs.map((r) => [r.kind, r.status])).toEqual([['imp', 'done'], ['reinit', 'done'], ['random-prune', 'done'], ['shuffle', 'done']]);
    expect(runs[0]!.rounds.map((r) => r.round)).toEqual([0, 1, 2, 3]);
    expect([runs[0]!.roundsTotal, runs[0]!.iterations]).toEqual([4, 160]);
    for (const c of runs.slice(1)) {
      expect(c.rounds.map((r) => r.round), c.kind).toEqual([1, 3]);
      // Rounds done / total and iterations count the chosen rounds; the last progress reached the run's total.
      expect([c.roundsDone, c.roundsTotal, c.iteration, c.iterations], c.kind).toEqual([2, 2, 80, 80]);
      expect([...new Set(core.store.repo.getMetrics(c.runId).map((p) => p.round))], c.kind).toEqual([1, 3]);
      // Each control round keeps the ticket's density of the same round.
      for (const r of c.rounds) expect(r.density).toBe(runs[0]!.rounds.find((t) => t.round === r.round)!.density);
    }
  });

  it('random-prune round 3 prunes its own round 1 (the skipped round 2 is not used) to the ticket\'s per-layer counts', () => {
    for (const round of [1, 3]) {
      const ticket = state(chosenId, 'imp', round);
      const random = state(chosenId, 'random-prune', round);
      expect(keptPerLayer(random), `round ${round}`).toEqual(keptPerLayer(ticket));
      expect(random.layers[0]!.mask).not.toEqual(ticket.layers[0]!.mask);
    }
    const r1 = state(chosenId, 'random-prune', 1).layers;
    const r3 = state(chosenId, 'random-prune', 3).layers;
    r3.forEach((l, i) => expect(l.mask.every((m, j) => m <= r1[i]!.mask[j]!), l.name).toBe(true));
  });

  it('the ticket, reinit and shuffle are bit-identical to those of the run with every control round', () => {
    for (const round of [0, 1, 2, 3]) expect(state(chosenId, 'imp', round)).toEqual(state(everyId, 'imp', round));
    for (const kind of ['reinit', 'shuffle']) {
      for (const round of [1, 3]) {
        for (const which of ['init', 'trained'] as const) expect(state(chosenId, kind, round, which), `${kind} ${round} ${which}`).toEqual(state(everyId, kind, round, which));
      }
      const a = runOf(chosenId, kind).rounds;
      const b = runOf(everyId, kind).rounds.filter((r) => r.round !== 2);
      expect(a).toEqual(b);
    }
  });

  it('killed between a control\'s chosen rounds, resumed, ends with exactly the uninterrupted result', async () => {
    const child = spawn(process.execPath, [BIN, 'run', cfgPath, ...CHOSEN, '--json', ...opts('killed.db')], { stdio: 'ignore' });
    // Poll the database (no fixed sleeps) until random-prune has committed round 1: its round 3 waits for the
    // ticket's rounds 2 and 3, so the kill lands between the control's chosen rounds.
    const t0 = Date.now();
    while (committed('killed.db', 'random-prune') < 1) {
      if (child.exitCode !== null) throw new Error(`run exited early with ${child.exitCode}`);
      if (Date.now() - t0 > 120_000) throw new Error('random-prune round 1 never committed');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(committed('killed.db', 'random-prune')).toBe(1);

    const list = JSON.parse(cli(['list', '--json', ...opts('killed.db')]).stdout) as { runs: { runId: string; kind: string; status: string }[] };
    const imp = list.runs.find((r) => r.kind === 'imp')!;
    const resumed = cli(['resume', imp.runId, '--json', ...opts('killed.db')]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).runs.every((r: { status: string }) => r.status === 'done')).toBe(true);
    expect(fingerprint('killed.db', chosenId)).toEqual(fingerprint('ref.db', chosenId));
  }, 300_000);
});

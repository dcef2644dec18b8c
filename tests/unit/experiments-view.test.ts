// The experiment queries behind the Runs view and the lottery plot: Repo.listExperiments / getExperiment and the
// contract's params for them. (The plot's aggregation and CSV are checked end to end in tests/e2e/lottery-plot.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/store/db';
import { Repo } from '../../src/main/store/repo';
import { parseExperimentConfig } from '../../src/shared/config';
import { paramSchemas } from '../../src/shared/contract';
import { NotFoundError } from '../../src/shared/errors';

const config = parseExperimentConfig({
  version: 1,
  name: 'imp',
  dataset: 'synthetic-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'adam', lr: 0.0012 },
  batchSize: 60,
  iterations: 100,
  evalEvery: 50,
  validation: 100,
  seeds: [0, 1],
  method: { kind: 'imp', rounds: 2, rates: { conv: 0.1, fc: 0.5, output: 0.2 }, controls: ['reinit'] },
});

function withRepo(fn: (repo: Repo) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'ts-exp-'));
  const db = openDatabase(join(dir, 'x.db'));
  try {
    fn(new Repo(db));
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Two seeds, each an IMP ticket (rounds 0..2) and a reinit control (rounds 1..2), with made-up results. */
function fill(repo: Repo) {
  repo.ensureExperiment('e1', config);
  const acc = (seed: number, kind: string, round: number) => 0.9 - round * 0.01 - (kind === 'reinit' ? 0.05 : 0) + seed * 0.002;
  for (const seed of [0, 1]) {
    const ticket = `t${seed}`;
    repo.createRun({ id: ticket, experimentId: 'e1', seed, kind: 'imp', config, iterations: 300, pid: 1, roundsTotal: 3 });
    repo.createRun({ id: `c${seed}`, experimentId: 'e1', seed, kind: 'reinit', config, iterations: 200, pid: 1, parentRunId: ticket, firstRound: 1, roundsTotal: 2 });
    for (const round of [0, 1, 2]) {
      repo.addRound(ticket, { round, density: 0.5 ** round, testAccuracy: acc(seed, 'imp', round), earlyStopIteration: 50 + seed * 50, finalTestAccuracy: 0.8 });
      if (round > 0) repo.addRound(`c${seed}`, { round, density: 0.5 ** round, testAccuracy: acc(seed, 'reinit', round), earlyStopIteration: 100, finalTestAccuracy: 0.7 });
    }
    repo.updateRun(ticket, { status: 'done', warnings: seed === 1 ? ['round 2: layer fc3 is pruned to nothing (0 weights remaining)'] : [] });
    repo.updateRun(`c${seed}`, { status: seed === 0 ? 'done' : 'cancelled' });
  }
}

describe('experiment queries', () => {
  it('lists experiments with run counts and a combined status', () => {
    withRepo((repo) => {
      expect(repo.listExperiments()).toEqual([]);
      fill(repo);
      repo.ensureExperiment('e2', { ...config, name: 'empty' });
      const list = repo.listExperiments();
      expect(list.map((e) => e.experimentId).sort()).toEqual(['e1', 'e2']);
      const e1 = list.find((e) => e.experimentId === 'e1')!;
      expect(e1.runCounts).toEqual({ queued: 0, running: 0, done: 3, failed: 0, cancelled: 1, total: 4 });
      expect(e1.status).toBe('cancelled');
      expect(e1.config).toEqual(config);
      expect(list.find((e) => e.experimentId === 'e2')!.status).toBe('empty');
    });
  });

  it('returns an experiment with every run (ticket before its controls, by seed), its rounds and warnings', () => {
    withRepo((repo) => {
      fill(repo);
      const d = repo.getExperiment('e1');
      expect(d.runs.map((r) => r.runId)).toEqual(['t0', 'c0', 't1', 'c1']);
      expect(d.runs[0]!.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
      expect(d.runs[1]!.rounds.map((r) => r.round)).toEqual([1, 2]);
      expect(d.runs[1]!.parentRunId).toBe('t0');
      expect(d.runs[2]!.warnings).toEqual(['round 2: layer fc3 is pruned to nothing (0 weights remaining)']);
      expect(d.runs[2]!.rounds).toEqual(repo.getRun('t1').rounds);
      expect(() => repo.getExperiment('nope')).toThrow(NotFoundError);
    });
  });

  it('validates the params strictly', () => {
    expect(paramSchemas.getExperiment.safeParse({ experimentId: 'e23de3a2f58854e5' }).success).toBe(true);
    expect(paramSchemas.getExperiment.safeParse({}).success).toBe(false);
    expect(paramSchemas.getExperiment.safeParse({ experimentId: '../x' }).success).toBe(false);
    expect(paramSchemas.getExperiment.safeParse({ experimentId: 'e1', extra: 1 }).success).toBe(false);
    expect(paramSchemas.listExperiments.safeParse({}).success).toBe(true);
    expect(paramSchemas.listExperiments.safeParse({ all: true }).success).toBe(false);
  });
});

// bench/parity.py trains in PyTorch what a Ticketscope run trained (the exported init, the run's hold-out,
// normalisation and, by default, its batch order). On a small IDX data set, a dense LeNet run with an evaluation
// after every step must give the same losses step by step in both: the same first batch, the same Adam (epsilon
// 1e-8, bias correction), the same softmax cross-entropy, across an epoch boundary. Only float32 summation order
// differs, so the curves agree to about 1e-5 over a few dozen steps (chaos separates them only over thousands).
// Also: the script's one-line refusal (exit 2) of an unknown run. Skips, saying why, without a python with torch
// (TICKETSCOPE_REQUIRE_TORCH=1 makes that a failure).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repo } from '../../src/main/store/repo';
import { ROOT, assertBuilt, cli, tempDir } from '../helpers/cli';
import { findTorchPython, requireOrSkip } from '../helpers/python';
import { idxSet, writeFiles } from '../helpers/data-fixtures';

const torch = findTorchPython();
const tmp = tempDir('ticketscope-parity-');
const SCRIPT = join(ROOT, 'bench', 'parity.py');
const db = join(tmp.dir, 'p.db');
const dataDir = join(tmp.dir, 'data');
const STEPS = 24;

interface Split {
  loss: number;
  accuracy: number;
}
interface TorchRun {
  runId: string;
  seed: number;
  order: string;
  normalisationCheck: { mean: number; std: number };
  evaluations: { iteration: number; train: Split; validation: Split; test: Split }[];
  earlyStop: { iteration: number; testAccuracy: number };
}

function parity(...args: string[]) {
  return spawnSync(torch.python ?? 'python3', [SCRIPT, ...args, '--db', db, '--data-dir', dataDir, '--ticketscope', `${process.execPath} ${join(ROOT, 'bin', 'ticketscope.mjs')}`], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 << 20,
  });
}

afterAll(() => tmp.cleanup());

describe.runIf(requireOrSkip(torch, 'pytorch-parity'))('bench/parity.py against Ticketscope', () => {
  let runId = '';
  let seed = 0;
  beforeAll(() => {
    assertBuilt();
    const src = writeFiles(join(tmp.dir, 'src'), idxSet(1200, 300, true));
    const imported = cli(['data', 'import', 'fashion-mnist', src, '--data-dir', dataDir]);
    expect(imported.code, imported.stderr).toBe(0);
    const cfg = join(tmp.dir, 'dense.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        version: 1,
        name: 'parity',
        dataset: 'fashion-mnist',
        arch: 'lenet-300-100',
        optimizer: { name: 'adam', lr: 0.0012 },
        batchSize: 60,
        iterations: STEPS,
        evalEvery: 1,
        validation: 200,
        seeds: [3],
        method: { kind: 'dense' },
      }),
    );
    const r = cli(['run', cfg, '--json', '--db', db, '--data-dir', dataDir, '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    const run = (JSON.parse(r.stdout) as { runs: { runId: string; seed: number }[] }).runs[0]!;
    runId = run.runId;
    seed = run.seed;
  });

  it('trains step by step as Ticketscope did, from the exported init in its batch order', () => {
    const r = parity(runId);
    expect(r.status, r.stderr).toBe(0);
    const out = (JSON.parse(r.stdout) as { runs: TorchRun[] }).runs[0]!;
    expect(out).toMatchObject({ runId, seed, order: 'ticketscope' });
    // The same hold-out: the normalisation recomputed from the pixels the script holds out is the run's.
    expect(Math.abs(out.normalisationCheck.mean)).toBeLessThan(1e-12);
    expect(Math.abs(out.normalisationCheck.std)).toBeLessThan(1e-12);

    const sqlite = new Database(db, { readonly: true });
    const repo = new Repo(sqlite);
    const points = repo.getMetrics(runId);
    const ours = repo.getRun(runId).rounds[0]!;
    sqlite.close();
    expect(out.evaluations.map((e) => e.iteration)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    for (const e of out.evaluations) {
      for (const split of ['train', 'validation', 'test'] as const) {
        const p = points.find((x) => x.iteration === e.iteration && x.split === split)!;
        expect(Math.abs(e[split].loss - p.loss), `${split} loss at step ${e.iteration}: torch ${e[split].loss}, ticketscope ${p.loss}`).toBeLessThan(1e-5 * (1 + p.loss));
        // A near-tie may flip one prediction.
        expect(Math.abs(e[split].accuracy - p.accuracy), `${split} accuracy at step ${e.iteration}`).toBeLessThanOrEqual(1 / 150);
      }
    }
    expect(out.earlyStop.iteration).toBe(ours.earlyStopIteration);
  });

  it('draws an independent order with --order torch', () => {
    const r = parity(runId, '--order', 'torch', '--iterations', '3');
    expect(r.status, r.stderr).toBe(0);
    const out = (JSON.parse(r.stdout) as { runs: TorchRun[] }).runs[0]!;
    expect(out.order).toBe('torch');
    expect(out.evaluations.map((e) => e.iteration)).toEqual([1, 2, 3]);
    const sqlite = new Database(db, { readonly: true });
    const first = new Repo(sqlite).getMetrics(runId).find((x) => x.iteration === 1 && x.split === 'train')!;
    sqlite.close();
    // Another first batch from the same init: a different loss.
    expect(Math.abs(out.evaluations[0]!.train.loss - first.loss)).toBeGreaterThan(1e-3);
  });

  it('refuses an unknown run with one line and exit 2', () => {
    const r = parity('rnosuchrun00');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^parity: .*rnosuchrun00/);
  });
});

// A sweep through a real scheduler: `ticketscope sweep --emit slurm` for a small quick-imp experiment in 2 shards,
// the array submitted to a one-node Slurm cluster started here (sbatch --wait), the shard databases merged, and the
// result compared with a single-machine run of the same config: the same run ids, masks, weights, metrics and
// accuracies. Where Slurm cannot start (no root, not installed) the Slurm test skips with the reason and the array's
// tasks run locally with SLURM_ARRAY_TASK_ID set; either way a task killed mid-shard and run again continues its
// shard to the same result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, assertBuilt, cli, tempDir } from '../helpers/cli';
import { committedRounds, runFingerprint } from '../helpers/fingerprint';
import { startSlurm, type Slurm } from '../helpers/slurm';

const tmp = tempDir('ticketscope-sweep-');
const data = join(tmp.dir, 'data');
const SETS = [
  '--set', 'iterations=30', '--set', 'evalEvery=10', '--set', 'validation=100', '--set', 'seeds=[0,1]', '--set', 'method.rounds=1',
  '--set', 'method.controls=["reinit"]', '--set', 'synthetic.train=400', '--set', 'synthetic.test=100',
];
const TICKETSCOPE = `${process.execPath} ${BIN}`;

function emit(out: string): void {
  const r = cli(['sweep', '--preset', 'quick-imp', ...SETS, '--shards', '2', '--emit', 'slurm', '--out', out, '--cpus', '1', '--backend', 'wasm', '--data-dir', data, '--ticketscope', TICKETSCOPE]);
  expect(r.code, r.stderr).toBe(0);
}

/** Runs array task `i` of the script in `dir` here, as Slurm would (its environment names the task). */
function runTaskLocally(dir: string, i: number) {
  return spawnSync('bash', [join(dir, 'sweep.sbatch')], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: String(i) }, timeout: 300_000 });
}

function merge(dir: string, into: string): void {
  const r = cli(['merge', join(dir, 'shard-0.sqlite'), join(dir, 'shard-1.sqlite'), '--into', into, '--json']);
  expect(r.code, r.stderr).toBe(0);
}

let slurm: Slurm | { reason: string } = { reason: 'not started' };
const single = join(tmp.dir, 'single.db');

beforeAll(async () => {
  assertBuilt();
  emit(join(tmp.dir, 'sweep'));
  chmodSync(tmp.dir, 0o755); // munged (as the munge user) must reach its socket below it
  slurm = await startSlurm(join(tmp.dir, 'slurm'));
  if ('reason' in slurm) {
    if (process.env.TICKETSCOPE_REQUIRE_SLURM === '1') throw new Error(`TICKETSCOPE_REQUIRE_SLURM=1 but Slurm cannot start: ${slurm.reason}`);
    console.log(`Slurm test skipped: ${slurm.reason}; the array's tasks run locally instead`);
  }
}, 120_000);

afterAll(async () => {
  if ('stop' in slurm) await slurm.stop();
  tmp.cleanup();
});

describe('ticketscope sweep', () => {
  it('writes the frozen config, the Kubernetes Job and its ConfigMap, and a manifest of the shards', () => {
    const out = join(tmp.dir, 'k8s');
    const r = cli(['sweep', '--preset', 'quick-imp', ...SETS, '--shards', '2', '--emit', 'k8s', '--out', out, '--image', 'registry.example/ticketscope:0.1', '--gpus', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(manifest.shards.map((s: { seeds: number[] }) => s.seeds)).toEqual([[0], [1]]);
    expect(JSON.parse(readFileSync(join(out, 'job.json'), 'utf8')).spec.completions).toBe(2);
    expect(JSON.parse(readFileSync(join(out, 'configmap.json'), 'utf8')).data['config.json']).toBe(readFileSync(join(out, 'config.json'), 'utf8'));
  });

  it('refuses bad usage in one line with exit 2', () => {
    const out = join(tmp.dir, 'bad');
    const base = ['sweep', '--preset', 'quick-imp', ...SETS];
    for (const [args, pattern] of [
      [[...base, '--shards', '2', '--out', out], /--emit slurm or --emit k8s/],
      [[...base, '--shards', '3', '--emit', 'slurm', '--out', out], /at most 2 shards/],
      [[...base, '--shards', '2', '--emit', 'k8s', '--out', out], /needs --image/],
      [[...base, '--shards', '2', '--emit', 'k8s', '--out', out, '--image', 'x', '--time', '10'], /--time is for --emit slurm/],
      [[...base, '--shards', '2', '--emit', 'slurm', '--out', out, '--mem', 'lots'], /--mem lots: expected/],
      [[...base, '--shards', '2', '--emit', 'slurm', '--out', join(tmp.dir, 'a b')], /use a folder path/],
      [[...base, '--shards', '1', '--emit', 'slurm', '--out', join(tmp.dir, 'sweep')], /holds another sweep/],
    ] as const) {
      const r = cli([...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(out)).toBe(false);
  });
});

describe('a sweep on Slurm', () => {
  it('the single-machine reference run', () => {
    const r = cli(['run', join(tmp.dir, 'sweep', 'config.json'), '--db', single, '--data-dir', data, '--backend', 'wasm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).runs).toHaveLength(4);
  });

  it('the emitted array runs on Slurm (sbatch --wait); the merged shards equal the single-machine run', (ctx) => {
    if (!('env' in slurm)) return ctx.skip();
    const dir = join(tmp.dir, 'sweep');
    const r = spawnSync('sbatch', ['--wait', join(dir, 'sweep.sbatch')], { encoding: 'utf8', env: { ...slurm.env, TICKETSCOPE }, timeout: 600_000 });
    const logs = [0, 1].map((i) => { try { return readFileSync(join(dir, `shard-${i}.log`), 'utf8'); } catch { return ''; } });
    expect(r.status, `${r.stderr}\n${logs.join('\n')}`).toBe(0);
    merge(dir, join(tmp.dir, 'merged-slurm.db'));
    expect(runFingerprint(join(tmp.dir, 'merged-slurm.db'))).toEqual(runFingerprint(single));
  });

  it('without Slurm: each array task runs locally with SLURM_ARRAY_TASK_ID; the merged shards equal the single-machine run', (ctx) => {
    if ('env' in slurm) return ctx.skip();
    const dir = join(tmp.dir, 'sweep');
    for (const i of [0, 1]) {
      const r = runTaskLocally(dir, i);
      expect(r.status, r.stderr).toBe(0);
    }
    merge(dir, join(tmp.dir, 'merged-local.db'));
    expect(runFingerprint(join(tmp.dir, 'merged-local.db'))).toEqual(runFingerprint(single));
  });

  it('a task killed mid-shard and run again (a re-queued job) continues its shard to the same result', async () => {
    const dir = join(tmp.dir, 'requeue');
    emit(dir);
    const db = join(dir, 'shard-0.sqlite');
    const child = spawn('bash', [join(dir, 'sweep.sbatch')], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '0' }, stdio: 'ignore' });
    const t0 = Date.now();
    while (committedRounds(db, 'imp') < 1) {
      if (child.exitCode !== null) throw new Error(`the task exited early with ${child.exitCode}`);
      if (Date.now() - t0 > 120_000) throw new Error('round 0 never committed');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(committedRounds(db, 'imp')).toBeLessThan(2);

    const again = runTaskLocally(dir, 0);
    expect(again.status, again.stderr).toBe(0);
    // Run once more, as a task re-queued after it had finished: nothing to train, the same database.
    const before = runFingerprint(db);
    const third = runTaskLocally(dir, 0);
    expect(third.status, third.stderr).toBe(0);
    expect(runFingerprint(db)).toEqual(before);

    const ref = runFingerprint(single);
    const shard0 = new Set((before.runs as { id: string; seed: number }[]).filter((r) => r.seed === 0).map((r) => r.id));
    expect(shard0.size).toBe(2);
    const only = <T extends { id?: string; run_id?: string }>(rows: unknown[]) => (rows as T[]).filter((x) => shard0.has(x.id ?? x.run_id!));
    for (const k of ['runs', 'rounds', 'tensors', 'metrics'] as const) expect(only(before[k])).toEqual(only(ref[k]));
  });
});

// Merging shard databases (sweeps on Slurm or Kubernetes, docs/cluster.md) into one. Two passes:
//  1. check: every shard is copied and opened (shard-file.ts), every tensor's checksum and size verified, and every
//     run compared with the run of the same id in the target or in an earlier shard: same identity (experiment,
//     seed, kind, parent, rounds) and, round by round, the same result, tensor checksums and metrics. A difference is
//     a conflict: one line, and nothing has been written anywhere.
//  2. apply: each shard in one transaction of the target, adding its new runs and the rounds the target's runs lack.
// So merging the same shard twice changes nothing, and a conflict leaves the target as it was.
import { createHash } from 'node:crypto';
import { ValidationError } from '../../shared/errors';
import { SCHEMA_VERSION, type Db } from './db';
import { packedLength, sha256Hex } from './bits';
import { makeScratch, openShardCopy, shardFileProblem } from './shard-file';

export interface MergeProgress {
  phase: 'check' | 'merge';
  /** 0-based shard number and the number of shards. */
  shard: number;
  shards: number;
  path: string;
}

export interface ShardReport {
  path: string;
  /** Schema version the shard was written with (it was migrated on a copy when older than this app's). */
  schemaVersion: number;
  migrated: boolean;
  runsAdded: number;
  /** Runs the target had with fewer rounds: the shard's further rounds were added. */
  runsExtended: number;
  /** Runs the target already had with everything the shard holds. */
  runsUnchanged: number;
  roundsAdded: number;
  tensorsVerified: number;
}

interface RunRow {
  id: string;
  experiment_id: string;
  seed: number;
  kind: string;
  status: string;
  parent_run_id: string | null;
  first_round: number;
  rounds_total: number;
  iterations: number;
  backend: string | null;
}

/** What a run is and what each of its stored rounds holds, as comparable strings. */
interface RunContent {
  identity: string;
  backend: string | null;
  /** Per stored round (a rounds row or tensors): the result, the tensor checksums, the metrics. */
  rounds: Map<number, { result: string; tensors: string; metrics: string }>;
}

const identityOf = (r: RunRow) => JSON.stringify([r.experiment_id, r.seed, r.kind, r.parent_run_id, r.first_round, r.rounds_total, r.iterations]);
const digest = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex');

function runContent(db: Db, run: RunRow): RunContent {
  const rounds = new Map<number, { result: string; tensors: string; metrics: string }>();
  const results = db
    .prepare('SELECT round, density, test_accuracy, early_stop_iteration, final_test_accuracy FROM rounds WHERE run_id = ?')
    .all(run.id) as { round: number }[];
  const tensors = db
    .prepare('SELECT round, state, layer, param, kind, dtype, shape, sha256 FROM tensors WHERE run_id = ? ORDER BY round, state, layer, param')
    .all(run.id) as { round: number; state: string; layer: string; param: string; kind: string; dtype: string; shape: string; sha256: string }[];
  const metrics = db
    .prepare('SELECT round, iteration, split, loss, accuracy FROM metrics WHERE run_id = ? ORDER BY round, iteration, split')
    .all(run.id) as { round: number; iteration: number; split: string; loss: number; accuracy: number }[];
  const roundSet = new Set([...results.map((r) => r.round), ...tensors.map((t) => t.round)]);
  for (const round of [...roundSet].sort((a, b) => a - b)) {
    const result = results.find((r) => r.round === round);
    rounds.set(round, {
      result: result ? JSON.stringify(result) : 'none',
      tensors: digest(tensors.filter((t) => t.round === round).map((t) => `${t.state} ${t.layer} ${t.param} ${t.kind} ${t.dtype} ${t.shape} ${t.sha256}`)),
      metrics: digest(metrics.filter((m) => m.round === round).map((m) => `${m.iteration} ${m.split} ${m.loss} ${m.accuracy}`)),
    });
  }
  return { identity: identityOf(run), backend: run.backend, rounds };
}

/** Why two contents of one run id cannot both be true, or null when one extends the other (or they are equal). */
function conflictOf(a: RunContent, b: RunContent): string | null {
  if (a.identity !== b.identity) {
    const [x, y] = [JSON.parse(a.identity) as unknown[], JSON.parse(b.identity) as unknown[]];
    const names = ['experiment', 'seed', 'kind', 'parent run', 'first round', 'rounds', 'iterations'];
    const i = x.findIndex((v, k) => v !== y[k]);
    return `it is a different run (${names[i]} ${String(x[i])} here, ${String(y[i])} there)`;
  }
  for (const [round, ra] of a.rounds) {
    const rb = b.rounds.get(round);
    if (!rb) continue;
    const what = ra.result !== rb.result ? 'result' : ra.tensors !== rb.tensors ? 'weights or masks' : ra.metrics !== rb.metrics ? 'metrics' : null;
    if (what) {
      const backends = a.backend !== b.backend ? ` (trained on ${a.backend ?? '?'} here, ${b.backend ?? '?'} there)` : '';
      return `round ${round} has a different ${what}${backends}`;
    }
  }
  return null;
}

/** The union of two contents that do not conflict. */
function union(a: RunContent, b: RunContent): RunContent {
  return { ...a, rounds: new Map([...b.rounds, ...a.rounds]) };
}

const runsOf = (db: Db) => db.prepare('SELECT * FROM runs ORDER BY parent_run_id IS NOT NULL, rowid').all() as RunRow[];

/** Checks every tensor's checksum and size; returns how many were checked. */
function verifyTensors(db: Db, label: string): number {
  let n = 0;
  const rows = db.prepare('SELECT run_id, round, state, layer, param, dtype, shape, data, sha256 FROM tensors').iterate() as Iterable<{
    run_id: string; round: number; state: string; layer: string; param: string; dtype: string; shape: string; data: Buffer; sha256: string;
  }>;
  for (const t of rows) {
    const what = `shard ${label}: tensor ${t.run_id}:${t.round}:${t.state}:${t.layer}.${t.param}`;
    let length: number;
    try {
      length = (JSON.parse(t.shape) as number[]).reduce((x, y) => x * y, 1);
    } catch {
      throw new ValidationError(`${what}: malformed shape ${t.shape.slice(0, 40)}`);
    }
    const expected = t.dtype === 'bits' ? packedLength(length) : length * 4;
    if (!Number.isInteger(length) || t.data.length !== expected) throw new ValidationError(`${what}: ${t.data.length} bytes where its shape needs ${expected}`);
    if (sha256Hex(t.data) !== t.sha256) throw new ValidationError(`${what}: checksum mismatch`);
    n++;
  }
  return n;
}

const RUN_COLUMNS = [
  'id', 'experiment_id', 'seed', 'kind', 'status', 'config', 'iteration', 'iterations', 'backend', 'backend_report', 'pid', 'versions',
  'normalisation', 'error', 'created_at', 'updated_at', 'parent_run_id', 'first_round', 'rounds_total', 'warnings',
];
const TENSOR_COLUMNS = ['run_id', 'round', 'state', 'layer', 'param', 'kind', 'dtype', 'shape', 'data', 'sha256'];
const METRIC_COLUMNS = ['run_id', 'round', 'iteration', 'split', 'loss', 'accuracy'];
const ROUND_COLUMNS = ['run_id', 'round', 'density', 'test_accuracy', 'early_stop_iteration', 'final_test_accuracy', 'created_at'];
const insertSql = (table: string, cols: string[], verb = 'INSERT') => `${verb} INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`;

/** A run that was queued or training when its shard was copied has no process here: it was interrupted. */
function arrivedRun(row: Record<string, unknown>, label: string): Record<string, unknown> {
  const live = row.status === 'queued' || row.status === 'running';
  return { ...row, pid: null, ...(live ? { status: 'failed', error: `interrupted: it was still ${String(row.status)} in shard ${label}` } : {}) };
}

/** Copies into `target` what shard `src` has and the target lacks; the caller holds the transaction. */
function applyShard(target: Db, src: Db, label: string, report: ShardReport): void {
  const insRun = target.prepare(insertSql('runs', RUN_COLUMNS));
  const insRound = target.prepare(insertSql('rounds', ROUND_COLUMNS));
  const insTensor = target.prepare(insertSql('tensors', TENSOR_COLUMNS));
  const putMetric = target.prepare(insertSql('metrics', METRIC_COLUMNS, 'INSERT OR REPLACE'));
  const copyRound = (runId: string, round: number | null) => {
    const only = round === null ? '' : ' AND round = ?';
    const args = round === null ? [runId] : [runId, round];
    for (const r of src.prepare(`SELECT * FROM rounds WHERE run_id = ?${only}`).all(...args) as Record<string, unknown>[]) insRound.run(r);
    for (const t of src.prepare(`SELECT ${TENSOR_COLUMNS.join(', ')} FROM tensors WHERE run_id = ?${only} ORDER BY rowid`).iterate(...args)) insTensor.run(t);
    if (round !== null) target.prepare('DELETE FROM metrics WHERE run_id = ? AND round = ?').run(runId, round);
    for (const m of src.prepare(`SELECT ${METRIC_COLUMNS.join(', ')} FROM metrics WHERE run_id = ?${only}`).iterate(...args)) putMetric.run(m);
  };
  const exp = target.prepare('INSERT OR IGNORE INTO experiments (id, name, config, created_at) VALUES (@id, @name, @config, @created_at)');
  for (const e of src.prepare('SELECT id, name, config, created_at FROM experiments').all()) exp.run(e);

  for (const run of runsOf(src)) {
    const mine = runContent(src, run);
    const there = target.prepare('SELECT * FROM runs WHERE id = ?').get(run.id) as RunRow | undefined;
    if (!there) {
      const row = src.prepare(`SELECT ${RUN_COLUMNS.join(', ')} FROM runs WHERE id = ?`).get(run.id) as Record<string, unknown>;
      insRun.run(arrivedRun(row, label));
      copyRound(run.id, null);
      report.runsAdded++;
      report.roundsAdded += mine.rounds.size;
      continue;
    }
    const theirs = runContent(target, there);
    const conflict = conflictOf(mine, theirs);
    if (conflict) throw new ValidationError(`shard ${label}: run ${run.id} conflicts with the run of that id in the target: ${conflict}`);
    const missing = [...mine.rounds.keys()].filter((r) => !theirs.rounds.has(r));
    if (!missing.length) {
      report.runsUnchanged++;
      continue;
    }
    if (there.status === 'queued' || there.status === 'running') {
      throw new ValidationError(`shard ${label}: run ${run.id} is ${there.status} in the target database; merge when it has stopped`);
    }
    for (const r of missing) copyRound(run.id, r);
    // The shard's run went further: it brings its state along (done, or where it stopped).
    const row = src.prepare(`SELECT status, error, iteration, backend, backend_report, versions, normalisation, warnings, updated_at FROM runs WHERE id = ?`).get(run.id) as Record<string, unknown>;
    const arrived = arrivedRun(row, label);
    const sets = Object.keys(arrived).filter((k) => k !== 'pid');
    target.prepare(`UPDATE runs SET ${sets.map((k) => `${k} = @${k}`).join(', ')}, pid = NULL WHERE id = @id`).run({ ...arrived, id: run.id });
    report.runsExtended++;
    report.roundsAdded += missing.length;
  }
}

/**
 * Merges shard databases into `target` (see the file comment). `target` is null when the target database does not
 * exist yet: the check pass then runs before `create` makes it, so a failed check creates nothing. `scratchDir` is
 * where the shard copies go (a private folder is made there and removed at the end). Yields before each shard's
 * check and merge, so a caller may report progress and let its event loop run (the desktop app).
 */
export function* mergeSteps(target: Db | { create(): Db }, shards: readonly string[], scratchDir: string): Generator<MergeProgress, MergeOutcome> {
  for (const path of shards) {
    const problem = shardFileProblem(path);
    if (problem) throw new ValidationError(`shard ${path}: ${problem}`);
  }
  const scratch = makeScratch(scratchDir);
  try {
    const existing = 'prepare' in target ? target : null;
    // What the merged database will hold of each run id met so far, and where it was first met.
    const known = new Map<string, { content: RunContent; from: string }>();
    const knownAs = (id: string) => {
      if (!known.has(id) && existing) {
        const row = existing.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
        if (row) known.set(id, { content: runContent(existing, row), from: 'the target' });
      }
      return known.get(id);
    };
    const reports: ShardReport[] = [];
    for (const [i, path] of shards.entries()) {
      yield { phase: 'check', shard: i, shards: shards.length, path };
      const shard = openShardCopy(path, i, scratch.dir);
      try {
        const report: ShardReport = { path, schemaVersion: shard.version, migrated: shard.version < SCHEMA_VERSION, runsAdded: 0, runsExtended: 0, runsUnchanged: 0, roundsAdded: 0, tensorsVerified: 0 };
        report.tensorsVerified = verifyTensors(shard.db, path);
        for (const run of runsOf(shard.db)) {
          const mine = runContent(shard.db, run);
          const other = knownAs(run.id);
          const conflict = other ? conflictOf(mine, other.content) : null;
          if (conflict) throw new ValidationError(`shard ${path}: run ${run.id} conflicts with the run of that id in ${other!.from}: ${conflict}`);
          if (run.parent_run_id && !shard.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(run.parent_run_id) && !knownAs(run.parent_run_id)) {
            throw new ValidationError(`shard ${path}: run ${run.id} is a control of run ${run.parent_run_id}, which is in neither the shard nor the target`);
          }
          known.set(run.id, other ? { ...other, content: union(mine, other.content) } : { content: mine, from: `shard ${path}` });
        }
        reports.push(report);
      } finally {
        shard.close();
      }
    }
    const db = existing ?? (target as { create(): Db }).create();
    for (const [i, report] of reports.entries()) {
      yield { phase: 'merge', shard: i, shards: shards.length, path: report.path };
      const shard = openShardCopy(report.path, i, scratch.dir);
      try {
        db.transaction(() => applyShard(db, shard.db, report.path, report)).immediate();
      } finally {
        shard.close();
      }
    }
    return { target: db, shards: reports };
  } finally {
    scratch.remove();
  }
}

export interface MergeOutcome {
  target: Db;
  shards: ShardReport[];
}

/** mergeSteps run to the end, reporting each step to `onProgress`. */
export function mergeShards(
  target: Db | { create(): Db },
  shards: readonly string[],
  scratchDir: string,
  onProgress: (p: MergeProgress) => void = () => undefined,
): MergeOutcome {
  const steps = mergeSteps(target, shards, scratchDir);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    onProgress(step.value);
  }
}

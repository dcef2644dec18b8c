// Repository over the database: the only place that writes SQL for experiments, runs, rounds and metrics.
import { runObjectiveOf } from '../../shared/objective';
import type { ExperimentConfig, RunKind } from '../../shared/config';
import type {
  BackendName,
  BackendReport,
  MetricPoint,
  Normalisation,
  RoundResult,
  RunDetail,
  RunStatus,
  RunSummary,
} from '../../shared/contract';
import { NotFoundError } from '../../shared/errors';
import type { Db } from './db';
import type { ExperimentDetail, ExperimentRun, ExperimentSummary } from '../../shared/contract';

interface RunRow {
  id: string;
  experiment_id: string;
  experiment_name: string;
  seed: number;
  kind: string;
  status: RunStatus;
  config: string;
  iteration: number;
  iterations: number;
  backend: string | null;
  backend_report: string | null;
  pid: number | null;
  versions: string | null;
  normalisation: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  test_accuracy: number | null;
  parent_run_id: string | null;
  first_round: number;
  rounds_total: number;
  rounds_done: number;
  warnings: string;
  eta_seconds: number | null;
}

export interface NewRun {
  id: string;
  experimentId: string;
  seed: number;
  kind: RunKind;
  config: ExperimentConfig;
  /** Iterations over all its rounds. */
  iterations: number;
  parentRunId?: string | null;
  firstRound?: number;
  roundsTotal?: number;
  /** The process that owns the run (the core's pid): if it dies, the run was interrupted. */
  pid: number;
}

export interface RunPatch {
  status?: RunStatus;
  iteration?: number;
  backendReport?: BackendReport;
  versions?: Record<string, string>;
  normalisation?: Normalisation;
  error?: string | null;
  pid?: number | null;
  warnings?: string[];
  /** The owner's estimate of the seconds left, for other processes to show (null when not running). */
  etaSeconds?: number | null;
}

const now = () => new Date().toISOString();

const RUN_SELECT = `
  SELECT r.*, e.name AS experiment_name,
    (SELECT test_accuracy FROM rounds WHERE run_id = r.id ORDER BY round DESC LIMIT 1) AS test_accuracy,
    (SELECT count(*) FROM rounds WHERE run_id = r.id) AS rounds_done
  FROM runs r JOIN experiments e ON e.id = r.experiment_id`;

function toSummary(row: RunRow): RunSummary {
  const config = JSON.parse(row.config) as ExperimentConfig;
  return {
    runId: row.id,
    experimentId: row.experiment_id,
    experimentName: row.experiment_name,
    seed: row.seed,
    kind: row.kind as RunKind,
    parentRunId: row.parent_run_id,
    objective: runObjectiveOf(config.dataset, config.method),
    roundsTotal: row.rounds_total,
    roundsDone: row.rounds_done,
    dataset: config.dataset,
    arch: config.arch,
    status: row.status,
    iteration: row.iteration,
    iterations: row.iterations,
    etaSeconds: row.status === 'running' ? row.eta_seconds : null,
    testAccuracy: row.test_accuracy,
    backend: row.backend as BackendName | null,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class Repo {
  constructor(readonly db: Db) {}

  /** Inserts the experiment unless one with this id (config hash) exists; returns whether it was new. */
  ensureExperiment(id: string, config: ExperimentConfig): boolean {
    const r = this.db
      .prepare('INSERT OR IGNORE INTO experiments (id, name, config, created_at) VALUES (?, ?, ?, ?)')
      .run(id, config.name, JSON.stringify(config), now());
    return r.changes === 1;
  }

  createRun(run: NewRun): void {
    const t = now();
    this.db
      .prepare(
        `INSERT INTO runs (id, experiment_id, seed, kind, status, config, iterations, pid, parent_run_id, first_round,
           rounds_total, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(run.id, run.experimentId, run.seed, run.kind, JSON.stringify(run.config), run.iterations, run.pid,
        run.parentRunId ?? null, run.firstRound ?? 0, run.roundsTotal ?? 1, t, t);
  }

  updateRun(id: string, patch: RunPatch): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    const put = (col: string, v: unknown) => {
      sets.push(`${col} = ?`);
      values.push(v);
    };
    if (patch.status !== undefined) put('status', patch.status);
    if (patch.iteration !== undefined) put('iteration', patch.iteration);
    if (patch.backendReport !== undefined) {
      put('backend', patch.backendReport.name);
      put('backend_report', JSON.stringify(patch.backendReport));
    }
    if (patch.versions !== undefined) put('versions', JSON.stringify(patch.versions));
    if (patch.normalisation !== undefined) put('normalisation', JSON.stringify(patch.normalisation));
    if (patch.error !== undefined) put('error', patch.error);
    if (patch.pid !== undefined) put('pid', patch.pid);
    if (patch.warnings !== undefined) put('warnings', JSON.stringify(patch.warnings));
    if (patch.etaSeconds !== undefined) put('eta_seconds', patch.etaSeconds);
    put('updated_at', now());
    const r = this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    if (r.changes === 0) throw new NotFoundError(`unknown run ${id}`);
  }

  addMetrics(runId: string, points: readonly MetricPoint[]): void {
    const stmt = this.db.prepare(
      `INSERT OR REPLACE INTO metrics (run_id, round, iteration, split, loss, accuracy) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const p of points) stmt.run(runId, p.round, p.iteration, p.split, p.loss, p.accuracy);
    })();
  }

  /** Commits a finished round (its result and, with them, the run's normalisation) in one transaction. */
  addRound(runId: string, result: RoundResult): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO rounds (run_id, round, density, test_accuracy, early_stop_iteration, final_test_accuracy, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(runId, result.round, result.density, result.testAccuracy, result.earlyStopIteration, result.finalTestAccuracy, now());
  }

  runExists(runId: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId);
  }

  listRuns(): RunSummary[] {
    const rows = this.db.prepare(`${RUN_SELECT} ORDER BY r.created_at DESC, r.rowid DESC`).all() as RunRow[];
    return rows.map(toSummary);
  }

  /** The first round a run trains (controls start at 1) and the rounds it has committed, in order. */
  roundInfo(runId: string): { firstRound: number; roundsTotal: number; committed: number[] } {
    const row = this.db.prepare('SELECT first_round, rounds_total FROM runs WHERE id = ?').get(runId) as
      | { first_round: number; rounds_total: number }
      | undefined;
    if (!row) throw new NotFoundError(`unknown run ${runId}`);
    const committed = (this.db.prepare('SELECT round FROM rounds WHERE run_id = ? ORDER BY round').all(runId) as { round: number }[]).map((r) => r.round);
    return { firstRound: row.first_round, roundsTotal: row.rounds_total, committed };
  }

  /** A run and the controls that hang off it (or, for a control, its parent and siblings). */
  group(runId: string): string[] {
    const row = this.db.prepare('SELECT parent_run_id FROM runs WHERE id = ?').get(runId) as { parent_run_id: string | null } | undefined;
    if (!row) throw new NotFoundError(`unknown run ${runId}`);
    const root = row.parent_run_id ?? runId;
    const kids = (this.db.prepare('SELECT id FROM runs WHERE parent_run_id = ? ORDER BY rowid').all(root) as { id: string }[]).map((r) => r.id);
    return [root, ...kids];
  }

  /** Runs changed at or after an ISO time, oldest change first. */
  runsUpdatedSince(iso: string): RunSummary[] {
    const rows = this.db.prepare(`${RUN_SELECT} WHERE r.updated_at >= ? ORDER BY r.updated_at`).all(iso) as RunRow[];
    return rows.map(toSummary);
  }

  private row(runId: string): RunRow {
    const row = this.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(runId) as RunRow | undefined;
    if (!row) throw new NotFoundError(`unknown run ${runId}`);
    return row;
  }

  getSummary(runId: string): RunSummary {
    return toSummary(this.row(runId));
  }

  getRun(runId: string): RunDetail {
    const row = this.row(runId);
    const rounds = this.db
      .prepare(
        `SELECT round, density, test_accuracy AS testAccuracy, early_stop_iteration AS earlyStopIteration,
                final_test_accuracy AS finalTestAccuracy FROM rounds WHERE run_id = ? ORDER BY round`,
      )
      .all(runId) as RoundResult[];
    return {
      ...toSummary(row),
      config: JSON.parse(row.config) as ExperimentConfig,
      rounds,
      normalisation: row.normalisation ? JSON.parse(row.normalisation) : null,
      versions: row.versions ? JSON.parse(row.versions) : null,
      backendReport: row.backend_report ? (JSON.parse(row.backend_report) as BackendReport) : null,
      warnings: JSON.parse(row.warnings) as string[],
    };
  }

  getMetrics(runId: string): MetricPoint[] {
    this.row(runId);
    return this.db
      .prepare(
        `SELECT round, iteration, split, loss, accuracy FROM metrics WHERE run_id = ? ORDER BY round, iteration, split`,
      )
      .all(runId) as MetricPoint[];
  }

  /** The process that owns a run in progress (null when none does). */
  ownerPid(runId: string): number | null {
    const row = this.db.prepare('SELECT pid FROM runs WHERE id = ?').get(runId) as { pid: number | null } | undefined;
    if (!row) throw new NotFoundError(`unknown run ${runId}`);
    return row.pid;
  }

  /**
   * Asks the process that owns a run to cancel it (another process on the same database: a CLI run while the app is
   * open). The owner reads the request (takeCancelRequests) and acts on it.
   */
  requestCancel(runId: string, byPid: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO cancel_requests (run_id, requested_at, requested_by) VALUES (?, ?, ?)')
      .run(runId, now(), byPid);
  }

  /** The cancel requests for any of `runIds`, removed as they are returned. */
  takeCancelRequests(runIds: readonly string[]): string[] {
    if (!runIds.length) return [];
    return this.db.transaction(() => {
      const marks = runIds.map(() => '?').join(', ');
      const ids = (this.db.prepare(`SELECT run_id FROM cancel_requests WHERE run_id IN (${marks})`).all(...runIds) as { run_id: string }[]).map((r) => r.run_id);
      if (ids.length) this.db.prepare(`DELETE FROM cancel_requests WHERE run_id IN (${ids.map(() => '?').join(', ')})`).run(...ids);
      return ids;
    })();
  }

  /** Runs marked queued/running by a process that no longer exists: they were interrupted. */
  markOrphansInterrupted(isAlive: (pid: number, runId: string) => boolean): number {
    const rows = this.db
      .prepare(`SELECT id, pid FROM runs WHERE status IN ('queued', 'running')`)
      .all() as { id: string; pid: number | null }[];
    let n = 0;
    for (const r of rows) {
      if (r.pid === null || !isAlive(r.pid, r.id)) {
        this.updateRun(r.id, { status: 'failed', error: 'interrupted: the process running it stopped', pid: null });
        n++;
      }
    }
    return n;
  }

  /** Every experiment, newest first, with its run counts by status. */
  listExperiments(): ExperimentSummary[] {
    const rows = this.db
      .prepare(
        `SELECT e.id, e.name, e.config, e.created_at,
           (SELECT max(updated_at) FROM runs WHERE experiment_id = e.id) AS updated_at
         FROM experiments e ORDER BY e.created_at DESC, e.rowid DESC`,
      )
      .all() as ExperimentRow[];
    const counts = this.db
      .prepare('SELECT experiment_id, status, count(*) AS n FROM runs GROUP BY experiment_id, status')
      .all() as { experiment_id: string; status: RunStatus; n: number }[];
    const byExp = new Map<string, { status: RunStatus; n: number }[]>();
    for (const c of counts) {
      const list = byExp.get(c.experiment_id) ?? [];
      list.push(c);
      byExp.set(c.experiment_id, list);
    }
    return rows.map((r) => toExperimentSummary(r, byExp.get(r.id) ?? []));
  }

  /** One experiment with every run (by seed, the method's run before its controls) and their rounds. */
  getExperiment(experimentId: string): ExperimentDetail {
    const row = this.db
      .prepare(
        `SELECT e.id, e.name, e.config, e.created_at,
           (SELECT max(updated_at) FROM runs WHERE experiment_id = e.id) AS updated_at
         FROM experiments e WHERE e.id = ?`,
      )
      .get(experimentId) as ExperimentRow | undefined;
    if (!row) throw new NotFoundError(`unknown experiment ${experimentId}`);
    const runRows = this.db
      .prepare(`${RUN_SELECT} WHERE r.experiment_id = ? ORDER BY r.seed, r.parent_run_id IS NOT NULL, r.rowid`)
      .all(experimentId) as RunRow[];
    const roundRows = this.db
      .prepare(
        `SELECT run_id AS runId, round, density, test_accuracy AS testAccuracy,
                early_stop_iteration AS earlyStopIteration, final_test_accuracy AS finalTestAccuracy
         FROM rounds WHERE run_id IN (SELECT id FROM runs WHERE experiment_id = ?) ORDER BY run_id, round`,
      )
      .all(experimentId) as (RoundResult & { runId: string })[];
    const rounds = new Map<string, RoundResult[]>();
    for (const { runId, ...r } of roundRows) {
      const list = rounds.get(runId) ?? [];
      list.push(r);
      rounds.set(runId, list);
    }
    const runs: ExperimentRun[] = runRows.map((rr) => ({
      ...toSummary(rr),
      rounds: rounds.get(rr.id) ?? [],
      warnings: JSON.parse(rr.warnings) as string[],
    }));
    const counts = new Map<RunStatus, number>();
    for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    const summary = toExperimentSummary(row, [...counts].map(([status, n]) => ({ status, n })));
    return { ...summary, runs };
  }
}

interface ExperimentRow {
  id: string;
  name: string;
  config: string;
  created_at: string;
  updated_at: string | null;
}

const STATUS_ORDER: RunStatus[] = ['running', 'queued', 'failed', 'cancelled', 'done'];

function toExperimentSummary(row: ExperimentRow, counts: { status: RunStatus; n: number }[]): ExperimentSummary {
  const runCounts = { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, total: 0 };
  for (const c of counts) {
    runCounts[c.status] += c.n;
    runCounts.total += c.n;
  }
  return {
    experimentId: row.id,
    name: row.name,
    config: JSON.parse(row.config) as ExperimentConfig,
    createdAt: row.created_at,
    runCounts,
    status: runCounts.total === 0 ? 'empty' : (STATUS_ORDER.find((st) => runCounts[st] > 0) ?? 'done'),
    updatedAt: row.updated_at ?? row.created_at,
  };
}

// Repository over the database: the only place that writes SQL for experiments, runs, rounds and metrics.
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
    roundsTotal: row.rounds_total,
    roundsDone: row.rounds_done,
    dataset: config.dataset,
    arch: config.arch,
    status: row.status,
    iteration: row.iteration,
    iterations: row.iterations,
    etaSeconds: null,
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

  /** Runs marked queued/running by a process that no longer exists: they were interrupted. */
  markOrphansInterrupted(isAlive: (pid: number) => boolean): number {
    const rows = this.db
      .prepare(`SELECT id, pid FROM runs WHERE status IN ('queued', 'running')`)
      .all() as { id: string; pid: number | null }[];
    let n = 0;
    for (const r of rows) {
      if (r.pid === null || !isAlive(r.pid)) {
        this.updateRun(r.id, { status: 'failed', error: 'interrupted: the process running it stopped', pid: null });
        n++;
      }
    }
    return n;
  }
}

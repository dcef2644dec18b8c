// What a database holds of a run's results, read straight from its file: for comparing an interrupted and resumed
// experiment with an uninterrupted one, and for polling progress without a Core.
import Database from 'better-sqlite3';

/**
 * Everything the runs produced that must not depend on an interruption: rounds, tensor checksums and metrics, by run
 * kind (of one experiment, or of all).
 */
export function fingerprint(dbPath: string, experimentId?: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    const where = experimentId === undefined ? '' : 'WHERE r.experiment_id = ?';
    const q = (sql: string) => db.prepare(sql).all(...(experimentId === undefined ? [] : [experimentId]));
    return {
      rounds: q(`SELECT r.kind, x.round, x.density, x.test_accuracy, x.early_stop_iteration, x.final_test_accuracy
                 FROM rounds x JOIN runs r ON r.id = x.run_id ${where} ORDER BY r.kind, x.round`),
      tensors: q(`SELECT r.kind, t.round, t.state, t.layer, t.param, t.sha256 FROM tensors t JOIN runs r ON r.id = t.run_id
                  ${where} ORDER BY r.kind, t.round, t.state, t.layer, t.param`),
      metrics: q(`SELECT r.kind, m.round, m.iteration, m.split, m.loss, m.accuracy FROM metrics m JOIN runs r ON r.id = m.run_id
                  ${where} ORDER BY 1, 2, 3, 4`),
    };
  } finally {
    db.close();
  }
}

/** Rounds committed by the runs of a kind (0 while the database does not exist yet). */
export function committedRounds(dbPath: string, kind: string): number {
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM rounds x JOIN runs r ON r.id = x.run_id WHERE r.kind = ?').get(kind) as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/**
 * Everything a database holds of its runs' results, by run id: the runs (id, seed, kind, parent, status, rounds),
 * their round results, tensor checksums and metrics. Two databases with equal fingerprints hold the same runs under
 * the same ids with bit-identical results (what merged shards must be to a single-machine run).
 */
export function runFingerprint(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return {
      runs: db.prepare('SELECT id, experiment_id, seed, kind, parent_run_id, status, first_round, rounds_total FROM runs ORDER BY id').all(),
      rounds: db.prepare('SELECT run_id, round, density, test_accuracy, early_stop_iteration, final_test_accuracy FROM rounds ORDER BY run_id, round').all(),
      tensors: db.prepare('SELECT run_id, round, state, layer, param, sha256 FROM tensors ORDER BY run_id, round, state, layer, param').all(),
      metrics: db.prepare('SELECT run_id, round, iteration, split, loss, accuracy FROM metrics ORDER BY run_id, round, iteration, split').all(),
    };
  } finally {
    db.close();
  }
}

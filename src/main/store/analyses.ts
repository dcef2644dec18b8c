// The analysis cache: every computed analysis result by the hash of its inputs (the core makes the key: the states'
// tensor checksums, the data set, the parameters and the analysis kind's version). Results are JSON.
import type { Db } from './db';

export interface CachedAnalysis {
  /** The result as it was stored (JSON text). */
  result: string;
  computeMs: number;
  createdAt: string;
}

export interface NewAnalysis extends CachedAnalysis {
  key: string;
  kind: string;
  version: number;
  /** The parameters as canonical JSON, and the state references the result is about: for inspection only. */
  params: string;
  refs: string[];
}

export class AnalysisCache {
  constructor(private readonly db: Db) {}

  get(key: string): CachedAnalysis | null {
    const row = this.db.prepare('SELECT result, compute_ms, created_at FROM analyses WHERE key = ?').get(key) as
      | { result: string; compute_ms: number; created_at: string }
      | undefined;
    return row ? { result: row.result, computeMs: row.compute_ms, createdAt: row.created_at } : null;
  }

  /** Results stored, in all. */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM analyses').get() as { n: number }).n;
  }

  put(a: NewAnalysis): void {
    this.db
      .prepare('INSERT OR REPLACE INTO analyses (key, kind, version, params, refs, result, compute_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(a.key, a.kind, a.version, a.params, JSON.stringify(a.refs), a.result, a.computeMs, a.createdAt);
  }
}

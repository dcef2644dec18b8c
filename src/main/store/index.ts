// The store as the core sees it: one handle on an opened database with its repositories (runs and experiments,
// tensors, the analysis cache) and transactions. Only src/main/store writes SQL.
import { openDatabase, type Db } from './db';
import { AnalysisCache } from './analyses';
import { mergeSteps, type MergeOutcome, type MergeProgress } from './merge';
import { Repo } from './repo';
import { TensorStore } from './tensors';

export { databaseProblem } from './db';

export class Store {
  readonly repo: Repo;
  readonly tensors: TensorStore;
  readonly analyses: AnalysisCache;
  private readonly db: Db;

  constructor(readonly path: string) {
    this.db = openDatabase(path);
    this.repo = new Repo(this.db);
    this.tensors = new TensorStore(this.db);
    this.analyses = new AnalysisCache(this.db);
  }

  /** Runs `fn` in one transaction: everything it writes is committed together, or nothing is. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Merges shard databases into this one, a shard a step (store/merge.ts); `scratchDir` holds the shards' copies. */
  mergeSteps(shards: readonly string[], scratchDir: string): Generator<MergeProgress, MergeOutcome> {
    return mergeSteps(this.db, shards, scratchDir);
  }

  close(): void {
    this.db.close();
  }
}

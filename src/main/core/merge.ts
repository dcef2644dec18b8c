// `ticketscope merge` and File > Merge databases: shard databases into one (store/merge.ts does the work).
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ValidationError } from '../../shared/errors';
import { databaseProblem, openDatabase, type Db } from '../store/db';
import type { Store } from '../store';
import { mergeShards, type MergeProgress, type ShardReport } from '../store/merge';

export type { MergeProgress, ShardReport };

export interface MergeResult {
  /** The merged database (absolute). */
  target: string;
  shards: ShardReport[];
}

const same = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
};

function checkShardList(target: string, shards: readonly string[]): string[] {
  if (!shards.length) throw new ValidationError('merge needs at least one SHARD.sqlite');
  const paths = shards.map((s) => resolve(s));
  const into = paths.find((p) => same(p, target));
  if (into) throw new ValidationError(`${into} is the target itself: merge shards --into another database`);
  paths.forEach((p, i) => {
    const j = paths.findIndex((q) => same(p, q));
    if (j !== i) throw new ValidationError(`shard ${p} is given twice`);
  });
  return paths;
}

/** Merges shard files into the database at `targetPath`, created when absent (only once every shard checked out). */
export function mergeIntoFile(targetPath: string, shards: readonly string[], onProgress?: (p: MergeProgress) => void): MergeResult {
  const target = resolve(targetPath);
  const paths = checkShardList(target, shards);
  const folder = dirname(target);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new ValidationError(`--into ${targetPath}: folder ${folder} does not exist`);
  const problem = databaseProblem(target);
  if (problem) throw new ValidationError(`--into ${targetPath}: ${problem}`);
  let db: Db | null = existsSync(target) && statSync(target).size > 0 ? openDatabase(target) : null;
  try {
    const r = mergeShards(db ?? { create: () => (db = openDatabase(target)) }, paths, folder, onProgress);
    return { target, shards: r.shards };
  } finally {
    db?.close();
  }
}

/**
 * Merges shard files into a database that is open (the desktop app's), through its own connection, letting the
 * event loop run between shards (each shard's check and its transaction still run at once).
 */
export async function mergeIntoOpen(store: Store, shards: readonly string[], onProgress: (p: MergeProgress) => void): Promise<MergeResult> {
  const target = resolve(store.path);
  const steps = store.mergeSteps(checkShardList(target, shards), dirname(target));
  try {
    for (;;) {
      const step = steps.next();
      if (step.done) return { target, shards: step.value.shards };
      onProgress(step.value);
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    steps.return(undefined as never); // removes the shard copies if a step threw
  }
}

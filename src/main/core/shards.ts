// Sweeps beyond one machine: which runs of an experiment a shard trains, and the run ids that make the union of the
// shards the same experiment as a single-machine run. Pure: no store, no engine.
//
// The unit of a shard is a seed group: a seed's ticket (the method's own run) and its controls. A control trains each
// round on the ticket's mask of that round, so splitting a group would make every shard holding one of its controls
// train the ticket again. Seed groups are dealt round-robin: shard I of N trains the seeds at positions I, I + N,
// I + 2N, ... of the config's `seeds`.
import { createHash } from 'node:crypto';
import type { RunKind } from '../../shared/config';
import { ValidationError } from '../../shared/errors';
import { MAX_SHARDS } from '../../shared/contract';

export interface Shard {
  /** 0-based, as Slurm's SLURM_ARRAY_TASK_ID and Kubernetes' JOB_COMPLETION_INDEX count. */
  index: number;
  count: number;
}


/** Parses `I/N` (0 ≤ I < N); anything else is a one-line ValidationError. */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,5})\/(\d{1,5})$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > MAX_SHARDS || index >= count) {
    throw new ValidationError(`--shard ${text}: expected I/N with 0 ≤ I < N ≤ ${MAX_SHARDS}, e.g. 0/4`);
  }
  return { index, count };
}

export const shardText = (s: Shard) => `${s.index}/${s.count}`;

/** The largest useful number of shards: one per seed group. */
export const maxShards = (seeds: readonly number[]) => seeds.length;

/** Checks that `count` shards each get at least one seed group. */
export function checkShardCount(seeds: readonly number[], count: number): void {
  if (count > maxShards(seeds)) {
    throw new ValidationError(
      `${count} shards but the experiment has ${seeds.length} seed${seeds.length === 1 ? '' : 's'}: a shard trains whole seed groups ` +
        `(a ticket and its controls, which train on its masks), so at most ${seeds.length} shard${seeds.length === 1 ? '' : 's'}`,
    );
  }
}

/** The seeds shard `s` trains, in the config's order. */
export function seedsOfShard(seeds: readonly number[], s: Shard): number[] {
  checkShardCount(seeds, s.count);
  return seeds.filter((_, i) => i % s.count === s.index);
}

/**
 * A run's id, derived from what the run is: its experiment (the config's hash), seed and kind, and the replicate
 * (0 for the first time the experiment is started in a database, 1 for the second, ...). So the same experiment run
 * on one machine or as shards on many gets the same ids, and shard databases merge into one. Same form as the
 * random ids of imported snapshots: `r` and 10 hex digits.
 */
export function runIdFor(experimentId: string, seed: number, kind: RunKind, replicate: number): string {
  const h = createHash('sha256').update(`ticketscope.run/1\n${experimentId}\n${replicate}\n${seed}\n${kind}`).digest('hex');
  return `r${h.slice(0, 10)}`;
}

export interface PlannedId {
  seed: number;
  kind: RunKind;
  runId: string;
  isControl: boolean;
}

/** The ids of every run of `seeds` (each seed: the ticket, then its controls) at one replicate. */
export function plannedRunIds(
  experimentId: string,
  seeds: readonly number[],
  plan: readonly { kind: RunKind; isControl: boolean }[],
  replicate: number,
): PlannedId[] {
  return seeds.flatMap((seed) => plan.map((p) => ({ seed, kind: p.kind, isControl: p.isControl, runId: runIdFor(experimentId, seed, p.kind, replicate) })));
}

/**
 * The first replicate none of whose run ids exist yet: 0 in a new database, 1 when the experiment was started there
 * once before, and so on (a second `run` of the same config makes new runs, as it always did).
 */
export function freeReplicate(ids: (replicate: number) => readonly string[], exists: (runId: string) => boolean): number {
  for (let r = 0; r < 1_000_000; r++) if (!ids(r).some(exists)) return r;
  throw new Error('no free replicate for this experiment');
}

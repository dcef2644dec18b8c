// The run list's order and how answers and events merge into it: newest first; an event replaces its run; a fresh
// listRuns answer replaces the list but keeps a run an event updated after the answer was produced. Pure functions.
import type { RunSummary } from '../../../shared/contract';

/** Newest first (by creation time, then by run id, both descending). */
export function byNewest(a: RunSummary, b: RunSummary): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;
}

/** Insert or replace one run (events arrive in order, so the event wins). */
export function upsert(runs: RunSummary[], run: RunSummary): RunSummary[] {
  const i = runs.findIndex((r) => r.runId === run.runId);
  if (i < 0) return [...runs, run].sort(byNewest);
  const next = runs.slice();
  next[i] = run;
  return next;
}

/**
 * A fresh listRuns answer replaces the list (runs gone from the database go), except that a run an event updated
 * after the answer was produced keeps the event's newer state.
 */
export function mergeListed(current: RunSummary[], listed: RunSummary[]): RunSummary[] {
  const have = new Map(current.map((r) => [r.runId, r]));
  return listed
    .map((r) => {
      const h = have.get(r.runId);
      return h && h.updatedAt > r.updatedAt ? h : r;
    })
    .sort(byNewest);
}

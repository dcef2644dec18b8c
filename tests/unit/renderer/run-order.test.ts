// How the renderer's run list merges listRuns answers and runUpdate events (app/run-order.ts).
import { describe, expect, it } from 'vitest';
import { byNewest, mergeListed, upsert } from '../../../src/renderer/src/app/run-order';
import { runSummary } from './fixtures';

const at = (min: number) => `2026-01-01T00:${String(min).padStart(2, '0')}:00.000Z`;

describe('run order', () => {
  it('sorts newest first, then by run id descending', () => {
    const runs = [runSummary('ra', { createdAt: at(1) }), runSummary('rc', { createdAt: at(3) }), runSummary('rb', { createdAt: at(1) })];
    expect([...runs].sort(byNewest).map((r) => r.runId)).toEqual(['rc', 'rb', 'ra']);
  });

  it('upsert replaces a known run in place and inserts a new one in order', () => {
    const list = [runSummary('r2', { createdAt: at(2) }), runSummary('r1', { createdAt: at(1) })];
    const replaced = upsert(list, runSummary('r1', { createdAt: at(1), status: 'running' }));
    expect(replaced.map((r) => [r.runId, r.status])).toEqual([
      ['r2', 'queued'],
      ['r1', 'running'],
    ]);
    expect(list[1]!.status).toBe('queued');
    expect(upsert(list, runSummary('r3', { createdAt: at(3) })).map((r) => r.runId)).toEqual(['r3', 'r2', 'r1']);
  });

  it('mergeListed takes the answer, keeps an event that is newer than it, and drops runs gone from the database', () => {
    const current = [
      runSummary('r1', { status: 'running', updatedAt: at(5) }),
      runSummary('r2', { status: 'running', updatedAt: at(1) }),
      runSummary('gone', { updatedAt: at(9) }),
    ];
    const listed = [
      runSummary('r1', { status: 'queued', updatedAt: at(4) }),
      runSummary('r2', { status: 'done', updatedAt: at(2) }),
      runSummary('r3', { createdAt: at(3), updatedAt: at(3) }),
    ];
    const merged = mergeListed(current, listed);
    expect(merged.map((r) => [r.runId, r.status])).toEqual([
      ['r3', 'queued'],
      ['r2', 'done'],
      ['r1', 'running'],
    ]);
  });
});

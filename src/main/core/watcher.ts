// Runs other processes train on the same database (a CLI run while the app is open): polls the store for runs that
// changed and pushes their updates and new metric points to the listeners, as if this process trained them. The
// owner persists its progress and ETA every second (scheduler.ts), so they show here too.
import type { Store } from '../store';
import type { Emit } from './scheduler';

export interface WatcherOptions {
  store: Pick<Store, 'repo'>;
  /** Whether this process trains the run itself (its updates are pushed as they happen). */
  owns(runId: string): boolean;
  emit: Emit;
  intervalMs: number;
}

export class ExternalRunWatcher {
  private since = new Date().toISOString();
  /** Per external run: the last update time pushed and how many metric points were pushed. */
  private readonly seen = new Map<string, { updatedAt: string; points: number }>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly opts: WatcherOptions) {
    this.timer = setInterval(() => this.poll(), opts.intervalMs);
    this.timer.unref();
  }

  /** Pushes what changed since the last poll. */
  poll(): void {
    const { repo } = this.opts.store;
    for (const s of repo.runsUpdatedSince(this.since)) {
      if (s.updatedAt > this.since) this.since = s.updatedAt;
      if (this.opts.owns(s.runId)) continue;
      const seen = this.seen.get(s.runId) ?? { updatedAt: '', points: 0 };
      if (seen.updatedAt === s.updatedAt) continue;
      // Metrics are written in (round, iteration) order, so the new points are the tail.
      const points = repo.getMetrics(s.runId).slice(seen.points);
      this.seen.set(s.runId, { updatedAt: s.updatedAt, points: seen.points + points.length });
      if (points.length) this.opts.emit('metrics', { runId: s.runId, points });
      this.opts.emit('runUpdate', s);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

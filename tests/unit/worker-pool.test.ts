// The worker pool (worker/host.ts) with fake workers: a worker that finished its job cleanly takes the next job of the
// same backend; a failed, cancelled or dead one never does; idle workers end after idleMs, after maxJobs jobs, beyond
// maxIdle, and on close().
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkerPool, type WorkerChannel } from '../../src/main/worker/host';
import type { Job, WorkerToHost } from '../../src/main/worker/protocol';

interface Fake {
  id: number;
  jobs: string[];
  killed: boolean;
  /** The worker answers its current job. */
  reply(type: 'done' | 'error' | 'cancelled'): void;
  exit(): void;
}

function fakes() {
  const all: Fake[] = [];
  const spawn = (): WorkerChannel => {
    let onMsg: (m: WorkerToHost) => void = () => undefined;
    let onExit: (c: number | null) => void = () => undefined;
    let seq = 0;
    const me: Fake = {
      id: all.length,
      jobs: [],
      killed: false,
      reply: (type) => onMsg(type === 'error' ? { seq: ++seq, type, message: 'boom' } : { seq: ++seq, type }),
      exit: () => onExit(1),
    };
    all.push(me);
    return {
      send: (msg) => {
        if (msg.type === 'start') me.jobs.push((msg.job as unknown as { label: string }).label);
        if (msg.type === 'cancel') queueMicrotask(() => me.reply('cancelled'));
      },
      onMessage: (cb) => {
        onMsg = cb;
        queueMicrotask(() => cb({ seq: ++seq, type: 'ready' }));
      },
      onExit: (cb) => (onExit = cb),
      kill: () => {
        me.killed = true;
      },
    };
  };
  return { spawn, all };
}

const job = (label: string, backend = 'wasm'): Job => ({ label, backend }) as unknown as Job;
const tick = () => new Promise((r) => setTimeout(r, 1));

/** Runs `label` on the pool, lets its worker answer `reply` once the job has started, and gives the job's outcome. */
async function runTo(f: ReturnType<typeof fakes>, pool: WorkerPool, label: string, reply: 'done' | 'error' = 'done', backend = 'wasm') {
  const h = pool.run(job(label, backend), () => undefined);
  // Microtasks only (the fake's ready and the start it answers), so this works under fake timers too.
  await Promise.resolve();
  await Promise.resolve();
  f.all.find((w) => w.jobs.at(-1) === label)!.reply(reply);
  return h.outcome;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('worker pool', { timeout: 10_000 }, () => {
  it('gives a worker that finished cleanly the next job of the same backend, and a new one to another backend', async () => {
    const f = fakes();
    const pool = new WorkerPool(f.spawn, { idleMs: 60_000 });
    expect(await runTo(f, pool, 'a')).toEqual({ kind: 'done' });
    expect(pool.idleCount).toBe(1);
    await runTo(f, pool, 'b');
    expect(f.all).toHaveLength(1);
    expect(f.all[0]!.jobs).toEqual(['a', 'b']);
    expect(f.all[0]!.killed).toBe(false);
    // Another backend choice: another worker.
    const c = pool.run(job('c', 'cpu'), () => undefined);
    await tick();
    expect(f.all).toHaveLength(2);
    expect(f.all[1]!.jobs).toEqual(['c']);
    f.all[1]!.reply('done');
    await c.outcome;
    pool.close();
    expect(f.all.map((w) => w.killed)).toEqual([true, true]);
    expect(pool.idleCount).toBe(0);
  });

  it('ends a worker whose job failed or was cancelled, and one that exited while idle', async () => {
    const f = fakes();
    const pool = new WorkerPool(f.spawn, { idleMs: 60_000 });
    expect(await runTo(f, pool, 'a', 'error')).toEqual({ kind: 'failed', message: 'boom' });
    expect(f.all[0]!.killed).toBe(true);
    const b = pool.run(job('b'), () => undefined);
    await tick();
    b.cancel();
    expect(await b.outcome).toEqual({ kind: 'cancelled' });
    expect(f.all[1]!.killed).toBe(true);
    await runTo(f, pool, 'c');
    expect(f.all[2]!.jobs).toEqual(['c']);
    expect(pool.idleCount).toBe(1);
    f.all[2]!.exit();
    expect(pool.idleCount).toBe(0);
    const d = pool.run(job('d'), () => undefined);
    await tick();
    expect(f.all).toHaveLength(4);
    expect(f.all[3]!.jobs).toEqual(['d']);
    f.all[3]!.reply('done');
    await d.outcome;
    pool.close();
    expect(f.all[3]!.killed).toBe(true);
  });

  it('ends an idle worker after idleMs, after maxJobs jobs, and the oldest beyond maxIdle', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const f = fakes();
    const pool = new WorkerPool(f.spawn, { idleMs: 1000, maxJobs: 2, maxIdle: 1 });
    const runOne = (label: string, backend = 'wasm') => runTo(f, pool, label, 'done', backend);
    await runOne('a');
    vi.advanceTimersByTime(999);
    expect(f.all[0]!.killed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(f.all[0]!.killed).toBe(true);
    expect(pool.idleCount).toBe(0);
    // maxJobs 2: the worker's second job is its last.
    await runOne('b');
    await runOne('c');
    expect(f.all[1]!.jobs).toEqual(['b', 'c']);
    expect(f.all[1]!.killed).toBe(true);
    // maxIdle 1: a second idle worker ends the first.
    await runOne('d');
    await runOne('e', 'cpu');
    expect(f.all[2]!.killed).toBe(true);
    expect(f.all[3]!.killed).toBe(false);
    expect(pool.idleCount).toBe(1);
    pool.close();
  });

  it('with idleMs 0 (runJob) ends every worker with its job', async () => {
    const f = fakes();
    const pool = new WorkerPool(f.spawn);
    await runTo(f, pool, 'a');
    expect(f.all[0]!.killed).toBe(true);
    expect(pool.idleCount).toBe(0);
  });
});

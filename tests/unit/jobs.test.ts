// The job queue (core/jobs.ts) with fake workers: at most `concurrency` at once, interactive jobs first, slots kept
// for them, and cancellation of waiting and running jobs (by cancel() or by an aborted signal).
import { describe, expect, it } from 'vitest';
import { JobQueue, type JobSpec } from '../../src/main/core/jobs';
import type { WorkerChannel } from '../../src/main/worker/host';
import type { HostToWorker, WorkerToHost } from '../../src/main/worker/protocol';

/** Workers that start when told and finish when the test says so. */
function fakeWorkers() {
  const live: { label: string; finish(): void; cancelled: boolean }[] = [];
  let started = 0;
  const spawn = (): WorkerChannel => {
    let cb: (m: WorkerToHost) => void = () => undefined;
    let seq = 0;
    const me = {
      label: '',
      cancelled: false,
      // The job ends; the worker may take another (worker/host.ts reuses it).
      finish: () => {
        const i = live.indexOf(me);
        if (i >= 0) live.splice(i, 1);
        cb({ seq: ++seq, type: 'done' });
      },
    };
    return {
      send: (msg: HostToWorker) => {
        if (msg.type === 'start') {
          started++;
          me.label = (msg.job as unknown as { label: string }).label;
          live.push(me);
        } else if (msg.type === 'cancel') {
          me.cancelled = true;
          cb({ seq: ++seq, type: 'cancelled' });
        }
      },
      onMessage: (f) => {
        cb = f;
        queueMicrotask(() => f({ seq: ++seq, type: 'ready' }));
      },
      onExit: () => undefined,
      kill: () => {
        const i = live.indexOf(me);
        if (i >= 0) live.splice(i, 1);
      },
    };
  };
  return { spawn, live, started: () => started };
}

const spec = (label: string, lane: JobSpec['lane'], extra: Partial<JobSpec> = {}): JobSpec => ({
  label,
  lane,
  build: () => ({ label }) as never,
  onMessage: () => undefined,
  ...extra,
});
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('job queue', () => {
  it('runs at most `concurrency` workers, in order, and starts the next when one ends', async () => {
    const w = fakeWorkers();
    const q = new JobQueue({ spawnWorker: w.spawn, concurrency: 2 });
    const jobs = ['a', 'b', 'c'].map((l) => q.submit(spec(l, 'background')));
    await tick();
    expect(w.live.map((x) => x.label)).toEqual(['a', 'b']);
    expect(q.list().map((j) => `${j.label}:${j.state}`)).toEqual(['a:running', 'b:running', 'c:waiting']);
    w.live[0]!.finish();
    expect(await jobs[0]!.outcome).toEqual({ kind: 'done' });
    await tick();
    expect(w.live.map((x) => x.label)).toEqual(['b', 'c']);
    expect(jobs[2]!.started).toBe(true);
    await q.close();
    expect(await jobs[1]!.outcome).toEqual({ kind: 'cancelled' });
  });

  it('puts interactive jobs ahead of waiting training, and keeps reserved slots for them', async () => {
    const w = fakeWorkers();
    const q = new JobQueue({ spawnWorker: w.spawn, concurrency: 2, reserved: 1 });
    q.submit(spec('train1', 'background'));
    q.submit(spec('train2', 'background'));
    await tick();
    // Training takes one slot of two: the other stays free for an analysis.
    expect(w.live.map((x) => x.label)).toEqual(['train1']);
    q.submit(spec('view', 'interactive'));
    await tick();
    expect(w.live.map((x) => x.label)).toEqual(['train1', 'view']);
    q.submit(spec('view2', 'interactive'));
    expect(q.list().filter((j) => j.state === 'waiting').map((j) => j.label)).toEqual(['view2', 'train2']);
    await q.close();
  });

  it('cancels a waiting job at once and a running one through its worker; an aborted signal does the same', async () => {
    const w = fakeWorkers();
    const q = new JobQueue({ spawnWorker: w.spawn, concurrency: 1 });
    const running = q.submit(spec('a', 'interactive'));
    const controller = new AbortController();
    const waiting = q.submit(spec('b', 'interactive', { signal: controller.signal }));
    await tick();
    controller.abort();
    expect(await waiting.outcome).toEqual({ kind: 'cancelled' });
    expect(waiting.started).toBe(false);
    running.cancel();
    expect(await running.outcome).toEqual({ kind: 'cancelled' });
    expect(w.started()).toBe(1);
    const late = q.submit(spec('c', 'interactive', { signal: controller.signal }));
    expect(await late.outcome).toEqual({ kind: 'cancelled' });
    await q.close();
  });

  it('fails a job whose build throws, and goes on with the next', async () => {
    const w = fakeWorkers();
    const q = new JobQueue({ spawnWorker: w.spawn, concurrency: 1 });
    const bad = q.submit(spec('bad', 'background', { build: () => { throw new Error('no such round\nstack'); } }));
    q.submit(spec('good', 'background'));
    expect(await bad.outcome).toEqual({ kind: 'failed', message: 'no such round' });
    await tick();
    expect(w.live.map((x) => x.label)).toEqual(['good']);
    await q.close();
  });
});

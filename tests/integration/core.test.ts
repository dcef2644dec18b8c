import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/service';
import { createNet } from '../../src/main/engine';
import type { EventName, Events, MetricPoint, RunSummary } from '../../src/shared/contract';
import { assertBuilt, tempDir } from '../helpers/cli';
import { testCore } from '../helpers/core';

const tmp = tempDir('ticketscope-core-');
let core: Core;
const events: { event: EventName; payload: Events[EventName] }[] = [];
const small = ['iterations=300', 'evalEvery=100', 'synthetic={"train":2000,"test":500}', 'validation=500'];

beforeAll(() => {
  assertBuilt();
  core = testCore(tmp.dir, { concurrency: 1 });
  core.subscribe((event, payload) => events.push({ event, payload }));
});

afterAll(async () => {
  await core?.close();
  tmp.cleanup();
});

describe('core with the engine in a child process', () => {
  it('streams backend, progress and metrics events while the worker trains, then stores the result', async () => {
    const { experimentId, runIds } = (await core.call('startRun', { preset: 'quick', overrides: small })) as { experimentId: string; runIds: string[] };
    const runId = runIds[0]!;
    const final = await core.waitForRun(runId);
    expect(final.status).toBe('done');
    const mine = events.filter((e) => (e.payload as { runId?: string }).runId === runId);
    const metricPoints = mine.filter((e) => e.event === 'metrics').flatMap((e) => (e.payload as { points: MetricPoint[] }).points);
    expect(metricPoints.filter((p) => p.split === 'validation').map((p) => p.iteration)).toEqual([100, 200, 300]);
    const updates = mine.filter((e) => e.event === 'runUpdate').map((e) => e.payload as RunSummary);
    expect(updates[0]!.status).toBe('queued');
    expect(updates.some((u) => u.status === 'running' && u.iteration > 0)).toBe(true);
    expect(updates.at(-1)).toMatchObject({ status: 'done', testAccuracy: expect.any(Number) });
    expect(events.some((e) => e.event === 'backend' && (e.payload as { name: string }).name === 'wasm')).toBe(true);
    // Stored metrics equal the streamed ones.
    const stored = (await core.call('getMetrics', { runId })) as MetricPoint[];
    expect(stored).toHaveLength(metricPoints.length);
    const detail = (await core.call('getRun', { runId })) as { backend: string; rounds: unknown[]; experimentId: string };
    expect(detail).toMatchObject({ backend: 'wasm', experimentId });
    expect(detail.rounds).toHaveLength(1);
    // The round's init and trained weights are stored; a dense round keeps every weight.
    const init = core.store.tensors.loadState(runId, 0, 'init', 'lenet-300-100');
    const trained = core.store.tensors.loadState(runId, 0, 'trained', 'lenet-300-100');
    expect(trained.layers.map((l) => [l.name, l.shape])).toEqual([['fc1', [784, 300]], ['fc2', [300, 100]], ['fc3', [100, 10]]]);
    expect(trained.layers.every((l) => l.mask.every((m) => m === 1))).toBe(true);
    expect(init.layers[0]!.weight).not.toEqual(trained.layers[0]!.weight);
    expect(init.layers[0]!.bias.every((b) => b === 0)).toBe(true);
    // The stored init is exactly the seeded init the engine builds in this process.
    const fresh = createNet({ arch: 'lenet-300-100' }, 0, 784, 10);
    try {
      fresh.layers.forEach((l, i) => expect(Float32Array.from(l.weight.dataSync())).toEqual(init.layers[i]!.weight));
    } finally {
      fresh.dispose();
    }
    // The same config again is the same experiment, with a new run.
    const again = (await core.call('startRun', { preset: 'quick', overrides: small })) as { experimentId: string; runIds: string[] };
    expect(again.experimentId).toBe(experimentId);
    expect(again.runIds[0]).not.toBe(runId);
    expect((await core.waitForRun(again.runIds[0]!)).status).toBe('done');
  });

  it('a second core on the same database sees runs another process trains, live', async () => {
    const observer = testCore(tmp.dir, { transport: 'websocket', watchExternalMs: 50 });
    const seen: { event: EventName; payload: Events[EventName] }[] = [];
    observer.subscribe((event, payload) => seen.push({ event, payload }));
    try {
      const { runIds } = (await core.call('startRun', { preset: 'quick', overrides: small })) as { runIds: string[] };
      const runId = runIds[0]!;
      await core.waitForRun(runId);
      const done = await new Promise<RunSummary>((ok) => {
        const off = observer.subscribe((event, payload) => {
          if (event === 'runUpdate' && (payload as RunSummary).runId === runId && (payload as RunSummary).status === 'done') {
            off();
            ok(payload as RunSummary);
          }
        });
      });
      expect(done.testAccuracy).toBeGreaterThan(0.1);
      const points = seen.filter((e) => e.event === 'metrics' && (e.payload as { runId: string }).runId === runId)
        .flatMap((e) => (e.payload as { points: MetricPoint[] }).points);
      // Every stored point arrives exactly once.
      expect(points).toHaveLength(((await core.call('getMetrics', { runId })) as MetricPoint[]).length);
    } finally {
      await observer.close();
    }
  });

  it('cancels a running job: the worker stops and the run is marked cancelled', async () => {
    const { runIds } = (await core.call('startRun', { preset: 'quick', overrides: ['iterations=100000', 'evalEvery=1000'] })) as { runIds: string[] };
    const runId = runIds[0]!;
    await new Promise<void>((ok) => {
      const off = core.subscribe((event, payload) => {
        if (event === 'runUpdate' && (payload as RunSummary).runId === runId && (payload as RunSummary).iteration > 0) {
          off();
          ok();
        }
      });
    });
    expect(await core.call('cancelRun', { runId })).toEqual({ cancelled: true });
    const final = await core.waitForRun(runId);
    expect(final.status).toBe('cancelled');
    expect(final.iteration).toBeLessThan(100000);
    expect(await core.call('cancelRun', { runId })).toEqual({ cancelled: false });
  });

  it('validates every argument before acting', async () => {
    await expect(core.call('getRun', { runId: 'x', more: 1 })).rejects.toThrow(/getRun: Unrecognized key/);
    await expect(core.call('cancelRun', { runId: 'rnotthere' })).rejects.toThrow(/unknown run rnotthere/);
    await expect(core.call('startRun', { config: { version: 1 } })).rejects.toThrow(/^config\.name/);
    await expect(core.call('startRun', { preset: 'quick', overrides: ['seeds=[]'] })).rejects.toThrow(/config.seeds/);
    await expect(core.call(undefined, {})).rejects.toThrow(/unknown method/);
  });
});

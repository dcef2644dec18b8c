// A resume keeps the backend a run trained on (core/scheduler.ts): with --backend auto the round's job names the run's
// own backend (auto could pick another), and an explicit other backend is used and recorded as a warning. Fake
// workers record the jobs they are given; nothing trains.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/main/core/service';
import { Store } from '../../src/main/store';
import type { WorkerChannel } from '../../src/main/worker/host';
import type { HostToWorker, TrainJob, WorkerToHost } from '../../src/main/worker/protocol';
import type { BackendChoice } from '../../src/shared/contract';
import { PRESETS_DIR } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'ts-resume-backend-'));
const dbPath = join(dir, 'r.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Workers that take a job, remember it, and stop when cancelled. */
function recordingWorkers(jobs: TrainJob[]) {
  return (): WorkerChannel => {
    let cb: (m: WorkerToHost) => void = () => undefined;
    let seq = 0;
    return {
      send: (msg: HostToWorker) => {
        if (msg.type === 'start') jobs.push(msg.job as TrainJob);
        else cb({ seq: ++seq, type: 'cancelled' });
      },
      onMessage: (f) => {
        cb = f;
        queueMicrotask(() => f({ seq: ++seq, type: 'ready' }));
      },
      onExit: () => undefined,
      kill: () => undefined,
    };
  };
}

function coreWith(backend: BackendChoice, jobs: TrainJob[]): Core {
  return new Core({ dbPath, dataDir: join(dir, 'data'), backend, presetsDir: PRESETS_DIR, spawnWorker: recordingWorkers(jobs), transport: 'ipc', concurrency: 1 });
}

/** A quick run, stopped before its round ended, recorded as having trained on `name`. */
async function interruptedRun(name: 'cpu' | 'node'): Promise<string> {
  const core = coreWith('cpu', []);
  const { runIds } = (await core.call('startRun', { preset: 'quick' })) as { runIds: string[] };
  await core.close();
  const store = new Store(dbPath);
  store.repo.updateRun(runIds[0]!, { status: 'failed', backendReport: { name, reason: 'requested', skipped: [] } });
  store.close();
  return runIds[0]!;
}

describe('resume and the backend a run trained on', () => {
  it('with auto, trains on the run\'s own backend, and says nothing', async () => {
    const runId = await interruptedRun('cpu');
    const jobs: TrainJob[] = [];
    const core = coreWith('auto', jobs);
    try {
      await core.call('resumeRun', { runId });
      await expect.poll(() => jobs.length).toBe(1);
      expect(jobs[0]).toMatchObject({ runId, backend: 'cpu' });
      expect(core.store.repo.getRun(runId).warnings).toEqual([]);
    } finally {
      await core.close();
    }
  });

  it('with auto, refuses a run whose backend is not available, and changes nothing', async () => {
    const runId = await interruptedRun('node');
    const jobs: TrainJob[] = [];
    const core = coreWith('auto', jobs);
    try {
      await expect(core.call('resumeRun', { runId })).rejects.toThrow(/trained on the node backend, which is not available here/);
      expect(core.store.repo.getSummary(runId).status).toBe('failed');
      expect(jobs).toEqual([]);
    } finally {
      await core.close();
    }
  });

  it('with an explicit other backend, trains on it and records the change', async () => {
    const runId = await interruptedRun('node');
    const jobs: TrainJob[] = [];
    const core = coreWith('wasm', jobs);
    try {
      await core.call('resumeRun', { runId });
      await expect.poll(() => jobs.length).toBe(1);
      expect(jobs[0]).toMatchObject({ runId, backend: 'wasm' });
      expect(core.store.repo.getRun(runId).warnings).toEqual(['resumed on the wasm backend (its earlier rounds trained on node)']);
    } finally {
      await core.close();
    }
  });
});

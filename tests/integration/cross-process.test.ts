// Two processes on one database (issue #15): a run the CLI trains shows its progress and ETA in another core (the
// app's) and is cancelled from there through a cancel request the CLI picks up; and a resume never changes backend
// without saying so.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/service';
import { Store } from '../../src/main/store';
import type { RunDetail, RunSummary } from '../../src/shared/contract';
import { BIN, assertBuilt, cli, tempDir } from '../helpers/cli';
import { testCore } from '../helpers/core';

const tmp = tempDir('ticketscope-xproc-');
const dbPath = join(tmp.dir, 'shared.db');
const common = ['--db', dbPath, '--data-dir', join(tmp.dir, 'data'), '--backend', 'wasm'];
let app: Core;

beforeAll(() => {
  assertBuilt();
  app = testCore(tmp.dir, { dbPath, transport: 'ipc', watchExternalMs: 100 });
});
afterAll(async () => {
  await app?.close();
  tmp.cleanup();
});

/** The first runUpdate this core pushes that `test` accepts. */
function update(core: Core, test: (s: RunSummary) => boolean): Promise<RunSummary> {
  return new Promise((ok) => {
    const off = core.subscribe((event, payload) => {
      if (event === 'runUpdate' && test(payload as RunSummary)) {
        off();
        ok(payload as RunSummary);
      }
    });
  });
}

describe('a run another process owns', () => {
  it('shows its progress and ETA here, and a cancel from here stops it in the process that trains it', async () => {
    const child = spawn(process.execPath, [BIN, 'run', '--preset', 'quick', '--set', 'iterations=200000', '--set', 'evalEvery=5000', ...common], { stdio: 'ignore' });
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    try {
      // The CLI persists the iteration and its ETA every second; the watcher here pushes them as updates.
      const live = await update(app, (s) => s.status === 'running' && s.iteration > 0 && s.etaSeconds !== null);
      expect(live.etaSeconds).toBeGreaterThan(0);
      const listed = ((await app.call('listRuns', {})) as RunSummary[]).find((r) => r.runId === live.runId)!;
      expect(listed).toMatchObject({ status: 'running', etaSeconds: expect.any(Number) });
      const cancelled = update(app, (s) => s.runId === live.runId && s.status === 'cancelled');
      expect(await app.call('cancelRun', { runId: live.runId })).toEqual({ cancelled: true });
      expect((await cancelled).iteration).toBeLessThan(200000);
      // The CLI's run ended cancelled, so the CLI fails (exit 1), and nothing runs any more.
      expect(await exited).toBe(1);
      const detail = (await app.call('getRun', { runId: live.runId })) as RunDetail;
      expect(detail).toMatchObject({ status: 'cancelled', etaSeconds: null, error: null });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('resume and backends', () => {
  let runId = '';

  beforeAll(async () => {
    // A run killed while it trained (on wasm), then marked as having trained on the `node` backend (tfjs-node, which
    // npm never installs here: not even an optional dependency).
    const child = spawn(process.execPath, [BIN, 'run', '--preset', 'quick', '--set', 'iterations=600', '--set', 'evalEvery=300', ...common], { stdio: 'ignore' });
    const exited = new Promise((ok) => child.once('exit', ok));
    const live = await update(app, (s) => s.status === 'running' && s.iteration > 0);
    child.kill('SIGKILL');
    await exited;
    runId = live.runId;
    const store = new Store(dbPath);
    try {
      store.repo.updateRun(runId, { backendReport: { name: 'node', reason: 'requested', skipped: [] } });
    } finally {
      store.close();
    }
  });

  it('refuses with one line (exit 2) when the run\'s backend is not available and --backend does not name another', () => {
    const r = cli(['resume', runId, ...common.slice(0, 4)]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`run ${runId} trained on the node backend, which is not available here \\(@tensorflow/tfjs-node is not installed`));
    expect(r.stderr).toMatch(/resume with --backend NAME/);
  });

  it('goes on with the backend --backend names, and the run records the change', () => {
    const r = cli(['resume', runId, '--json', ...common]);
    expect(r.code, r.stderr).toBe(0);
    const store = new Store(dbPath);
    try {
      const run = store.repo.getRun(runId);
      expect(run).toMatchObject({ status: 'done', backend: 'wasm' });
      expect(run.warnings).toContain('resumed on the wasm backend (its earlier rounds trained on node)');
    } finally {
      store.close();
    }
  });
});

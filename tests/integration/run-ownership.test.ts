// Which runs count as interrupted when a core opens a database. A run whose pid is this process's but which no core
// of this process claimed was left by an earlier process with the same pid (a restarted container's process often
// gets the old one's pid): it is interrupted and can be resumed. Runs a live core of this process trains are not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { assertBuilt, tempDir } from '../helpers/cli';
import { testCore } from '../helpers/core';

const tmp = tempDir('ticketscope-owner-');
const small = ['iterations=20', 'evalEvery=10', 'synthetic={"train":300,"test":100}', 'validation=100'];

beforeAll(() => assertBuilt());
afterAll(() => tmp.cleanup());

describe('run ownership by pid', () => {
  it('a run left by an earlier process with this pid is interrupted; one a live core here trains is not', async () => {
    const a = testCore(tmp.dir, { concurrency: 1 });
    const { experimentId, runIds } = (await a.call('startRun', { preset: 'quick', overrides: small })) as { experimentId: string; runIds: string[] };
    const config = a.store.repo.getRun(runIds[0]!).config;
    // A run as a process that had our pid and died would have left it: queued, with our pid, claimed by no core.
    a.store.repo.createRun({ id: 'rleftbehind', experimentId, seed: 9, kind: 'dense', config, iterations: 20, pid: process.pid });

    const b = testCore(tmp.dir, { dbPath: join(tmp.dir, 'core.db') });
    try {
      expect(b.store.repo.getSummary('rleftbehind')).toMatchObject({ status: 'failed', error: expect.stringMatching(/interrupted/) });
      expect(['queued', 'running', 'done']).toContain(b.store.repo.getSummary(runIds[0]!).status);
      expect((await a.waitForRun(runIds[0]!)).status).toBe('done');
      // The interrupted run can be resumed.
      expect((await b.call('resumeRun', { runId: 'rleftbehind' })) as { runIds: string[] }).toEqual({ runIds: ['rleftbehind'] });
      expect((await b.waitForRun('rleftbehind')).status).toBe('done');
    } finally {
      await b.close();
      await a.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { assertBuilt, cli, startServe, tempDir } from '../helpers/cli';

const tmp = tempDir('ticketscope-cli-');
const db = join(tmp.dir, 'runs.db');
const common = ['--db', db, '--data-dir', join(tmp.dir, 'data')];

beforeAll(() => assertBuilt());
afterAll(() => tmp.cleanup());

describe('ticketscope CLI', () => {
  let runId = '';

  // A fifth of the preset's 1,500 steps (the whole preset trains in tests/e2e/quick-run.test.ts, from its button).
  it('run --preset quick --json trains LeNet-300-100 on the synthetic set, well above chance', () => {
    const t0 = Date.now();
    const r = cli(['run', '--preset', 'quick', '--set', 'iterations=300', '--json', ...common]);
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!);
    expect(out.experimentId).toMatch(/^[0-9a-f]{16}$/);
    expect(out.runs).toHaveLength(1);
    const run = out.runs[0];
    expect(run).toMatchObject({ seed: 0, kind: 'dense', status: 'done' });
    expect(run.testAccuracy).toBeGreaterThan(0.5);
    expect(run.rounds).toEqual([expect.objectContaining({ round: 0, density: 1, testAccuracy: run.testAccuracy })]);
    expect(run.rounds[0].earlyStopIteration).toBeGreaterThan(0);
    // Progress with an ETA goes to stderr (the last round's line says 0:00; a pace needs 5 s, which a fast machine
    // may not give this run).
    expect(r.stderr).toMatch(/ETA \d+:\d\d/);
    expect(r.stderr).toMatch(/backend: \w+/);
    runId = run.runId;
    console.log(`quick preset: test accuracy ${run.testAccuracy} in ${seconds.toFixed(1)} s (${run.backend})`);
  });

  it('list and show read the stored run; the same config finds the same experiment', () => {
    const list = JSON.parse(cli(['list', '--json', ...common]).stdout);
    expect(list.runs.map((r: { runId: string }) => r.runId)).toContain(runId);
    const show = cli(['show', runId, '--json', ...common]);
    expect(show.code).toBe(0);
    const detail = JSON.parse(show.stdout);
    expect(detail).toMatchObject({ runId, status: 'done', kind: 'dense', config: { name: 'quick' } });
    expect(detail.versions).toHaveProperty('tfjs');
    expect(detail.normalisation).toEqual({ mean: expect.any(Number), std: expect.any(Number) });
    const text = cli(['list', ...common]);
    expect(text.stdout).toMatch(/RUN\s+EXPERIMENT/);
    expect(text.stdout).toContain(runId);
  });

  it('--set overrides fields; a config file works', () => {
    const cfg = join(tmp.dir, 'tiny.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        version: 1, name: 'tiny', dataset: 'synthetic-mnist', arch: 'lenet-300-100',
        optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, batchSize: 32, iterations: 40, evalEvery: 20,
        validation: 200, seeds: [3], method: { kind: 'dense' }, synthetic: { train: 1200, test: 300 },
      }),
    );
    const r = cli(['run', cfg, '--set', 'iterations=60', '--set', 'seeds=[1,2]', '--json', ...common]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.runs.map((x: { seed: number }) => x.seed).sort()).toEqual([1, 2]);
    const detail = JSON.parse(cli(['show', out.runs[0].runId, '--json', ...common]).stdout);
    expect(detail.config.iterations).toBe(60);
    expect(detail.iterations).toBe(60);
  });

  it.each([
    [['run', '--preset', 'nope'], /unknown preset "nope"; known presets: .*quick/],
    [['run'], /run needs CONFIG.json or --preset NAME/],
    [['run', 'missing.json'], /cannot read config missing.json: ENOENT/],
    [['run', '--preset', 'quick', '--set', 'optimizer.lr=-3'], /config.optimizer.lr/],
    // No validation split would make early stopping select on the test set.
    [['run', '--preset', 'quick', '--set', 'validation=0'], /^ticketscope: config\.validation: must be at least 1: early stopping selects on the validation loss/],
    [['show', 'rdoesnotexist'], /unknown run rdoesnotexist/],
    [['bogus'], /unknown command "bogus"/],
    [['list', '--backend', 'tpu'], /--backend tpu/],
    [['serve', '--port', '99999'], /--port 99999/],
  ])('bad usage %j exits 2 with one line', (args, re) => {
    const r = cli([...args, ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it('a refused config stores nothing', () => {
    const before = JSON.parse(cli(['list', '--json', ...common]).stdout).runs.length;
    expect(cli(['run', '--preset', 'quick', '--set', 'validation=0', ...common]).code).toBe(2);
    expect(JSON.parse(cli(['list', '--json', ...common]).stdout).runs.length).toBe(before);
  });

  it('a config that is not JSON exits 2 naming the file', () => {
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, '{ "version": 1,');
    const r = cli(['run', bad, ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad.json is not valid JSON/);
  });

  it('a database path under a file is bad input: exit 2, one line', () => {
    const r = cli(['list', '--db', join(tmp.dir, 'runs.db', 'inside-a-file.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot open database .*inside-a-file\.db: a part of the path is a file, not a folder/);
  });

  it('serve prints its URL with the token first, answers the contract over WebSocket and refuses other origins', async () => {
    const s = await startServe(common);
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
      const page = await fetch(s.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect((await fetch(new URL('/../../package.json', s.url))).status).not.toBe(200);
      const u = new URL(s.url);
      const wsUrl = `ws://${u.host}/ws?token=${u.searchParams.get('token')}`;
      const ws = new WebSocket(wsUrl, { origin: u.origin });
      await new Promise((ok, fail) => ws.once('open', ok).once('error', fail));
      const call = (id: number, method: string, params: unknown) =>
        new Promise<{ result?: unknown; error?: { code: string; message: string } }>((ok) => {
          const onMsg = (d: WebSocket.RawData) => {
            const m = JSON.parse(String(d));
            if (m.id === id) {
              ws.off('message', onMsg);
              ok(m);
            }
          };
          ws.on('message', onMsg);
          ws.send(JSON.stringify({ id, method, params }));
        });
      const info = await call(1, 'getInfo', {});
      expect(info.result).toMatchObject({ transport: 'websocket', presets: expect.arrayContaining([expect.objectContaining({ name: 'quick' })]) });
      const runs = await call(2, 'listRuns', {});
      expect((runs.result as unknown[]).length).toBeGreaterThanOrEqual(3);
      expect((await call(3, 'getRun', { runId: 'zzz' })).error).toEqual({ code: 'not-found', message: 'unknown run zzz' });
      expect((await call(4, 'getRun', { runId: 42 })).error?.code).toBe('invalid');
      expect((await call(5, 'dropTables', {})).error).toEqual({ code: 'invalid', message: 'unknown method dropTables' });
      expect((await call(6, 'startRun', { preset: 'nope' })).error?.message).toMatch(/unknown preset/);
      ws.close();
      const evil = new WebSocket(wsUrl, { origin: 'http://evil.example' });
      const rejected = await new Promise((ok) => evil.once('open', () => ok(false)).once('error', () => ok(true)));
      expect(rejected).toBe(true);
    } finally {
      await s.stop();
    }
  });
});

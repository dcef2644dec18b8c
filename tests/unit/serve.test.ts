// serve mode in process, with a real core and database and a stand-in engine worker: the token and Host / Origin
// gates, snapshot downloads and uploads over HTTP (never a server path), analysis progress only to the client that
// asked (with its call's id), and a client that disconnects cancelling the analysis only it waited for.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/main/core/service';
import { CancelledError, SharedComputations } from '../../src/main/core/requests';
import { allowedHosts, parseHostHeader, resolveToken, tokenMatches } from '../../src/main/server/access';
import { listenError, serve, type Served } from '../../src/main/server/serve';
import { downloadParams, uploadName } from '../../src/main/server/snapshot-http';
import { parseRequest } from '../../src/main/server/ws';
import { MAX_SNAPSHOT_BYTES, encodeSnapshot, readSnapshot } from '../../src/main/store/snapshot';
import type { SpawnWorker } from '../../src/main/worker/host';
import type { HostToWorker, WorkerToHost } from '../../src/main/worker/protocol';
import type { AnalysisProgress } from '../../src/shared/analysis';
import { validSnapshot } from '../helpers/snapshot-corpus';
import { ROOT } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'ts-serve-'));
const TOKEN = 'test-token-0123456789abcdef';

/** An engine worker stand-in: after `start`, reports analysis progress every 20 ms until cancelled or killed. */
const workers = { started: 0, cancelled: 0, killed: 0, live: 0 };
const spawnWorker: SpawnWorker = () => {
  let cb: (m: WorkerToHost) => void = () => undefined;
  let timer: ReturnType<typeof setInterval> | null = null;
  let seq = 0;
  const stop = () => {
    if (timer) {
      clearInterval(timer);
      timer = null;
      workers.live--;
    }
  };
  return {
    send: (msg: HostToWorker) => {
      if (msg.type === 'start') {
        workers.started++;
        workers.live++;
        let done = 0;
        timer = setInterval(() => cb({ seq: ++seq, type: 'analysis-progress', stage: 'forward pass', done: ++done, total: 1_000_000 }), 20);
      } else if (msg.type === 'cancel') {
        workers.cancelled++;
        stop();
        cb({ seq: ++seq, type: 'cancelled' });
      }
    },
    onMessage: (f) => {
      cb = f;
      setTimeout(() => f({ seq: ++seq, type: 'ready' }), 0);
    },
    onExit: () => undefined,
    kill: () => {
      workers.killed++;
      stop();
    },
  };
};

let core: Core;
let served: Served;
let base = '';
let runId = '';

beforeAll(async () => {
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  core = new Core({ dbPath: join(dir, 's.db'), dataDir: join(dir, 'data'), backend: 'cpu', presetsDir: join(ROOT, 'resources', 'presets'), spawnWorker, transport: 'websocket' });
  runId = core.uploadSnapshot(encodeSnapshot(validSnapshot()), 'fixture.safetensors').runId;
  served = await serve(core, { host: '127.0.0.1', port: 0, rendererDir: renderer, token: TOKEN, log: () => undefined });
  base = served.url.replace(/\/\?token=.*$/, '');
});
afterAll(async () => {
  await served?.close();
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An HTTP request with chosen headers (fetch would not let us set Host). */
function http(path: string, opts: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const u = new URL(base);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: { Host: u.host, ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end(opts.body);
  });
}
const bearer = { Authorization: `Bearer ${TOKEN}` };

/** Opens a WebSocket; resolves with it, or with the HTTP status that refused it. */
function connect(query: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws${query}`, { headers });
  return new Promise((ok) => {
    ws.once('open', () => ok(ws));
    ws.once('unexpected-response', (_req, res) => ok(res.statusCode ?? 0));
    ws.once('error', () => ok(-1));
  });
}

describe('serve: pure parts', () => {
  it('compares tokens in constant time and checks --token / --no-token', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(tokenMatches(TOKEN, null)).toBe(false);
    const t = resolveToken({ host: '127.0.0.1' });
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(resolveToken({ host: '127.0.0.1' })).not.toBe(t);
    expect(resolveToken({ host: '::1', noToken: true })).toBeNull();
    expect(() => resolveToken({ host: '0.0.0.0', noToken: true })).toThrow(/--no-token is allowed only with a loopback --host/);
    expect(() => resolveToken({ host: '127.0.0.1', token: 'short' })).toThrow(/at least 16 characters/);
    expect(() => resolveToken({ host: '127.0.0.1', token: 'with space 0123456789' })).toThrow(/only letters/);
    expect(() => resolveToken({ host: '127.0.0.1', token: TOKEN, noToken: true })).toThrow(/not both/);
  });

  it('allows loopback names for a loopback bind, the machine and --allow-host for others', () => {
    expect([...allowedHosts('127.0.0.1')].sort()).toEqual(['127.0.0.1', '::1', 'localhost']);
    const wide = allowedHosts('0.0.0.0', ['Lab.Example.org']);
    expect(wide.has('lab.example.org')).toBe(true);
    expect(wide.has('127.0.0.1')).toBe(true);
    expect(wide.has('0.0.0.0')).toBe(false);
    expect(wide.has('evil.example')).toBe(false);
    expect(parseHostHeader('[::1]:8080')).toEqual({ name: '::1', port: 8080 });
    expect(parseHostHeader('LocalHost')).toEqual({ name: 'localhost', port: null });
    expect(parseHostHeader('a:b:c')).toBeNull();
    expect(parseHostHeader(undefined)).toBeNull();
  });

  it('parses frames defensively', () => {
    for (const bad of ['null', '42', '"s"', '[]', 'true', '{', '']) expect(parseRequest(bad)).toMatchObject({ id: null });
    expect(parseRequest('{"method":"getInfo"}')).toMatchObject({ id: null, problem: expect.stringMatching(/needs an id/) });
    expect(parseRequest('{"id":{},"method":"getInfo"}')).toMatchObject({ id: null });
    expect(parseRequest(`{"id":"${'x'.repeat(65)}","method":"getInfo"}`)).toMatchObject({ id: null });
    expect(parseRequest('{"id":7,"method":3}')).toEqual({ id: 7, problem: 'message needs a method name' });
    expect(parseRequest('{"id":"a","method":"getInfo","params":{}}')).toEqual({ id: 'a', method: 'getInfo', params: {} });
  });

  it('reads download queries and upload names safely; listen errors are one line', () => {
    expect(downloadParams(new URLSearchParams('runId=r1&round=3&masksOnly=true'))).toEqual({ runId: 'r1', round: 3, masksOnly: true });
    expect(downloadParams(new URLSearchParams('round=x&round=2'))).toEqual({ round: ['x', '2'] });
    expect(Object.getPrototypeOf(downloadParams(new URLSearchParams('__proto__=1')))).toBeNull();
    expect(uploadName('../../etc/passwd')).toBe('passwd');
    expect(uploadName('C:\\x\\a b<>.npz')).toBe('a b__.npz');
    expect(uploadName(null)).toBe('upload');
    const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:80'), { code: 'EADDRINUSE' });
    expect(listenError(inUse, '127.0.0.1', 80).message).toBe('cannot serve on 127.0.0.1:80: the port is in use (choose another with --port, or --port 0 for a free one)');
    expect(listenError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), 'nohost', 1).message).toMatch(/cannot resolve the host name nohost/);
  });

  it('shares a computation between callers and stops it when the last one leaves', async () => {
    const shared = new SharedComputations();
    let signal: AbortSignal | null = null;
    const compute = (s: AbortSignal) => {
      signal = s;
      return new Promise<string>((ok) => setTimeout(() => ok('done'), 50));
    };
    const a = new AbortController();
    const b = new AbortController();
    const pa = shared.run('k', { signal: a.signal }, compute);
    const pb = shared.run('k', { signal: b.signal }, compute);
    a.abort();
    await expect(pa).rejects.toBeInstanceOf(CancelledError);
    expect(signal!.aborted).toBe(false);
    await expect(pb).resolves.toBe('done');
    const c = new AbortController();
    const pc = shared.run('k2', { signal: c.signal }, compute);
    expect(shared.running).toBe(1);
    c.abort();
    await expect(pc).rejects.toBeInstanceOf(CancelledError);
    expect(signal!.aborted).toBe(true);
    expect(shared.running).toBe(0);
    await expect(shared.run('k3', { signal: c.signal }, compute)).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('serve: token, host and origin', () => {
  it('prints the URL with its token; static files need no token, the API and the WebSocket do', async () => {
    expect(served.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?token=${TOKEN}$`));
    expect((await http('/')).status).toBe(200);
    expect((await http(`/?token=${TOKEN}`)).status).toBe(200);
    expect((await http('/api/session')).status).toBe(401);
    expect((await http('/api/session', { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await http(`/api/session?token=${TOKEN}`)).status).toBe(401); // the API takes the header only
    expect((await http('/api/session', { headers: bearer })).status).toBe(204);
    expect(await connect('')).toBe(401);
    expect(await connect('?token=nope-nope-nope-nope')).toBe(401);
    const ok = await connect(`?token=${TOKEN}`);
    expect(ok).toBeInstanceOf(WebSocket);
    (ok as WebSocket).close();
    const viaHeader = await connect('', bearer);
    expect(viaHeader).toBeInstanceOf(WebSocket);
    (viaHeader as WebSocket).close();
  });

  it('refuses foreign Host headers (DNS rebinding) and foreign origins', async () => {
    const port = new URL(base).port;
    expect((await http('/', { headers: { Host: `evil.example:${port}` } })).status).toBe(421);
    expect((await http('/', { headers: { Host: '127.0.0.1:1' } })).status).toBe(421);
    expect((await http('/api/session', { headers: { ...bearer, Host: `evil.example:${port}` } })).status).toBe(421);
    expect(await connect(`?token=${TOKEN}`, { Host: `evil.example:${port}` })).toBe(421);
    expect(await connect(`?token=${TOKEN}`, { Origin: 'http://evil.example' })).toBe(403);
    expect((await http('/api/session', { headers: { ...bearer, Origin: 'http://evil.example' } })).status).toBe(403);
    const same = await connect(`?token=${TOKEN}`, { Origin: base });
    expect(same).toBeInstanceOf(WebSocket);
    (same as WebSocket).close();
    const local = await connect(`?token=${TOKEN}`, { Host: `localhost:${port}`, Origin: `http://localhost:${port}` });
    expect(local).toBeInstanceOf(WebSocket);
    (local as WebSocket).close();
  });
});

describe('serve: snapshots over HTTP, never a server path', () => {
  it('refuses exportSnapshot and importSnapshot with a path from a remote client, alike for files that exist or not', async () => {
    const ws = (await connect(`?token=${TOKEN}`)) as WebSocket;
    const answers = new Map<number, { error?: { code: string; message: string } }>();
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { id?: number; error?: { code: string; message: string } };
      if (typeof m.id === 'number') answers.set(m.id, m);
    });
    const exists = join(dir, 'exists.npz');
    writeFileSync(exists, 'x');
    ws.send(JSON.stringify({ id: 1, method: 'exportSnapshot', params: { runId, path: join(dir, 'out.npz') } }));
    ws.send(JSON.stringify({ id: 2, method: 'importSnapshot', params: { path: exists } }));
    ws.send(JSON.stringify({ id: 3, method: 'importSnapshot', params: { path: join(dir, 'missing.npz') } }));
    ws.send(JSON.stringify({ id: 4, method: 'chooseSnapshotPath', params: {} }));
    await expect.poll(() => answers.size, { timeout: 5000 }).toBe(4);
    ws.close();
    expect(answers.get(1)!.error).toMatchObject({ code: 'invalid', message: expect.stringMatching(/^exportSnapshot: a remote client cannot write files on the server; download/) });
    expect(answers.get(2)!.error).toEqual(answers.get(3)!.error);
    expect(answers.get(2)!.error!.message).toMatch(/^importSnapshot: a remote client cannot name files on the server; upload/);
    expect(answers.get(4)!.error!.message).toMatch(/^chooseSnapshotPath: file dialogs exist only in the desktop app/);
  });

  it('downloads a stored state as a file and uploads it back as a new run', async () => {
    const d = await http(`/api/snapshot?runId=${runId}&format=npz&which=mask`, { headers: bearer });
    expect(d.status).toBe(200);
    expect(d.headers['content-disposition']).toBe(`attachment; filename="${runId}-r2-mask.npz"`);
    expect(d.headers['content-type']).toBe('application/octet-stream');
    const snap = readSnapshot(new Uint8Array(d.body), 'lenet-300-100', 'download.npz');
    expect(snap.layers.every((l) => l.mask && !l.weight)).toBe(true);
    expect((await http(`/api/snapshot?runId=${runId}`)).status).toBe(401);
    const bad = await http(`/api/snapshot?runId=${runId}&path=/etc/x.npz`, { headers: bearer });
    expect(bad.status).toBe(400);
    expect(JSON.parse(String(bad.body)).error.message).toMatch(/path/);
    expect((await http('/api/snapshot?runId=rnothere', { headers: bearer })).status).toBe(404);

    const before = core.store.repo.listRuns().length;
    const up = await http('/api/snapshot?name=back.npz', { method: 'POST', headers: bearer, body: d.body });
    expect(up.status).toBe(200);
    const result = JSON.parse(String(up.body)) as { runId: string; withWeights: boolean };
    expect(result.withWeights).toBe(false);
    expect(core.store.repo.listRuns().length).toBe(before + 1);
    expect(core.store.repo.getRun(result.runId).warnings[0]).toMatch(/^imported from an upload \(back\.npz\)/);
  });

  it('refuses uploads that are malformed, too large or without the token, storing nothing', async () => {
    const before = core.store.repo.listRuns().length;
    const garbage = await http('/api/snapshot?name=bad.safetensors', { method: 'POST', headers: bearer, body: new Uint8Array([1, 2, 3]) });
    expect(garbage.status).toBe(400);
    expect(JSON.parse(String(garbage.body))).toEqual({ error: { code: 'invalid', message: 'snapshot bad.safetensors: file is 3 bytes, too short for the 8-byte header length' } });
    const huge = await http('/api/snapshot', { method: 'POST', headers: { ...bearer, 'Content-Length': String(2 ** 40) } });
    expect(huge.status).toBe(413);
    // Streamed without a length: refused as soon as it passes the cap, without reading the rest.
    const u = new URL(base);
    const streamed = await new Promise<number>((ok, fail) => {
      const req = request({ host: u.hostname, port: u.port, path: '/api/snapshot', method: 'POST', headers: { ...bearer, 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        ok(res.statusCode ?? 0);
      });
      req.on('error', (e) => (answered ? undefined : fail(e)));
      let answered = false;
      req.on('response', () => (answered = true));
      const chunk = Buffer.alloc(1 << 20);
      let sent = 0;
      const pump = () => {
        while (!answered && sent < MAX_SNAPSHOT_BYTES + (8 << 20)) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(streamed).toBe(413);
    expect((await http('/api/snapshot', { method: 'POST', body: new Uint8Array(10) })).status).toBe(401);
    expect((await http('/api/snapshot', { method: 'PUT', headers: bearer })).status).toBe(405);
    expect(core.store.repo.listRuns().length).toBe(before);
  });
});

describe('serve: analysis progress and cancellation', () => {
  it('sends progress only to the client that asked, with its call id; its disconnect stops the analysis', async () => {
    const a = (await connect(`?token=${TOKEN}`)) as WebSocket;
    const b = (await connect(`?token=${TOKEN}`)) as WebSocket;
    const seenA: AnalysisProgress[] = [];
    const seenB: unknown[] = [];
    a.on('message', (d) => {
      const m = JSON.parse(String(d)) as { event?: string; payload?: AnalysisProgress };
      if (m.event === 'analysisProgress') seenA.push(m.payload!);
    });
    b.on('message', (d) => {
      const m = JSON.parse(String(d)) as { event?: string };
      if (m.event === 'analysisProgress') seenB.push(m);
    });
    const rowsBefore = core.store.analyses.count();
    const { started, killed } = workers;
    a.send(JSON.stringify({ id: 'sel-1', method: 'analyzeSelectivity', params: { states: [`${runId}:2:trained`], limit: 100, permutations: 1 } }));
    await expect.poll(() => seenA.length, { timeout: 10_000 }).toBeGreaterThan(1);
    expect(seenA[0]).toMatchObject({ requestId: 'sel-1', kind: 'selectivity', stage: 'forward pass' });
    expect(workers.started).toBe(started + 1);
    expect(core.analyses.requests.running).toBe(1);
    // b's own (different) request is answered while a's runs; b never sees a's progress.
    b.send(JSON.stringify({ id: 1, method: 'listRuns', params: {} }));
    a.terminate();
    await expect.poll(() => core.analyses.requests.running, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => workers.killed, { timeout: 10_000 }).toBeGreaterThan(killed);
    expect(workers.cancelled).toBeGreaterThan(0);
    expect(workers.live).toBe(0);
    expect(seenB).toEqual([]);
    expect(core.store.analyses.count()).toBe(rowsBefore);
    b.close();
  });

  it('cancelRequest with a call\'s frame id stops that call\'s work; another client cannot cancel it', async () => {
    const a = (await connect(`?token=${TOKEN}`)) as WebSocket;
    const b = (await connect(`?token=${TOKEN}`)) as WebSocket;
    const replies = new Map<string, { result?: unknown; error?: { code: string } }>();
    const progress: AnalysisProgress[] = [];
    const listen = (ws: WebSocket) =>
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { id?: string; event?: string; payload?: AnalysisProgress };
        if (m.event === 'analysisProgress') progress.push(m.payload!);
        else if (m.id !== undefined) replies.set(m.id, m as never);
      });
    listen(a);
    listen(b);
    const { killed } = workers;
    a.send(JSON.stringify({ id: 'sel-2', method: 'analyzeSelectivity', params: { states: [`${runId}:2:trained`], limit: 99, permutations: 1 } }));
    await expect.poll(() => progress.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(core.jobs.list()).toEqual([expect.objectContaining({ lane: 'interactive', requestId: 'sel-2', state: 'running' })]);
    b.send(JSON.stringify({ id: 'b-1', method: 'cancelRequest', params: { requestId: 'sel-2' } }));
    await expect.poll(() => replies.get('b-1'), { timeout: 10_000 }).toEqual({ id: 'b-1', result: { cancelled: false } });
    a.send(JSON.stringify({ id: 'a-1', method: 'cancelRequest', params: { requestId: 'sel-2' } }));
    await expect.poll(() => replies.get('sel-2'), { timeout: 10_000 }).toMatchObject({ error: { code: 'cancelled' } });
    expect(replies.get('a-1')).toEqual({ id: 'a-1', result: { cancelled: true } });
    await expect.poll(() => workers.killed, { timeout: 10_000 }).toBeGreaterThan(killed);
    expect(core.analyses.requests.running).toBe(0);
    expect(core.jobs.list()).toEqual([]);
    a.close();
    b.close();
  });
});

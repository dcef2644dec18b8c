// Load on a live `ticketscope serve` over loopback: 200 concurrent WebSocket clients send 5,000 invalid messages
// while a small run trains. Every invalid message gets its error reply, a client polling getInfo is answered
// throughout, the run finishes with all its rounds and metrics, and every client receives every metric point.
// Bounded: a fixed number of clients and messages, and the test stops by itself.
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint, RunDetail, StartRunResult } from '../../src/shared/contract';
import { assertBuilt, startServe, tempDir } from '../helpers/cli';

const CLIENTS = 200;
const PER_CLIENT = 25; // 5,000 invalid messages in all
const tmp = tempDir('ticketscope-serve-load-');
let s: Awaited<ReturnType<typeof startServe>>;
let wsUrl = '';

beforeAll(async () => {
  assertBuilt();
  s = await startServe(['--db', join(tmp.dir, 'load.db'), '--data-dir', join(tmp.dir, 'data')]);
  const u = new URL(s.url);
  wsUrl = `ws://${u.host}/ws?token=${u.searchParams.get('token')}`;
});
afterAll(async () => {
  await s?.stop();
  tmp.cleanup();
});

interface Client {
  ws: WebSocket;
  errors: number;
  points: Map<string, number>;
  done: Set<string>;
  replies: Map<number | string, (m: { result?: unknown; error?: { message: string } }) => void>;
}

function connect(): Promise<Client> {
  const ws = new WebSocket(wsUrl);
  const c: Client = { ws, errors: 0, points: new Map(), done: new Set(), replies: new Map() };
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as { id?: number | string | null; event?: string; payload?: unknown; error?: { message: string }; result?: unknown };
    if (m.event === 'metrics') {
      const p = m.payload as { runId: string; points: MetricPoint[] };
      c.points.set(p.runId, (c.points.get(p.runId) ?? 0) + p.points.length);
    } else if (m.event === 'runUpdate') {
      const r = m.payload as { runId: string; status: string };
      if (r.status === 'done' || r.status === 'failed' || r.status === 'cancelled') c.done.add(r.runId);
    } else if (m.id !== undefined && m.id !== null && c.replies.has(m.id)) {
      c.replies.get(m.id)!(m);
      c.replies.delete(m.id);
    } else if (m.error) {
      c.errors++;
    }
  });
  return new Promise((ok, fail) => ws.once('open', () => ok(c)).once('error', fail));
}

function call<T>(c: Client, id: number | string, method: string, params: unknown = {}): Promise<T> {
  return new Promise((ok, fail) => {
    c.replies.set(id, (m) => (m.error ? fail(new Error(m.error.message)) : ok(m.result as T)));
    c.ws.send(JSON.stringify({ id, method, params }));
  });
}

/** Invalid messages of every kind the server must answer with an error (id null: not a usable request). */
const INVALID = ['null', '42', '[]', '{"id":', '{"method":"getInfo"}', '"x"', '{}', 'nope', '{"id":{},"method":"listRuns"}', 'true'];

describe('serve under load', () => {
  it('200 clients and 5,000 invalid messages while a run trains: nothing lost, always answering', { timeout: 300_000 }, async () => {
    const clients: Client[] = [];
    for (let i = 0; i < CLIENTS; i += 20) clients.push(...(await Promise.all(Array.from({ length: 20 }, () => connect()))));
    expect(clients).toHaveLength(CLIENTS);
    const observer = clients[0]!;

    const started = await call<StartRunResult>(observer, 'start', 'startRun', {
      preset: 'quick',
      overrides: ['iterations=400', 'evalEvery=20', 'validation=200', 'synthetic={"train":1200,"test":300}'],
    });
    const runId = started.runIds[0]!;

    // A client that polls getInfo all along: every poll must be answered.
    const pinger = await connect();
    let polls = 0;
    let answered = 0;
    let slowest = 0;
    let polling = true;
    const pollLoop = (async () => {
      for (let i = 0; polling && i < 5000; i++) {
        const t0 = Date.now();
        polls++;
        await call(pinger, `p${i}`, 'getInfo');
        answered++;
        slowest = Math.max(slowest, Date.now() - t0);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // 5,000 invalid messages from the 200 clients, in bursts.
    for (let round = 0; round < PER_CLIENT; round++) {
      for (const [i, c] of clients.entries()) c.ws.send(INVALID[(i + round) % INVALID.length]!);
      await new Promise((r) => setImmediate(r));
    }
    await expect.poll(() => clients.reduce((n, c) => n + c.errors, 0), { timeout: 120_000, interval: 100 }).toBe(CLIENTS * PER_CLIENT);

    // The run finishes, and every client saw it finish with every metric point the database holds.
    await expect.poll(() => clients.every((c) => c.done.has(runId)), { timeout: 240_000, interval: 200 }).toBe(true);
    polling = false;
    await pollLoop;
    const detail = await call<RunDetail>(observer, 'detail', 'getRun', { runId });
    expect(detail.status).toBe('done');
    expect(detail.rounds).toHaveLength(1);
    const stored = await call<MetricPoint[]>(observer, 'metrics', 'getMetrics', { runId });
    expect(stored.length).toBeGreaterThan(20);
    const counts = clients.map((c) => c.points.get(runId) ?? 0);
    expect(new Set(counts)).toEqual(new Set([stored.length]));
    expect(answered).toBe(polls);
    expect(s.child.exitCode).toBeNull();
    console.log(
      `load: ${CLIENTS} clients, ${CLIENTS * PER_CLIENT} invalid messages answered, ${stored.length} metric points to each client, ` +
        `${answered}/${polls} getInfo polls answered (slowest ${slowest} ms), run ${detail.status} at ${((detail.testAccuracy ?? 0) * 100).toFixed(1)}% test accuracy`,
    );
    for (const c of [...clients, pinger]) c.ws.close();
  });
});

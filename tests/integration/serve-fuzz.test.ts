// Fault injection against a live `ticketscope serve` (the built CLI in its own process): every malformed WebSocket
// frame the attack run found (and more), sent as a well-framed message through a WebSocket client or as raw bytes on
// a TCP socket, closes that one connection with the right code or is answered with an error, and the server goes
// on serving; the token and Host checks hold; malformed uploads are refused and store nothing.
import { connect as tcp } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startServe, tempDir } from '../helpers/cli';
import { malformedSnapshots } from '../helpers/snapshot-corpus';
import { join } from 'node:path';

const tmp = tempDir('ticketscope-serve-fuzz-');
let s: Awaited<ReturnType<typeof startServe>>;
let host = '';
let port = 0;
let token = '';

beforeAll(async () => {
  assertBuilt();
  s = await startServe(['--db', join(tmp.dir, 'f.db'), '--data-dir', join(tmp.dir, 'data')]);
  const u = new URL(s.url);
  host = u.host;
  port = Number(u.port);
  token = u.searchParams.get('token') ?? '';
});
afterAll(async () => {
  await s?.stop();
  tmp.cleanup();
});

const wsUrl = () => `ws://${host}/ws?token=${token}`;

function open(url = wsUrl(), headers: Record<string, string> = {}): Promise<WebSocket | number> {
  const ws = new WebSocket(url, { headers });
  return new Promise((ok) => {
    ws.once('open', () => ok(ws));
    ws.once('unexpected-response', (_q, res) => ok(res.statusCode ?? 0));
    ws.once('error', () => ok(-1));
  });
}

/** A contract call on an open socket; resolves with the reply frame. */
function call(ws: WebSocket, id: number, method: string, params: unknown = {}): Promise<{ result?: unknown; error?: { code: string; message: string } }> {
  return new Promise((ok) => {
    const onMsg = (d: WebSocket.RawData) => {
      const m = JSON.parse(String(d)) as { id?: unknown; result?: unknown; error?: { code: string; message: string } };
      if (m.id === id) {
        ws.off('message', onMsg);
        ok(m);
      }
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ id, method, params }));
  });
}

/** The server answers a fresh connection: the proof that it is still serving. */
async function alive(): Promise<void> {
  expect(s.child.exitCode).toBeNull();
  const ws = (await open()) as WebSocket;
  expect(ws).toBeInstanceOf(WebSocket);
  expect((await call(ws, 1, 'getInfo')).result).toMatchObject({ transport: 'websocket' });
  ws.close();
}

/** Completes the WebSocket handshake on a raw TCP socket, writes `bytes`, and resolves with the close code the server sends. */
function rawFrame(bytes: Buffer, request?: string): Promise<number | string> {
  return new Promise((ok) => {
    const sock = tcp(port, '127.0.0.1', () => {
      sock.write(
        request ??
          `GET /ws?token=${token} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      if (request) sock.write(bytes);
    });
    let buf = Buffer.alloc(0);
    let upgraded = false;
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!request && !upgraded && buf.includes('\r\n\r\n')) {
        upgraded = true;
        if (!buf.toString('latin1').startsWith('HTTP/1.1 101')) return ok(buf.toString('latin1').split('\r\n')[0]!);
        buf = buf.subarray(buf.indexOf('\r\n\r\n') + 4);
        sock.write(bytes);
      }
    });
    const timer = setTimeout(() => sock.destroy(), 5000);
    sock.on('close', () => {
      clearTimeout(timer);
      if (request) return ok(buf.toString('latin1').split('\r\n')[0] ?? '');
      // The server's close frame: opcode 8, then the 2-byte code.
      ok(buf.length >= 4 && buf[0] === 0x88 ? buf.readUInt16BE(2) : `no close frame (${buf.length} bytes)`);
    });
    sock.on('error', () => undefined);
  });
}

const MASK = Buffer.from([0x11, 0x22, 0x33, 0x44]);
const masked = (payload: Buffer) => Buffer.from(payload.map((b, i) => b ^ MASK[i % 4]!));
/** A client frame: FIN/RSV/opcode byte, masked payload with a 7-bit length. */
const frame = (first: number, payload = Buffer.alloc(0)) => Buffer.concat([Buffer.from([first, 0x80 | payload.length]), MASK, masked(payload)]);
const length64 = (first: number, n: bigint) => {
  const b = Buffer.alloc(10);
  b[0] = first;
  b[1] = 0x80 | 127;
  b.writeBigUInt64BE(n, 2);
  return Buffer.concat([b, MASK]);
};

describe('live serve: malformed WebSocket frames', () => {
  it('answers every malformed message with an error on the same connection, which stays usable', async () => {
    const ws = (await open()) as WebSocket;
    const replies: { id: unknown; error?: { code: string; message: string } }[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d))));
    let deep: unknown = {};
    for (let i = 0; i < 200; i++) deep = { a: deep };
    const bad = [
      'null', '42', '"text"', '[]', '[1,2]', 'true', '{}', '{"id":', 'not json at all', '\u0000',
      '{"id":1}', '{"id":{},"method":"getInfo"}', '{"id":null,"method":"getInfo"}', '{"id":2,"method":7}',
      '{"id":3,"method":"dropTables"}', '{"id":4,"method":"getInfo","params":5}', '{"id":5,"method":"getInfo","params":[]}',
      '{"id":6,"method":"getRun","params":{"__proto__":{"polluted":true}}}', '{"id":7,"method":"getRun","params":{"constructor":{}}}',
      JSON.stringify({ id: 8, method: 'getRun', params: deep }), JSON.stringify({ id: 9, method: 'getRun', params: { runId: 'x'.repeat(900_000) } }),
      '{"id":10,"method":"startRun","params":{"preset":"quick","overrides":["iterations=-1"]}}',
      '{"id":11,"method":"exportSnapshot","params":{"runId":"r1","path":"/tmp/x.npz"}}',
      '{"id":12,"method":"importSnapshot","params":{"path":"/etc/hosts.npz"}}',
    ];
    for (const text of bad) ws.send(text);
    await expect.poll(() => replies.length, { timeout: 10_000 }).toBe(bad.length);
    expect(replies.every((r) => r.error && r.error.code === 'invalid' && !r.error.message.includes('\n'))).toBe(true);
    expect(replies.filter((r) => r.id === null)).toHaveLength(12);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await call(ws, 99, 'listRuns')).result).toEqual([]);
    ws.close();
    await alive();
  });

  it('closes the connection on a binary frame (1003) and on a message over 1 MiB (1009)', async () => {
    for (const [payload, code] of [
      [Buffer.from([1, 2, 3]), 1003],
      ['x'.repeat((1 << 20) + 1), 1009],
    ] as const) {
      const ws = (await open()) as WebSocket;
      const closed = new Promise<number>((ok) => ws.once('close', (c) => ok(c)));
      ws.on('error', () => undefined);
      ws.send(payload);
      expect(await closed).toBe(code);
      await alive();
    }
  });

  it.each([
    ['an unmasked frame', Buffer.from([0x81, 0x02, 0x68, 0x69]), 1002],
    ['reserved opcode 3', frame(0x83), 1002],
    ['reserved control opcode 0xB', frame(0x8b), 1002],
    ['RSV1 without an extension', frame(0xc1, Buffer.from('hi')), 1002],
    ['RSV2', frame(0xa1, Buffer.from('hi')), 1002],
    ['RSV3', frame(0x91, Buffer.from('hi')), 1002],
    ['invalid UTF-8 in a text frame', frame(0x81, Buffer.from([0xff, 0xfe, 0xfd])), 1007],
    ['a truncated UTF-8 sequence', frame(0x81, Buffer.from([0xe2, 0x82])), 1007],
    ['a header claiming 100 MB', length64(0x81, 100_000_000n), 1009],
    ['a header claiming 2^63 bytes', length64(0x82, 2n ** 63n), 1009],
    ['a ping over 125 bytes', Buffer.concat([Buffer.from([0x89, 0x80 | 126, 0, 200]), MASK, masked(Buffer.alloc(200))]), 1002],
    ['a fragmented ping', frame(0x09, Buffer.from('x')), 1002],
    ['a continuation without a start', frame(0x80, Buffer.from('x')), 1002],
    ['a new text frame inside a fragmented one', Buffer.concat([frame(0x01, Buffer.from('{"i')), frame(0x81, Buffer.from('x'))]), 1002],
    ['a close frame with code 999', frame(0x88, Buffer.from([0x03, 0xe7])), 1002],
    ['a close frame with a 1-byte body', frame(0x88, Buffer.from([0x03])), 1002],
  ])('%s closes that one connection with the right code; the server keeps serving', async (_name, bytes, code) => {
    expect(await rawFrame(bytes, undefined)).toBe(code);
    await alive();
  });

  it('answers malformed handshakes and HTTP with 4xx, never a crash', async () => {
    const upgrade = (extra: string) => `GET /ws?token=${token} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${extra}\r\n`;
    expect(await rawFrame(Buffer.alloc(0), upgrade('Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n'))).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawFrame(Buffer.alloc(0), upgrade('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 12\r\n'))).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawFrame(Buffer.from([0, 1, 2, 0xff, 0xfe]), '\u0016\u0003\u0001\u0002\u0000garbage\r\n\r\n')).toMatch(/^HTTP\/1\.1 400|^$/);
    expect(await rawFrame(Buffer.alloc(0), `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 (400|414|431)|^$/);
    expect(await rawFrame(Buffer.alloc(0), `GET /%E0%A4%A HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    await alive();
  });

  it('keeps the token and Host checks', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(await open(`ws://${host}/ws`)).toBe(401);
    expect(await open(`ws://${host}/ws?token=${token.slice(0, -1)}x`)).toBe(401);
    expect(await open(wsUrl(), { Host: `rebound.example:${port}` })).toBe(421);
    expect(await open(wsUrl(), { Origin: 'http://attacker.example' })).toBe(403);
    expect((await fetch(`http://${host}/api/session`)).status).toBe(401);
    expect((await fetch(`http://${host}/api/session`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(204);
    await alive();
  });

  it('refuses malformed uploads with one line each and stores nothing', async () => {
    const some = malformedSnapshots().filter((_, i) => i % 10 === 0);
    for (const c of some) {
      const r = await fetch(`http://${host}/api/snapshot?name=${encodeURIComponent(c.name)}`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: c.bytes });
      expect(r.status, c.name).toBe(400);
      const body = (await r.json()) as { error: { message: string } };
      expect(body.error.message).toMatch(c.expect);
    }
    const ws = (await open()) as WebSocket;
    expect((await call(ws, 1, 'listRuns')).result).toEqual([]);
    ws.close();
  });

  it('logged the faults in one line each, without a stack trace', () => {
    expect(s.stderr()).toMatch(/websocket client: Invalid WebSocket frame: MASK must be set/);
    expect(s.stderr()).not.toMatch(/^\s+at /m);
  });
});

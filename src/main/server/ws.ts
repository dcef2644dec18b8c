// The contract over WebSocket (serve mode), one connection at a time, written so that no client can stop the server:
// - protocol faults (unmasked or oversized frames, reserved opcodes, RSV bits without an extension, invalid UTF-8)
//   are found by `ws` (maxPayload, no extensions, UTF-8 validation on), which closes that one connection with the
//   matching code (1002, 1007, 1009); every socket has an 'error' handler, so none of it reaches the process;
// - every text frame is parsed defensively: anything but {"id": number | string, "method": string, "params": {...}}
//   is answered with an error (or, for a binary frame, closes the connection with 1003);
// - a client that does not read its replies is dropped before its buffer grows without bound, and one connection
//   has at most MAX_INFLIGHT calls in progress;
// - run events go to every client; an analysis' progress goes only to the clients that asked for it (with their
//   call's id); a frame's id is its call's request id, which cancelRequest names, and a client that disconnects
//   cancels the calls it was waiting for (an analysis others share goes on for them; core/requests.ts).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { EventName, Events } from '../../shared/contract';
import { oneLine, wireCode } from '../../shared/errors';
import { paramsProblem } from '../../shared/params';
import type { CallContext } from '../core/requests';
import type { Core } from '../core';

/** Largest WebSocket message accepted from a client; a larger one closes the connection with 1009. */
export const MAX_MESSAGE_BYTES = 1 << 20;
/** Calls one connection may have in progress; more are answered with an error at once. */
export const MAX_INFLIGHT = 64;
/** Bytes queued for a client that does not read before it is dropped. */
const MAX_BUFFERED = 16 << 20;
const HEARTBEAT_MS = 30_000;

export type Request = { id: number | string; method: string; params: unknown };
export type BadRequest = { id: number | string | null; problem: string };

/** A text frame as a request, or why it is not one (with the id to answer, when the frame had a usable one). */
export function parseRequest(text: string): Request | BadRequest {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { id: null, problem: 'message is not JSON' };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return { id: null, problem: 'message must be a JSON object {"id", "method", "params"}' };
  }
  const m = msg as Record<string, unknown>;
  const id = (typeof m.id === 'number' && Number.isFinite(m.id)) || (typeof m.id === 'string' && m.id.length <= 64) ? m.id : null;
  if (id === null) return { id: null, problem: 'message needs an id: a number or a string of at most 64 characters' };
  if (typeof m.method !== 'string') return { id, problem: 'message needs a method name' };
  return { id, method: m.method, params: m.params };
}

interface Client {
  /** This connection's name for the core: its request ids are its own. */
  id: string;
  ws: WebSocket;
  /** Aborted when the connection closes: analyses only this client waits for stop. */
  gone: AbortController;
  inflight: number;
  alive: boolean;
}

export interface WsHub {
  /** Completes an upgrade the caller has authorized. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open connections. */
  readonly size: number;
  close(): Promise<void>;
}

/** A log that prints at most `perMinute` lines a minute (a flood of bad frames must not flood the terminal). */
export function rateLimitedLog(write: (line: string) => void, perMinute = 20): (line: string) => void {
  let windowStart = 0;
  let count = 0;
  let dropped = 0;
  return (line) => {
    const now = Date.now();
    if (now - windowStart > 60_000) {
      if (dropped) write(`(${dropped} more like these in the last minute)`);
      windowStart = now;
      count = 0;
      dropped = 0;
    }
    if (count++ < perMinute) write(line);
    else dropped++;
  };
}

export function createWsHub(core: Core, log: (line: string) => void): WsHub {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    skipUTF8Validation: false,
    clientTracking: false,
  });
  wss.on('error', (err) => log(`websocket server: ${oneLine(err)}`));
  const clients = new Set<Client>();
  let connections = 0;

  const send = (c: Client, frame: string) => {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (c.ws.bufferedAmount > MAX_BUFFERED) {
      log('a client stopped reading its replies: connection dropped');
      c.ws.terminate();
      return;
    }
    c.ws.send(frame);
  };
  const reply = (c: Client, id: number | string | null, body: { result: unknown } | { error: { code: string; message: string } }) => {
    let frame: string;
    try {
      frame = JSON.stringify({ id, ...body });
    } catch (err) {
      frame = JSON.stringify({ id, error: { code: 'internal', message: `the answer cannot be sent: ${oneLine(err)}` } });
    }
    send(c, frame);
  };
  const invalid = (c: Client, id: number | string | null, message: string) => reply(c, id, { error: { code: 'invalid', message } });

  const unsubscribe = core.subscribe(<E extends EventName>(event: E, payload: Events[E]) => {
    // Analysis progress goes to the clients that asked (CallContext.onProgress); menu commands are Electron's.
    if (event === 'analysisProgress' || event === 'menu') return;
    const frame = JSON.stringify({ event, payload });
    for (const c of clients) send(c, frame);
  });

  const onMessage = (c: Client, data: RawData, isBinary: boolean) => {
    if (isBinary) {
      c.ws.close(1003, 'binary frames are not accepted');
      return;
    }
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    const req = parseRequest(text);
    if ('problem' in req) return invalid(c, req.id, req.problem);
    const problem = paramsProblem(req.params);
    if (problem) return invalid(c, req.id, `${req.method.slice(0, 64)}: ${problem}`);
    if (c.inflight >= MAX_INFLIGHT) return invalid(c, req.id, `too many calls in progress on this connection (${MAX_INFLIGHT}); wait for their answers`);
    c.inflight++;
    const ctx: CallContext = {
      remote: true,
      client: c.id,
      requestId: req.id,
      signal: c.gone.signal,
      onProgress: (p) => send(c, JSON.stringify({ event: 'analysisProgress', payload: p })),
    };
    core
      .call(req.method, req.params, ctx)
      .then(
        (result) => reply(c, req.id, { result }),
        (err: unknown) => reply(c, req.id, { error: { code: wireCode(err), message: oneLine(err) } }),
      )
      .finally(() => c.inflight--);
  };

  const heartbeat = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        c.ws.terminate();
      }
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    accept(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        const c: Client = { id: `ws${++connections}`, ws, gone: new AbortController(), inflight: 0, alive: true };
        clients.add(c);
        // Protocol errors (1002, 1007, 1009) and socket errors: ws closes the connection itself; only this one ends.
        ws.on('error', (err) => log(`websocket client: ${oneLine(err)}`));
        ws.on('pong', () => (c.alive = true));
        ws.on('close', () => {
          clients.delete(c);
          c.gone.abort();
        });
        ws.on('message', (data, isBinary) => {
          try {
            onMessage(c, data, isBinary);
          } catch (err) {
            log(`websocket message: ${oneLine(err)}`);
            ws.close(1011, 'internal error');
          }
        });
      });
    },
    get size() {
      return clients.size;
    },
    async close() {
      clearInterval(heartbeat);
      unsubscribe();
      for (const c of clients) c.ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

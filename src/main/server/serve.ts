// Serve mode: the built renderer over HTTP and the contract over WebSocket (/ws), for a browser or a remote GPU box.
// Binds to 127.0.0.1 unless told otherwise. Rejects cross-origin WebSocket connections and foreign Host headers
// (DNS rebinding), serves only files inside the renderer folder, and sends the same strict CSP as the app.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { oneLine, wireCode } from '../../shared/errors';
import type { Core } from '../core/service';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/** Largest WebSocket message accepted from a client. */
const MAX_MESSAGE_BYTES = 1 << 20;

export interface ServeOptions {
  host: string;
  port: number;
  rendererDir: string;
}

export interface Served {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function allowedHost(hostHeader: string | undefined, boundHost: string, port: number): boolean {
  if (!hostHeader) return false;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'];
  const names = boundHost === '0.0.0.0' || boundHost === '::' ? null : new Set([boundHost, ...(loopback.includes(boundHost) ? loopback : [])]);
  if (names === null) return true; // bound to every interface on purpose: the user chose a public bind
  const [name, p] = hostHeader.startsWith('[') ? [hostHeader.slice(0, hostHeader.indexOf(']') + 1), hostHeader.split(']:')[1]] : hostHeader.split(':');
  return names.has(name ?? '') && (p === undefined || Number(p) === port);
}

export async function serve(core: Core, opts: ServeOptions): Promise<Served> {
  const root = resolve(opts.rendererDir);
  let port = opts.port;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const headers = {
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
    };
    if (!allowedHost(req.headers.host, opts.host, port)) {
      res.writeHead(421, headers).end('misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const rel = normalize(urlPath === '/' ? '/index.html' : urlPath);
    const file = join(root, rel);
    if (!file.startsWith(root + sep)) {
      res.writeHead(403, headers).end();
      return;
    }
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    maxPayload: MAX_MESSAGE_BYTES,
    verifyClient: ({ origin, req }: { origin: string; req: IncomingMessage }) => {
      if (!allowedHost(req.headers.host, opts.host, port)) return false;
      // Browsers always send Origin; it must be this server. Non-browser clients (scripts) send none.
      return origin === undefined || origin === '' || origin === `http://${req.headers.host}`;
    },
  });

  const clients = new Set<WebSocket>();
  const unsubscribe = core.subscribe((event, payload) => {
    const frame = JSON.stringify({ event, payload });
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (data) => {
      let msg: { id?: unknown; method?: unknown; params?: unknown };
      try {
        msg = JSON.parse(String(data));
      } catch {
        ws.send(JSON.stringify({ id: null, error: { code: 'invalid', message: 'message is not JSON' } }));
        return;
      }
      const id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
      core.call(msg.method, msg.params).then(
        (result) => ws.send(JSON.stringify({ id, result })),
        (err: unknown) => ws.send(JSON.stringify({ id, error: { code: wireCode(err), message: oneLine(err) } })),
      );
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${hostForUrl}:${port}/`,
    server,
    close: async () => {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

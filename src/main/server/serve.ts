// Serve mode: the built renderer over HTTP, the contract over WebSocket (/ws, ws.ts) and snapshot downloads and
// uploads over HTTP (/api/snapshot, snapshot-http.ts), for a browser or a remote GPU box. Binds to 127.0.0.1 unless
// told otherwise. Every request must name an allowed Host (DNS rebinding); the WebSocket and the API need the
// token and refuse foreign origins (access.ts); static files are served only from inside the renderer folder, with
// the same strict CSP as the app. Nothing a client sends can end the process: listen errors are one line, protocol
// faults close one connection.
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { SNAPSHOT_HTTP_PATH } from '../../shared/contract';
import { ValidationError, oneLine } from '../../shared/errors';
import type { Core } from '../core';
import { Access, allowedHosts, isLoopback, isWildcard } from './access';
import { handleSnapshotHttp } from './snapshot-http';
import { createWsHub, rateLimitedLog } from './ws';

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

/** Open WebSocket connections at most; more are answered 503. */
export const MAX_CLIENTS = 1000;
/** Answers whether the request's token is good (204) or not (401): how the page tells a wrong token from a lost server. */
export const SESSION_PATH = '/api/session';

export interface ServeOptions {
  host: string;
  port: number;
  rendererDir: string;
  /** The token every WebSocket and API request must carry; null with --no-token (loopback binds only). */
  token: string | null;
  /** Host names or addresses to accept beyond the defaults (--allow-host). */
  allowHosts?: string[];
  /** Where problems with clients are reported (rate-limited); stderr by default. */
  log?: (line: string) => void;
}

export interface Served {
  /** The URL to open, with the token: http://127.0.0.1:PORT/?token=T. */
  url: string;
  /** Other URLs that reach this server (a non-loopback bind: the machine's names and addresses). */
  otherUrls: string[];
  /** Every host name and address the server accepts in Host headers. */
  allowedHosts: string[];
  server: Server;
  close(): Promise<void>;
}

/** A listen error as one line that says what to do (a ValidationError: the CLI exits 2). */
export function listenError(err: unknown, host: string, port: number): ValidationError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EADDRINUSE':
      return new ValidationError(`cannot serve on ${host}:${port}: the port is in use (choose another with --port, or --port 0 for a free one)`);
    case 'EACCES':
    case 'EPERM':
      return new ValidationError(`cannot serve on ${host}:${port}: permission denied (ports below 1024 need privileges)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return new ValidationError(`cannot serve on ${host}:${port}: cannot resolve the host name ${host}`);
    case 'EADDRNOTAVAIL':
      return new ValidationError(`cannot serve on ${host}:${port}: ${host} is not an address of this machine`);
    default:
      return new ValidationError(`cannot serve on ${host}:${port}: ${oneLine(err)}`);
  }
}

const urlHost = (h: string) => (h.includes(':') ? `[${h}]` : h);

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 2000).unref();
}

export async function serve(core: Core, opts: ServeOptions): Promise<Served> {
  const root = resolve(opts.rendererDir);
  const log = rateLimitedLog(opts.log ?? ((line) => process.stderr.write(`ticketscope serve: ${line}\n`)));
  let port = opts.port;
  const allowed = allowedHosts(opts.host, opts.allowHosts ?? []);
  const access = new Access({ token: opts.token, allowed, port: () => port });
  const hub = createWsHub(core, log);

  const headers = {
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };

  const staticFile = async (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    const rel = normalize(pathname === '/' ? '/index.html' : pathname);
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

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!access.hostOk(req)) {
      res.writeHead(421, headers).end('misdirected request: this host name is not allowed (see --allow-host)');
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, headers).end('bad request');
      return;
    }
    if (pathname.startsWith('/api/')) {
      if (!access.originOk(req)) {
        res.writeHead(403, headers).end('forbidden origin');
        return;
      }
      if (!access.authorized(req)) {
        res.writeHead(401, { ...headers, 'WWW-Authenticate': 'Bearer' }).end('a token is needed: open the URL that ticketscope serve printed');
        return;
      }
      if (pathname === SNAPSHOT_HTTP_PATH) return handleSnapshotHttp(core, req, res, headers);
      if (pathname === SESSION_PATH) return void res.writeHead(204, headers).end();
      res.writeHead(404, headers).end('not found');
      return;
    }
    if (pathname === '/ws') {
      res.writeHead(426, { ...headers, Upgrade: 'websocket' }).end('upgrade required');
      return;
    }
    await staticFile(req, res, pathname);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`request ${req.method} ${String(req.url).slice(0, 100)}: ${oneLine(err)}`);
      if (!res.headersSent) res.writeHead(500, headers);
      res.end();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let pathname = '';
    try {
      pathname = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      // not a path: refused below
    }
    if (pathname !== '/ws') return refuseUpgrade(socket, 404, 'not found');
    if (!access.hostOk(req)) return refuseUpgrade(socket, 421, 'misdirected request: this host name is not allowed (see --allow-host)');
    if (!access.originOk(req)) return refuseUpgrade(socket, 403, 'forbidden origin');
    if (!access.authorized(req, true)) return refuseUpgrade(socket, 401, 'a token is needed: open the URL that ticketscope serve printed');
    if (hub.size >= MAX_CLIENTS) return refuseUpgrade(socket, 503, 'too many connections');
    hub.accept(req, socket, head);
  });

  await new Promise<void>((ok, fail) => {
    const onError = (err: unknown) => fail(listenError(err, opts.host, opts.port));
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      ok();
    });
  }).catch(async (err: unknown) => {
    await hub.close();
    throw err;
  });
  server.on('error', (err) => log(`server: ${oneLine(err)}`));
  port = (server.address() as AddressInfo).port;

  const query = opts.token === null ? '' : `?token=${encodeURIComponent(opts.token)}`;
  const first = isWildcard(opts.host) ? '127.0.0.1' : opts.host;
  const others = isLoopback(opts.host) ? [] : [...allowed].filter((h) => h !== first && !isLoopback(h) && !h.startsWith('fe80:'));
  return {
    url: `http://${urlHost(first)}:${port}/${query}`,
    otherUrls: others.map((h) => `http://${urlHost(h)}:${port}/${query}`),
    allowedHosts: [...allowed],
    server,
    close: async () => {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

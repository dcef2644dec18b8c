// Snapshots in serve mode travel over HTTP, never as a path on the server (contract.ts, SNAPSHOT_HTTP_PATH):
//   GET  /api/snapshot?runId=R&round=N&which=W&format=F&masksOnly=true   the file, as a download
//   POST /api/snapshot?name=FILE   body: the file's bytes              stores it as a new run (JSON result)
// The caller (serve.ts) has already checked the Host, Origin and token. Uploads are refused above the size of the
// largest possible snapshot, before and while they are read; a malformed file is refused with one line and stores
// nothing (the core validates it completely first).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneLine, wireCode } from '../../shared/errors';
import { MAX_SNAPSHOT_BYTES, type Core } from '../core';

type Headers = Record<string, string>;

function sendJson(res: ServerResponse, status: number, headers: Headers, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, headers: Headers, err: unknown): void {
  const code = wireCode(err);
  sendJson(res, code === 'invalid' ? 400 : code === 'not-found' ? 404 : 500, headers, { error: { code, message: oneLine(err) } });
}

/** Query parameters as download params: numbers and booleans from their text; anything else left for the schema. */
export function downloadParams(search: URLSearchParams): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of search) {
    if (Object.hasOwn(out, k)) {
      out[k] = [out[k], v]; // a repeated parameter: the schema refuses it
    } else if (k === 'round' && /^\d{1,6}$/.test(v)) out[k] = Number(v);
    else if (k === 'masksOnly' && (v === 'true' || v === 'false')) out[k] = v === 'true';
    else out[k] = v;
  }
  return out;
}

/** The uploaded file's name as given (for messages and the run's note only): its last path part, printable, short. */
export function uploadName(raw: string | null): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 100).trim();
  return clean || 'upload';
}

function download(core: Core, url: URL, res: ServerResponse, headers: Headers): void {
  try {
    const d = core.downloadSnapshot(downloadParams(url.searchParams));
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'application/octet-stream',
      'Content-Length': d.bytes.length,
      // The name holds only [A-Za-z0-9._-] (a run id, a round, a state, a format): safe to quote as is.
      'Content-Disposition': `attachment; filename="${d.fileName}"`,
      'Cache-Control': 'no-store',
    });
    res.end(Buffer.from(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength));
  } catch (err) {
    sendError(res, headers, err);
  }
}

/** How long a refused upload's connection keeps discarding input before it is closed. */
const LINGER_MS = 2000;

/** Reads a request body of at most `cap` bytes; resolves null (after answering 413) when it is larger. */
function readBody(req: IncomingMessage, res: ServerResponse, headers: Headers, cap: number): Promise<Buffer | null> {
  const refuse = (reading: boolean): null => {
    // A body declared too large is not read at all: the connection closes after the answer.
    if (!reading) res.setHeader('Connection', 'close');
    sendJson(res, 413, headers, { error: { code: 'invalid', message: `upload larger than ${cap} bytes: no snapshot is that large` } });
    // The rest of the body is not wanted: discard it. The connection is closed only if the client is still sending
    // a while after the answer went out (a lingering close): closing a socket with unread input resets it, and a
    // client still sending would lose the answer to the reset.
    req.resume();
    res.once('finish', () => {
      if (!reading || req.complete) return;
      const timer = setTimeout(() => req.destroy(), LINGER_MS);
      timer.unref();
      req.once('end', () => clearTimeout(timer));
    });
    return null;
  };
  const declared = req.headers['content-length'];
  if (declared !== undefined && (!/^\d+$/.test(declared) || Number(declared) > cap)) return Promise.resolve(refuse(false));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > cap) {
        done = true;
        resolve(refuse(true));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks, size));
      done = true;
    });
    req.on('error', () => {
      if (!done) resolve(null);
      done = true;
    });
  });
}

async function upload(core: Core, url: URL, req: IncomingMessage, res: ServerResponse, headers: Headers): Promise<void> {
  const body = await readBody(req, res, headers, MAX_SNAPSHOT_BYTES);
  if (!body) return;
  try {
    const result = core.uploadSnapshot(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), uploadName(url.searchParams.get('name')));
    sendJson(res, 200, headers, result);
  } catch (err) {
    sendError(res, headers, err);
  }
}

/** Answers a request for SNAPSHOT_HTTP_PATH (already authorized). */
export async function handleSnapshotHttp(core: Core, req: IncomingMessage, res: ServerResponse, headers: Headers): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'GET') return download(core, url, res, headers);
  if (req.method === 'POST') return upload(core, url, req, res, headers);
  res.writeHead(405, { ...headers, Allow: 'GET, POST' }).end();
}

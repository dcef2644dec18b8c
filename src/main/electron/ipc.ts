// The contract over Electron IPC, main side. Kept free of electron imports so the tests drive the very handler the
// app registers: `registerContract(ipcMain, ...)` in index.ts, a fake registrar in tests/unit/ipc-validation.test.ts.
//
// Every invoke passes these gates before the core sees it, each failing with {error: {code: 'invalid'}}:
//   1. the channel names a contract method (ticketscope:<method>), nothing else;
//   2. the sender is the app's own top-level page (not a subframe, not another origin);
//   3. one params argument, a plain object (or undefined) of plain data (objects, arrays, strings, numbers,
//      booleans, null), at most MAX_PARAMS_BYTES as JSON, no deeper than MAX_DEPTH, without cycles and without
//      __proto__, constructor or prototype keys anywhere; optionally a second, the call's request id (an id: letters,
//      digits, `_`, `-`, at most 64), which cancelRequest names and the call's analysis progress carries;
// then the core validates it against the method's strict schema (Core.call) before acting.
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHANNEL_PREFIX, METHOD_NAMES, isMethodName, type WireError } from '../../shared/contract';
import { oneLine, wireCode } from '../../shared/errors';
import { paramsProblem } from '../../shared/params';
import { isId } from '../../shared/refs';
import type { CallContext } from '../core/requests';

export { MAX_DEPTH, MAX_PARAMS_BYTES, paramsProblem } from '../../shared/params';

/** What the handler reads of Electron's IpcMainInvokeEvent. */
export interface InvokeEventLike {
  senderFrame?: { url?: string; parent?: unknown } | null;
}

/** ipcMain, or a fake of it in tests. */
export interface Registrar {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** The core, or anything that answers contract calls the same way. */
export interface CallTarget {
  call(method: unknown, params: unknown, ctx?: CallContext): Promise<unknown>;
}

/** The window's calls are one client: its request ids are its own. */
export const WINDOW_CLIENT = 'window';

export type WireReply = { result: unknown } | { error: WireError };

const invalid = (message: string): WireReply => ({ error: { code: 'invalid', message } });

export interface DispatcherOptions {
  /** The current core; null while none is open (e.g. switching databases). */
  getCore: () => CallTarget | null;
  /** Whether a frame URL is the app's own page (the dev server URL, or the packaged renderer's file URL). */
  isTrustedUrl: (url: string) => boolean;
}

/** Handles one invoke on `channel`; resolves to the reply sent back to the preload, never rejects. */
export function createDispatcher(opts: DispatcherOptions) {
  return async function dispatch(channel: string, event: InvokeEventLike, args: unknown[]): Promise<WireReply> {
    const method = typeof channel === 'string' && channel.startsWith(CHANNEL_PREFIX) ? channel.slice(CHANNEL_PREFIX.length) : '';
    if (!isMethodName(method)) return invalid(`unknown method ${String(method).slice(0, 64)}`);
    const frame = event?.senderFrame;
    if (!frame || typeof frame.url !== 'string' || !opts.isTrustedUrl(frame.url) || (frame.parent ?? null) !== null) {
      return invalid('unexpected sender');
    }
    if (args.length > 2) return invalid(`${method}: expected one params object and an optional request id`);
    const [params, requestId] = args;
    const problem = paramsProblem(params);
    if (problem) return invalid(`${method}: ${problem}`);
    if (requestId !== undefined && (typeof requestId !== 'string' || !isId(requestId))) return invalid(`${method}: the request id must be an id (letters, digits, _ and -)`);
    const core = opts.getCore();
    if (!core) return { error: { code: 'internal', message: 'no database is open' } };
    try {
      const ctx: CallContext = { client: WINDOW_CLIENT, ...(requestId !== undefined ? { requestId } : {}) };
      return { result: await core.call(method, params ?? {}, ctx) };
    } catch (err) {
      return { error: { code: wireCode(err), message: oneLine(err) } };
    }
  };
}

/** Registers one handler per contract method on ipcMain (or a fake); returns a function that removes them. */
export function registerContract(registrar: Registrar, opts: DispatcherOptions): () => void {
  const dispatch = createDispatcher(opts);
  const channels = METHOD_NAMES.map((m) => `${CHANNEL_PREFIX}${m}`);
  for (const channel of channels) registrar.handle(channel, (event, ...args) => dispatch(channel, event, args));
  return () => {
    for (const channel of channels) registrar.removeHandler(channel);
  };
}

/**
 * The app's own page: the electron-vite dev server's origin in development, else a file inside the built renderer
 * folder (e.g. /opt/Ticketscope/resources/app.asar/out/renderer). File URLs are compared as decoded, resolved paths, so
 * percent-encoding and `..` cannot smuggle another file in (case-insensitively on Windows).
 */
export function trustedUrlChecker(devServerUrl: string | undefined, rendererDir: string): (url: string) => boolean {
  if (devServerUrl) {
    const origin = new URL(devServerUrl).origin;
    return (url) => URL.canParse(url) && new URL(url).origin === origin;
  }
  const fold = (p: string) => (process.platform === 'win32' ? p.toLowerCase() : p);
  const base = fold(resolve(rendererDir) + sep);
  return (url) => {
    if (!url.startsWith('file:')) return false;
    try {
      return fold(resolve(fileURLToPath(url))).startsWith(base);
    } catch {
      return false;
    }
  };
}

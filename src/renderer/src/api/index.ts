// One typed Api for every host: the Electron preload's `window.ticketscope`, else the WebSocket of `ticketscope serve`
// (with the token the page was opened with, session.ts). Snapshot files go through the host too (snapshot-files.ts):
// native dialogs in the desktop app, downloads and uploads in a browser.
import { createApi } from '../../../shared/client';
import type { Api } from '../../../shared/contract';
import { sessionProblem, takeToken } from './session';
import { dialogSnapshotFiles, httpSnapshotFiles, type SnapshotFiles } from './snapshot-files';
import { defaultWebSocketUrl, WebSocketTransport, type Connection, type ConnectionState } from './ws-transport';

export { RemoteError } from '../../../shared/client';
export type { Connection, ConnectionState } from './ws-transport';
export type { SavedSnapshot, SnapshotFiles, SnapshotRequest } from './snapshot-files';

declare global {
  interface Window {
    /** Exposed by the Electron preload (contextBridge); absent in a plain browser. */
    ticketscope?: Api;
  }
}

export interface Host {
  api: Api;
  connection: Connection;
  kind: 'ipc' | 'websocket';
  /** Saving and opening snapshot files: dialogs in the desktop app, downloads and uploads in a browser. */
  files: SnapshotFiles;
}

const ALWAYS_OPEN: ConnectionState = { status: 'open', epoch: 1, attempt: 0, retryAt: null, lastError: null };
const ipcConnection: Connection = {
  get: () => ALWAYS_OPEN,
  subscribe: () => () => undefined,
  retryNow: () => undefined,
};

let host: Host | null = null;

/** The host this page runs in; created once. */
export function getHost(): Host {
  if (host) return host;
  const bridged = window.ticketscope;
  if (bridged) {
    host = { api: bridged, connection: ipcConnection, kind: 'ipc', files: dialogSnapshotFiles(bridged) };
  } else {
    const token = takeToken();
    const transport = new WebSocketTransport(defaultWebSocketUrl(window.location, token), { diagnose: () => sessionProblem(token) });
    host = { api: createApi(transport), connection: transport.connection, kind: 'websocket', files: httpSnapshotFiles(token) };
  }
  return host;
}

export function getApi(): Api {
  return getHost().api;
}

/** A one-line message for any error a call can throw. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const msg = e.message.replace(/\s+/g, ' ').trim();
    return typeof code === 'string' && code !== 'internal' && !msg.startsWith(code) ? `${msg} [${code}]` : msg;
  }
  return String(e);
}

// The CLI's connection to the core: a Core on the chosen database, and the typed client (shared/client.ts) over its
// `call` and events, the same Api the renderer uses over IPC or WebSocket. Commands go through `api` only; `core` is
// there for serve mode, which hands it to the server, and for closing.
import { resolve } from 'node:path';
import { createApi } from '../../shared/client';
import type { Api, AppInfo } from '../../shared/contract';
import { builtPaths, defaultDataDir, defaultDbPath } from '../core/paths';
import { Core } from '../core/service';
import { forkWorker } from '../worker/host';
import type { ParsedArgs } from './args';

export interface Session {
  api: Api;
  core: Core;
  close(): Promise<void>;
}

export const dataDirOf = (args: ParsedArgs): string => resolve(args.global.dataDir ?? defaultDataDir());

/** The typed client over a core in this process. */
export function apiOf(core: Pick<Core, 'call' | 'subscribe'>): Api {
  return createApi({
    invoke: (method, params) => core.call(method, params),
    subscribe: (event, handler) => core.subscribe((e, payload) => e === event && handler(payload)),
  });
}

export function openSession(args: ParsedArgs, transport: AppInfo['transport'] = 'ipc'): Session {
  const paths = builtPaths();
  const core = new Core({
    dbPath: resolve(args.global.db ?? defaultDbPath()),
    dataDir: dataDirOf(args),
    backend: args.global.backend,
    presetsDir: paths.presets,
    spawnWorker: forkWorker(paths.worker),
    transport,
    watchExternalMs: transport === 'websocket' ? 1000 : undefined,
  });
  return { api: apiOf(core), core, close: () => core.close() };
}

/** Opens a session, runs `work` with it and closes it, also when `work` throws. */
export async function withSession<T>(args: ParsedArgs, work: (s: Session) => Promise<T>): Promise<T> {
  const s = openSession(args);
  try {
    return await work(s);
  } finally {
    await s.close();
  }
}

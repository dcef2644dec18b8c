// Preload: exposes the contract as `window.ticketscope` and nothing else. Runs sandboxed (CommonJS, no Node).
import { contextBridge, ipcRenderer } from 'electron';
import { createApi, RemoteError } from '../shared/client';
import { CHANNEL_PREFIX, EVENT_NAMES, isMethodName, type EventName, type WireError } from '../shared/contract';

const handlers = new Map<EventName, Set<(payload: unknown) => void>>();
ipcRenderer.on(`${CHANNEL_PREFIX}event`, (_e, event: EventName, payload: unknown) => {
  for (const h of handlers.get(event) ?? []) h(payload);
});

const api = createApi({
  async invoke(method, params, options) {
    if (!isMethodName(method)) throw new RemoteError(`unknown method ${String(method)}`, 'invalid');
    // The request id travels as a second argument (cancelRequest names it; progress carries it).
    const args = options?.requestId !== undefined ? [params, options.requestId] : [params];
    const reply = (await ipcRenderer.invoke(`${CHANNEL_PREFIX}${method}`, ...args)) as { result?: unknown; error?: WireError };
    if (reply.error) throw new RemoteError(reply.error.message, reply.error.code);
    return reply.result;
  },
  subscribe(event, handler) {
    if (!EVENT_NAMES.includes(event)) throw new RemoteError(`unknown event ${String(event)}`, 'invalid');
    const set = handlers.get(event) ?? new Set();
    set.add(handler);
    handlers.set(event, set);
    return () => set.delete(handler);
  },
});

contextBridge.exposeInMainWorld('ticketscope', api);

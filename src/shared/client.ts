// Builds the typed Api from a minimal transport. The preload (IPC) and the WebSocket client both go through this.
import { METHOD_NAMES, type Api, type CallOptions, type EventName, type Events, type MethodName } from './contract';

export interface Transport {
  /** `options.requestId` names the call for cancelRequest and for the progress sent to it. */
  invoke(method: MethodName, params: unknown, options?: CallOptions): Promise<unknown>;
  subscribe(event: EventName, handler: (payload: unknown) => void): () => void;
}

export function createApi(transport: Transport): Api {
  const api: Record<string, unknown> = {};
  for (const m of METHOD_NAMES) api[m] = (params: unknown, options?: CallOptions) => transport.invoke(m, params ?? {}, options);
  api.on = <E extends EventName>(event: E, handler: (payload: Events[E]) => void) =>
    transport.subscribe(event, handler as (payload: unknown) => void);
  return api as Api;
}

/** An error that came back over the transport, with the core's code. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

// WebSocket transport for `ticketscope serve`: JSON text frames.
//   client -> server  {"id": n, "method": "getRun", "params": {...}}
//   server -> client  {"id": n, "result": ...} | {"id": n, "error": {"code", "message"}}
//   server -> all     {"event": "runUpdate", "payload": ...}
// Pending calls are rejected with RemoteError on an error reply or when the socket closes; the socket reconnects
// with exponential backoff. Connection state is observable (for the "disconnected" banner and to re-sync after a
// reconnect, since events pushed while disconnected are lost). The URL carries the serve token (?token=T); when a
// connection fails, `diagnose` may say why in words (a missing or wrong token), which the banner shows.
import { RemoteError, type Transport } from '../../../shared/client';
import type { CallOptions, EventName, MethodName } from '../../../shared/contract';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Increments on every successful open: 1 after the first connect, 2 after the first reconnect, ... */
  epoch: number;
  /** Failed or lost connections since the last successful open. */
  attempt: number;
  /** When the next connection attempt starts (ms since epoch), while closed. */
  retryAt: number | null;
  /** Why the last connection ended, if it did. */
  lastError: string | null;
}

/** Connection state as the app sees it; IPC is always open. */
export interface Connection {
  get(): ConnectionState;
  subscribe(listener: () => void): () => void;
  /** Skip the backoff wait and try now (no-op unless closed). */
  retryNow(): void;
}

export interface WebSocketTransportOptions {
  minDelayMs?: number;
  maxDelayMs?: number;
  /** For tests: the WebSocket constructor. */
  WebSocketImpl?: typeof WebSocket;
  /** After a connection fails: why, in words (e.g. the token is refused), or null to keep the close reason. */
  diagnose?: () => Promise<string | null>;
}

interface Pending {
  method: MethodName;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

type Incoming =
  | { id: number | string; result?: unknown; error?: { code?: unknown; message?: unknown } }
  | { event: string; payload: unknown };

function parseFrame(data: unknown): Incoming | null {
  if (typeof data !== 'string') return null;
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null) return null;
  const m = msg as Record<string, unknown>;
  if (typeof m.id === 'number' || typeof m.id === 'string') return m as Incoming;
  if (typeof m.event === 'string') return { event: m.event, payload: m.payload };
  return null;
}

export class WebSocketTransport implements Transport {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number | string, Pending>();
  /** Frames waiting for the socket to open (calls made while connecting). */
  private outbox: string[] = [];
  private readonly handlers = new Map<string, Set<(payload: unknown) => void>>();
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private state: ConnectionState = { status: 'connecting', epoch: 0, attempt: 0, retryAt: null, lastError: null };
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly Impl: typeof WebSocket;
  private readonly diagnose: (() => Promise<string | null>) | undefined;

  constructor(
    readonly url: string,
    options: WebSocketTransportOptions = {},
  ) {
    this.minDelay = options.minDelayMs ?? 500;
    this.maxDelay = options.maxDelayMs ?? 10_000;
    this.Impl = options.WebSocketImpl ?? WebSocket;
    this.diagnose = options.diagnose;
    this.open();
  }

  /** The connection state, for the banner and for re-syncing after a reconnect. */
  readonly connection: Connection = {
    get: () => this.state,
    subscribe: (listener) => {
      this.listeners.add(listener);
      return () => {
        this.listeners.delete(listener);
      };
    },
    retryNow: () => {
      if (this.state.status !== 'closed') return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.open();
    },
  };

  subscribe(event: EventName, handler: (payload: unknown) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  invoke(method: MethodName, params: unknown, options?: CallOptions): Promise<unknown> {
    const ws = this.ws;
    if (!ws || ws.readyState === this.Impl.CLOSING || ws.readyState === this.Impl.CLOSED) {
      return Promise.reject(new RemoteError(`${method}: not connected to the Ticketscope server (reconnecting)`, 'disconnected'));
    }
    // A call's request id is its frame's id: the server cancels and labels progress by it.
    const id = options?.requestId ?? this.nextId++;
    if (this.pending.has(id)) return Promise.reject(new RemoteError(`${method}: request id ${id} is in use`, 'invalid'));
    const frame = JSON.stringify({ id, method, params: params ?? {} });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      if (ws.readyState === this.Impl.OPEN) ws.send(frame);
      else this.outbox.push(frame);
    });
  }

  private setState(patch: Partial<ConnectionState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of [...this.listeners]) l();
  }

  private open(): void {
    let ws: WebSocket;
    try {
      ws = new this.Impl(this.url);
    } catch (e) {
      this.onClosed(`cannot open ${this.url}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.ws = ws;
    this.setState({ status: 'connecting', retryAt: null });
    ws.onopen = () => {
      if (this.ws !== ws) return;
      for (const frame of this.outbox) ws.send(frame);
      this.outbox = [];
      this.setState({ status: 'open', epoch: this.state.epoch + 1, attempt: 0, lastError: null });
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws === ws) this.onFrame(ev.data);
    };
    let opened = false;
    ws.addEventListener('open', () => (opened = true));
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.onClosed(ev.reason ? `closed (${ev.code}: ${ev.reason})` : `closed (code ${ev.code})`);
      // A handshake refused (401, 403, 421) looks like any lost connection to a page: ask the server why.
      if (!opened && this.diagnose) {
        const attempt = this.state.attempt;
        void this.diagnose().then((why) => {
          if (why && this.state.status === 'closed' && this.state.attempt === attempt) this.setState({ lastError: why });
        });
      }
    };
    // Errors are always followed by a close event; nothing to do here.
    ws.onerror = () => undefined;
  }

  private onFrame(data: unknown): void {
    const msg = parseFrame(data);
    if (!msg) return;
    if ('event' in msg) {
      const set = this.handlers.get(msg.event);
      if (!set) return;
      for (const h of [...set]) {
        try {
          h(msg.payload);
        } catch (e) {
          console.error(`ticketscope: handler for ${msg.event} threw`, e);
        }
      }
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error !== undefined && msg.error !== null) {
      const code = typeof msg.error.code === 'string' ? msg.error.code : 'internal';
      const message = typeof msg.error.message === 'string' ? msg.error.message : 'unknown error';
      p.reject(new RemoteError(message, code));
    } else {
      p.resolve(msg.result);
    }
  }

  private onClosed(reason: string): void {
    this.ws = null;
    this.outbox = [];
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      p.reject(new RemoteError(`${p.method}: connection to the Ticketscope server lost`, 'disconnected'));
    }
    const attempt = this.state.attempt + 1;
    const base = Math.min(this.maxDelay, this.minDelay * 2 ** (attempt - 1));
    const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
    this.setState({ status: 'closed', attempt, retryAt: Date.now() + delay, lastError: reason });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open();
    }, delay);
  }
}

/** The serve endpoint of the page's own host: ws(s)://<host>/ws, with the token when there is one. */
export function defaultWebSocketUrl(loc: Pick<Location, 'protocol' | 'host'> = window.location, token: string | null = null): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

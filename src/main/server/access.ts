// Who may talk to `ticketscope serve`: the token (as Jupyter does it) and the Host / Origin allow-list.
//
// Token: 32 random bytes (crypto), base64url. The first stdout line is the URL with it; the page keeps it in its
// tab's sessionStorage and sends it explicitly: `/ws?token=T` for the WebSocket (a browser cannot set headers on
// one), `Authorization: Bearer T` for the HTTP API. Compared in constant time.
// Host: every request's Host header must name an allowed host (the loopback names for a loopback bind; the machine's
// own names and addresses for any other bind; plus each --allow-host) and the server's port, which defeats DNS
// rebinding. Origin (sent by browsers): absent (a script), or the same origin as that vetted Host.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { ValidationError } from '../../shared/errors';

export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/** A fresh random token: 32 bytes from the OS's CSPRNG, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Why a token given with --token is not acceptable, or null. */
export function tokenProblem(token: string): string | null {
  if (token.length < 16) return '--token needs at least 16 characters (better: let serve make a random one)';
  if (token.length > 256) return '--token is longer than 256 characters';
  if (!/^[A-Za-z0-9._~-]+$/.test(token)) return '--token may hold only letters, digits and . _ ~ - (it goes in a URL)';
  return null;
}

/** Whether `given` is the token, in time that does not depend on where they differ (both hashed to 32 bytes). */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** A host name or address in the form the allow-list keeps: lower case, IPv6 without brackets. */
export function normaliseHost(name: string): string {
  const n = name.trim().toLowerCase();
  return n.startsWith('[') && n.endsWith(']') ? n.slice(1, -1) : n;
}

export function isLoopback(host: string): boolean {
  const h = normaliseHost(host);
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export function isWildcard(host: string): boolean {
  const h = normaliseHost(host);
  return h === '0.0.0.0' || h === '::' || h === '';
}

/**
 * The hosts a browser may name to reach a server bound to `bindHost`: the loopback names for a loopback bind;
 * otherwise the machine's own names and addresses (host name, every interface address, and loopback), the bound
 * name itself, and every `extra` (--allow-host).
 */
export function allowedHosts(bindHost: string, extra: readonly string[] = []): Set<string> {
  const out = new Set<string>(LOOPBACK_NAMES);
  if (!isLoopback(bindHost)) {
    const own = hostname().toLowerCase();
    if (own) out.add(own);
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) out.add(normaliseHost(a.address.split('%')[0]!));
    }
  }
  if (!isWildcard(bindHost)) out.add(normaliseHost(bindHost));
  for (const e of extra) out.add(normaliseHost(e));
  return out;
}

/** Why an --allow-host value is not a host name or address, or null. */
export function allowHostProblem(name: string): string | null {
  const n = normaliseHost(name);
  if (isIP(n)) return null;
  if (!/^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*\.?$/.test(n) || n.length > 253) {
    return `--allow-host ${JSON.stringify(name)}: expected a host name or an IP address`;
  }
  return null;
}

/** Name and port of a Host header ("example:8080", "[::1]:8080", "localhost"), or null when malformed. */
export function parseHostHeader(header: string | undefined): { name: string; port: number | null } | null {
  if (!header || header.length > 300) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(header);
  if (!m) return null;
  return { name: normaliseHost(m[1]!), port: m[2] === undefined ? null : Number(m[2]) };
}

export interface AccessOptions {
  /** null: no token (`--no-token`, loopback binds only). */
  token: string | null;
  allowed: Set<string>;
  /** The port the server listens on (set once it listens). */
  port(): number;
}

export class Access {
  constructor(private readonly opts: AccessOptions) {}

  get token(): string | null {
    return this.opts.token;
  }

  /** The Host header names an allowed host and this server's port (or no port: a proxy in front). */
  hostOk(req: IncomingMessage): boolean {
    const h = parseHostHeader(req.headers.host);
    return h !== null && this.opts.allowed.has(h.name) && (h.port === null || h.port === this.opts.port());
  }

  /** No Origin (a script), or the same origin as the (vetted) Host header, over http or https. */
  originOk(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (!URL.canParse(origin)) return false;
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === req.headers.host?.toLowerCase();
  }

  /** The token a request carries: `Authorization: Bearer T`, or (`allowQuery`, the WebSocket) `?token=T`. */
  private tokenOf(req: IncomingMessage, allowQuery: boolean): string | null {
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && /^Bearer [^\s]+$/.test(auth)) return auth.slice(7);
    if (!allowQuery) return null;
    const url = new URL(req.url ?? '/', 'http://x');
    return url.searchParams.get('token');
  }

  /** Whether the request carries the token (always, with --no-token). */
  authorized(req: IncomingMessage, allowQuery = false): boolean {
    return this.opts.token === null || tokenMatches(this.opts.token, this.tokenOf(req, allowQuery));
  }
}

/** The token options of `serve`, checked: a random token unless one is given; --no-token on loopback only. */
export function resolveToken(opts: { host: string; token?: string; noToken?: boolean }): string | null {
  if (opts.token !== undefined && opts.noToken) throw new ValidationError('give --token or --no-token, not both');
  if (opts.noToken) {
    if (!isLoopback(opts.host)) {
      throw new ValidationError(`--no-token is allowed only with a loopback --host (127.0.0.1, ::1, localhost), not ${opts.host}`);
    }
    return null;
  }
  if (opts.token !== undefined) {
    const problem = tokenProblem(opts.token);
    if (problem) throw new ValidationError(problem);
    return opts.token;
  }
  return newToken();
}

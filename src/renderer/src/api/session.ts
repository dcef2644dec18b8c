// The token of `ticketscope serve` in the page. The server prints http://HOST:PORT/?token=T; the page takes T out of
// the address bar at once (so it is not left in history, bookmarks or screenshots) and keeps it in this tab's
// sessionStorage, which only this origin (scheme, host and port) can read and which ends with the tab. It is sent
// explicitly: `/ws?token=T` for the WebSocket, `Authorization: Bearer T` for the HTTP API. Not a cookie: a cookie
// for 127.0.0.1 would also go to every other server on that host (cookies ignore the port) and would ride along
// on any request another site makes the browser send here.

const KEY = 'ticketscope.token';

export interface PageLike {
  location: { href: string };
  history: { state: unknown; replaceState(data: unknown, unused: string, url?: string): void };
  sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
}

/** The token from the URL (moved into sessionStorage, removed from the address bar) or from an earlier load; or null. */
export function takeToken(page: PageLike = window): string | null {
  const url = new URL(page.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      page.sessionStorage.setItem(KEY, fromUrl);
    } catch {
      // storage disabled: the token lives as long as this page
    }
    url.searchParams.delete('token');
    page.history.replaceState(page.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    return fromUrl;
  }
  try {
    return page.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Headers that carry the token to the HTTP API. */
export function authHeaders(token: string | null): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Why the server refuses this page, when it does (a missing or wrong token), checked after a failed connection. */
export async function sessionProblem(token: string | null): Promise<string | null> {
  try {
    const r = await fetch('/api/session', { headers: authHeaders(token), cache: 'no-store' });
    if (r.status !== 401) return null;
  } catch {
    return null; // the server is gone: the banner says so already
  }
  return token
    ? 'the server refused this page’s token (it changes each time ticketscope serve starts): open the URL it printed'
    : 'this page has no token: open the URL that ticketscope serve printed (it ends in ?token=…)';
}

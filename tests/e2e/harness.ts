// Shared e2e harness: a `ticketscope serve` on a fresh temp database and data folder, headless Chromium, one-shot
// contract calls over the WebSocket, page-error collection. Each test file makes its own (tests never share state).
// As a user would: the first stdout line of `ticketscope serve` is the URL with its token; pages open that URL (the
// page keeps the token and takes it out of the address bar) and script calls carry the token from it.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Download, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { startServe } from '../helpers/cli';

/** The checkout: the nearest folder above this file with a package.json (also when bundled into out/bench/). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
})();
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');
export const SHOTS = join(ROOT, 'test-results', 'e2e');
/** Set to 1 to copy the screenshots the docs show (README, docs/) from test-results/e2e into docs/. */
export const UPDATE_DOCS_SHOTS = process.env.TICKETSCOPE_UPDATE_DOCS_SHOTS === '1';
export const CHROMIUM = process.env.TICKETSCOPE_CHROMIUM ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The WebSocket endpoint of a serve URL (http://HOST:PORT/?token=T), with the URL's token. */
export function wsUrlOf(url: string): string {
  const u = new URL(url);
  const token = u.searchParams.get('token');
  return `ws://${u.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/** One contract call over a serve URL's WebSocket, as a script would make it (no Origin header, the URL's token). */
export function callServe<T>(url: string, method: string, params: object): Promise<T> {
  const ws = new WebSocket(wsUrlOf(url));
  return new Promise<T>((ok, fail) => {
    ws.once('error', fail);
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, method, params })));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: T; error?: { message: string } };
      if (msg.id !== 1) return; // an event
      ws.close();
      if (msg.error) fail(new Error(`${method}: ${msg.error.message}`));
      else ok(msg.result as T);
    });
  });
}

export interface Harness {
  /** The URL serve printed: http://127.0.0.1:PORT/?token=T. */
  url: string;
  /** The same server without the token: http://127.0.0.1:PORT. */
  origin: string;
  tmp: string;
  browser: Browser;
  /** stderr of the server so far, for failure messages. */
  log(): string;
  /** A new 1280x800 page in its own context, with page errors collected into `errors`. */
  newPage(colorScheme: 'light' | 'dark'): Promise<{ page: Page; context: BrowserContext; errors: string[] }>;
  call<T>(method: string, params: object): Promise<T>;
  close(): Promise<void>;
}


/** `db`: a database file to start from (copied into the harness's own temp folder, so tests never share state). */
export async function startHarness(opts: { db?: string } = {}): Promise<Harness> {
  for (const f of [join(ROOT, 'out', 'renderer', 'index.html'), join(ROOT, 'out', 'main', 'cli.js')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: build first (\`npx electron-vite build\`; \`npm test\` does)`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set TICKETSCOPE_CHROMIUM)`);
  const tmp = mkdtempSync(join(tmpdir(), 'ticketscope-e2e-'));
  mkdirSync(SHOTS, { recursive: true });
  if (opts.db) copyFileSync(opts.db, join(tmp, 't.db'));
  let serverLog = '';
  const { child, url } = await startServe(['--db', join(tmp, 't.db'), '--data-dir', join(tmp, 'data')], { onLog: (s) => (serverLog += s) });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

  const call = <T>(method: string, params: object): Promise<T> => callServe<T>(url, method, params);

  return {
    url,
    origin: new URL(url).origin,
    tmp,
    browser,
    log: () => serverLog,
    async newPage(colorScheme) {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        colorScheme,
        acceptDownloads: true,
        permissions: ['clipboard-read', 'clipboard-write'],
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      return { page, context, errors };
    },
    call,
    async close() {
      await browser.close().catch(() => undefined);
      if (child.exitCode === null) {
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * A screenshot the docs show: written to test-results/e2e like every other, and copied to `docs/<docsPath>` only when
 * TICKETSCOPE_UPDATE_DOCS_SHOTS=1 asks for it (so a test run leaves the checkout unchanged).
 */
export function publishShot(shotPath: string, docsPath: string): void {
  if (!UPDATE_DOCS_SHOTS) return;
  const dest = join(ROOT, 'docs', docsPath);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(shotPath, dest);
}

/** Clicks `selector` and returns the downloaded file's name and bytes. */
export async function downloadOf(page: Page, selector: string): Promise<{ name: string; bytes: Buffer }> {
  const [download]: [Download, void] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click(selector)]);
  const path = await download.path();
  if (!path) throw new Error(`download from ${selector} failed: ${await download.failure()}`);
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

/** Terminal run statuses, as a selector suffix. */
export const TERMINAL = ':is([data-status="done"],[data-status="failed"],[data-status="cancelled"])';

/** Minimal CSV parser for the files the app writes (quoted cells may hold commas and doubled quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

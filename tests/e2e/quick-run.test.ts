// End to end: the real renderer in headless Chromium against `ticketscope serve` with the real engine and a fresh
// database in a temp folder. Starts a quick run from the empty state, watches the curve fill live, waits for the
// run to finish and checks the accuracy the UI shows against the core's own answer (getRun over the WebSocket). The
// preset list offers what runs here first, with the core's time estimate, and names a missing data set before Start.
// Waits only on state markers (data-app-state, data-status, data-evaluations) via selectors, never on fixed sleeps.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInfo, MetricPoint, RunDetail } from '../../src/shared/contract';
import { callServe, publishShot } from './harness';
import { ROOT } from '../helpers/paths';
import { startServe } from '../helpers/cli';

const SHOTS = join(ROOT, 'test-results', 'e2e');
const CHROMIUM = process.env.TICKETSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** The quick preset is meant to finish in well under a minute on a laptop CPU; leave room for slow CI machines. */
const RUN_TIMEOUT_MS = 240_000;

let tmp = '';
let server: ChildProcess | null = null;
let serverLog = '';
let url = '';
let browser: Browser | null = null;
let page: Page;
const pageErrors: string[] = [];

async function startServer(): Promise<string> {
  const started = await startServe(['--db', join(tmp, 't.db'), '--data-dir', join(tmp, 'data')], { onLog: (s) => (serverLog += s) });
  server = started.child;
  return started.url;
}

/** One call over the serve WebSocket, as a script would make it (no Origin header). */
const call = <T>(method: string, params: object): Promise<T> => callServe<T>(url, method, params);

const attr = (selector: string, name: string) => page.locator(selector).first().getAttribute(name);
const text = async (testId: string) => (await page.getByTestId(testId).first().innerText()).trim();

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) {
    throw new Error('out/renderer/index.html is missing: build first (`npx electron-vite build`; `npm test` does)');
  }
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) {
    throw new Error('out/main/cli.js is missing: build first (`npx electron-vite build`; `npm test` does)');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set TICKETSCOPE_CHROMIUM)`);
  tmp = mkdtempSync(join(tmpdir(), 'ticketscope-e2e-'));
  mkdirSync(SHOTS, { recursive: true });
  url = await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise<void>((done) => server!.once('exit', () => done()));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('quick run in the browser against ticketscope serve', () => {
  it('loads and shows the empty state', async () => {
    await page.goto(url);
    await page.waitForSelector('#root[data-app-state="ready"]', { timeout: 30_000 });
    await expect(page.getByTestId('empty-state').isVisible()).resolves.toBe(true);
    expect(await page.getByTestId('empty-state').innerText()).toContain('Start quick run');
    expect(await page.getByTestId('run-item').count()).toBe(0);
    expect(await text('backend')).toMatch(/^backend:/);
    await page.screenshot({ path: join(SHOTS, 'empty.png') });
  });

  it('offers the presets that run here first, with the core’s estimate, and says which data set one needs', async () => {
    const info = await call<AppInfo>('getInfo', {});
    const est = (name: string) => info.presets.find((p) => p.name === name)!.estimate!;
    // The default is the synthetic first lottery experiment, not a paper-length CIFAR-10 preset.
    expect(await page.getByTestId('preset-select').inputValue()).toBe('quick-imp');
    expect(Number(await attr('[data-testid="preset-estimate"]', 'data-seconds'))).toBe(est('quick-imp').seconds);
    expect(await text('preset-estimate')).toMatch(/^Estimated time here: ~\d+ (s|min) \(17 rounds of about \d+ s, \d at once; derived from benchmark figures, not measured\)\.$/);
    expect(await attr('[data-testid="preset-estimate"]', 'title')).toBe(est('quick-imp').basis);
    expect(await page.getByTestId('preset-missing').count()).toBe(0);
    // Every preset whose data set is installed (all synthetic ones here) comes before every one that needs a download.
    const labels = await page.locator('[data-testid="preset-select"] option').allInnerTexts();
    const firstMissing = labels.findIndex((l) => l.includes(' · needs '));
    expect(firstMissing).toBeGreaterThan(0);
    expect(labels.slice(firstMissing).every((l) => l.includes(' · needs '))).toBe(true);
    expect(labels.find((l) => l.startsWith('quick-imp —'))).toMatch(/ · ~\d+ (s|min) here$/);
    await page.selectOption('[data-testid="preset-select"]', 'conv2-cifar10-imp');
    expect(await text('preset-missing')).toContain('The data set cifar10 is not installed: run ticketscope data fetch cifar10');
    expect(await text('preset-estimate')).toMatch(/^Estimated time here: ~[\d.]+ (h|days) .* A run this long needs a GPU\.$/);
    await page.mouse.move(1, 1);
    await page.screenshot({ path: join(SHOTS, 'presets-missing-data.png') });
    await page.selectOption('[data-testid="preset-select"]', 'quick-imp');
  });

  it('starts a quick run, draws the curve live and shows the final accuracy', { timeout: RUN_TIMEOUT_MS + 60_000 }, async () => {
    await page.getByTestId('start-quick-run').click();

    // The new run appears in the list and is selected.
    await page.waitForSelector('[data-testid="run-item"]', { timeout: 30_000 });
    await page.waitForSelector('[data-testid="run-panel"]', { timeout: 30_000 });
    const runId = await attr('[data-testid="run-item"]', 'data-run-id');
    expect(runId).toBeTruthy();
    expect(await attr('[data-testid="run-panel"]', 'data-run-id')).toBe(runId);

    // The curve fills in from metrics events while the run trains.
    // (Selectors only: the page's CSP forbids the eval that waitForFunction would need.)
    await page.waitForSelector(
      '[data-testid="training-curve"]:not([data-evaluations="0"]):not([data-evaluations="1"])',
      { timeout: RUN_TIMEOUT_MS },
    );
    expect(Number(await attr('[data-testid="training-curve"]', 'data-points'))).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(SHOTS, 'quick-run-mid.png') });

    // Wait for a terminal status; anything but done fails with the run's own error.
    const terminal = '[data-testid="run-item"]:is([data-status="done"],[data-status="failed"],[data-status="cancelled"])';
    await page.waitForSelector(terminal, { timeout: RUN_TIMEOUT_MS });
    const status = await attr('[data-testid="run-item"]', 'data-status');
    if (status !== 'done') {
      const detail = await call<RunDetail>('getRun', { runId });
      throw new Error(`run ended ${status}: ${detail.error ?? '(no error recorded)'}\nserver stderr:\n${serverLog}`);
    }

    // The round result arrives: early-stopping marker on the curve, accuracy in list, title and details.
    await page.waitForSelector('[data-testid="early-stop"]', { timeout: 30_000 });
    await page.getByTestId('detail-test-accuracy').filter({ hasText: /\d%$/ }).waitFor({ timeout: 30_000 });
    const listed = await text('run-accuracy');
    const inTitle = await text('panel-test-accuracy');
    const inDetails = await text('detail-test-accuracy');
    expect(inTitle).toBe(listed);
    expect(inDetails).toBe(listed);
    const shown = Number(listed.replace('%', ''));
    expect(shown).toBeGreaterThan(10); // better than chance on 10 classes

    // The core agrees: same accuracy (to the two decimals shown) and every recorded metric point is on the curve.
    const run = await call<RunDetail>('getRun', { runId });
    expect(run.status).toBe('done');
    expect(run.testAccuracy).not.toBeNull();
    expect(listed).toBe(`${(run.testAccuracy! * 100).toFixed(2)}%`);
    expect(run.rounds.length).toBeGreaterThan(0);
    const metrics = await call<MetricPoint[]>('getMetrics', { runId });
    const lastRound = Math.max(...metrics.map((m) => m.round));
    const curvePoints = Number(await attr('[data-testid="training-curve"]', 'data-points'));
    expect(curvePoints).toBe(metrics.filter((m) => m.round === lastRound).length);

    await page.mouse.move(1, 1); // no hover tooltip in the screenshot
    const done = join(SHOTS, 'quick-run-done.png');
    await page.screenshot({ path: done });
    publishShot(done, 'screenshot.png');

    expect(pageErrors).toEqual([]);
  });
});

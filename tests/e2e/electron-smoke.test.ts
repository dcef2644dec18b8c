// Smoke test of the real desktop app: launches Electron with Playwright's Electron support on the built app (out/),
// with its own temp user data folder and database, waits for the renderer's ready marker, checks the window talks to
// the core over IPC, the menu and the settings file, and keeps a screenshot (test-results/e2e/electron.png).
// Skipped, with the reason printed, where no Electron binary is installed (its download is optional: see
// scripts/postinstall.mjs) or, on Linux, where there is no display to open a window on (use xvfb-run).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths';

const SHOTS = join(ROOT, 'test-results', 'e2e');

/**
 * The Electron executable, found as `require('electron')` finds it (node_modules/electron/path.txt, or
 * ELECTRON_OVERRIDE_DIST_PATH) but without its side effect: when the binary is missing, require('electron') tries to
 * download it, which a test must not do.
 */
function electronBinary(): { path: string } | { reason: string } {
  const dir = join(ROOT, 'node_modules', 'electron');
  if (!existsSync(join(dir, 'package.json'))) return { reason: 'the electron package is not installed' };
  const pathFile = join(dir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!rel && !override) {
    return { reason: 'the Electron binary is not installed (node_modules/electron/path.txt is missing; `node node_modules/electron/install.js` downloads it)' };
  }
  const path = override ? join(override, rel || 'electron') : join(dir, 'dist', rel);
  return existsSync(path) ? { path } : { reason: `the Electron binary ${path} does not exist` };
}

function skipReason(): string | null {
  const bin = electronBinary();
  if ('reason' in bin) return bin.reason;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display on this Linux machine (run the tests under xvfb-run to include this one)';
  }
  for (const f of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
    if (!existsSync(join(ROOT, f))) return `${f} is missing: build first (npx electron-vite build)`;
  }
  return null;
}

const reason = skipReason();
if (reason) console.log(`electron-smoke: skipped: ${reason}`);

let app: ElectronApplication | null = null;
const tmp = mkdtempSync(join(tmpdir(), 'ts-electron-'));
afterAll(async () => {
  await app?.close().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

describe('desktop app (Electron)', () => {
  it.skipIf(reason !== null)('starts, reaches ready over IPC, shows its menu and remembers its settings', { timeout: 120_000 }, async () => {
    const bin = electronBinary() as { path: string };
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      // Everything the app writes goes to the temp folder: userData (settings, lock), database, data sets.
      XDG_CONFIG_HOME: tmp,
      APPDATA: tmp,
      HOME: process.platform === 'darwin' ? tmp : (process.env.HOME ?? tmp),
      TICKETSCOPE_DB: join(tmp, 'smoke.db'),
      TICKETSCOPE_DATA_DIR: join(tmp, 'data'),
    };
    delete env.ELECTRON_RENDERER_URL;
    delete env.ELECTRON_RUN_AS_NODE;
    // Chromium refuses its sandbox as root (CI containers); the app's own hardening is unchanged.
    const args = [ROOT, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
    app = await _electron.launch({ executablePath: bin.path, args, env, timeout: 60_000 });

    const page = await app.firstWindow();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.waitForSelector('#root[data-app-state="ready"]', { timeout: 60_000 });
    await expect(page.getByText('Electron IPC').first().isVisible()).resolves.toBe(true);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'electron.png') });

    const main = await app.evaluate(({ app: a, Menu }) => ({
      name: a.getName(),
      userData: a.getPath('userData'),
      menu: Menu.getApplicationMenu()?.items.map((i) => i.label.replace('&', '')) ?? [],
    }));
    expect(main.name).toBe('Ticketscope');
    expect(main.menu).toEqual(expect.arrayContaining(['File', 'View', 'Help']));
    if (process.platform === 'linux') expect(main.userData).toBe(join(tmp, 'Ticketscope'));
    // The database named by TICKETSCOPE_DB is listed as recent (but not reopened without the variable).
    const settings = JSON.parse(readFileSync(join(main.userData, 'settings.json'), 'utf8')) as { recentDatabases: string[]; lastDatabase?: string };
    expect(settings.recentDatabases[0]).toBe(join(tmp, 'smoke.db'));
    expect(settings.lastDatabase).toBeUndefined();
    expect(await page.title()).toBe('Ticketscope');
    expect(errors).toEqual([]);
  });
});

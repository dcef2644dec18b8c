// Static checks of the Electron shell's hardening (the app cannot be launched on machines without its binary):
// our own checks of the window, session and preload, then Doyensec's Electronegativity over src/ (offline; the one
// check that downloads Electron's release list is left out): no HIGH findings, the rest printed.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CSP } from '../../src/main/server/serve';
import { ROOT } from '../helpers/paths';

const main = readFileSync(join(ROOT, 'src/main/index.ts'), 'utf8');
const ipc = readFileSync(join(ROOT, 'src/main/electron/ipc.ts'), 'utf8');
const preload = readFileSync(join(ROOT, 'src/preload/index.ts'), 'utf8');
const html = readFileSync(join(ROOT, 'src/renderer/index.html'), 'utf8');
const builder = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');

describe('Electron hardening', () => {
  it('the window isolates the renderer: contextIsolation, sandbox, no Node, no webview, web security', () => {
    expect(main).toMatch(/contextIsolation:\s*true/);
    expect(main).toMatch(/sandbox:\s*true/);
    expect(main).toMatch(/nodeIntegration:\s*false/);
    expect(main).toMatch(/nodeIntegrationInWorker:\s*false/);
    expect(main).toMatch(/webSecurity:\s*true/);
    expect(main).toMatch(/webviewTag:\s*false/);
    expect(main).toMatch(/app\.enableSandbox\(\)/);
    expect(main).toMatch(/devTools:\s*isDev/);
    expect(main).not.toMatch(/allowRunningInsecureContent|experimentalFeatures|enableRemoteModule|nodeIntegration:\s*true|contextIsolation:\s*false/);
    // Exactly one BrowserWindow is created, with the preload that exposes the contract.
    expect(main.match(/new BrowserWindow\(/g)).toHaveLength(1);
    expect(main).toMatch(/preload:\s*paths\.preload/);
  });

  it('blocks navigation, redirects, webviews and new windows for every web contents; denies permissions', () => {
    expect(main).toMatch(/app\.on\('web-contents-created', \(_e, contents\) => lockDown\(contents\)\)/);
    expect(main).toMatch(/will-navigate[^\n]*preventDefault/);
    expect(main).toMatch(/will-redirect[^\n]*preventDefault/);
    expect(main).toMatch(/will-attach-webview[^\n]*preventDefault/);
    expect(main).toMatch(/setWindowOpenHandler[\s\S]*?action: 'deny'/);
    expect(main).toMatch(/protocol === 'https:'\) void shell\.openExternal/);
    expect(main).toMatch(/setPermissionRequestHandler\(.*=> cb\(false\)\)/);
    expect(main).toMatch(/setPermissionCheckHandler\(\(\) => false\)/);
  });

  it('loads only its own page: the dev server URL is honoured in development only', () => {
    expect(main).toMatch(/const devServerUrl = isDev \? process\.env\.ELECTRON_RENDERER_URL : undefined/);
    expect(main).not.toMatch(/loadURL\(process\.env/);
    expect([...main.matchAll(/\.loadURL\(([^)]*)\)/g)].map((m) => m[1])).toEqual(['devServerUrl']);
  });

  it('IPC goes through the validating gate only, with the sender checked', () => {
    expect(main).toMatch(/registerContract\(ipcMain, \{ getCore: \(\) => core, isTrustedUrl \}\)/);
    expect(main).not.toMatch(/ipcMain\.(on|handle|handleOnce)\(/);
    expect(ipc).toMatch(/opts\.isTrustedUrl\(frame\.url\)/);
    expect(ipc).toMatch(/core\.call\(method, params \?\? \{\}(, ctx)?\)/);
  });

  it('the preload exposes exactly one object, the contract, and only invokes', () => {
    const exposed = [...preload.matchAll(/exposeInMainWorld\('([^']+)'/g)].map((m) => m[1]);
    expect(exposed).toEqual(['ticketscope']);
    expect(preload).not.toMatch(/ipcRenderer\.(send|sendSync|sendTo|postMessage)\(/);
    expect(preload).not.toMatch(/exposeInMainWorld\('[^']+',\s*ipcRenderer/);
  });

  it('the page and the server send a strict CSP without unsafe-inline or unsafe-eval', () => {
    expect(main).toMatch(/'Content-Security-Policy': \[CSP\]/);
    for (const policy of [CSP, html.match(/http-equiv="Content-Security-Policy"\s+content="([^"]+)"/)?.[1] ?? '']) {
      expect(policy).toMatch(/default-src 'self'/);
      expect(policy).toMatch(/script-src 'self'/);
      expect(policy).toMatch(/object-src 'none'/);
      expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    }
  });

  it('the packaged binary cannot be run as Node or inspected (fuses) and loads code from app.asar only', () => {
    expect(builder).toMatch(/runAsNode: false/);
    expect(builder).toMatch(/enableNodeOptionsEnvironmentVariable: false/);
    expect(builder).toMatch(/enableNodeCliInspectArguments: false/);
    expect(builder).toMatch(/onlyLoadAppFromAsar: true/);
  });
});

interface Finding {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: { name: string };
  confidence: { name: string };
  description: string;
}

describe('Electronegativity scan', () => {
  it('finds nothing of HIGH or CRITICAL severity in src/ (the rest is printed)', { timeout: 120_000 }, async () => {
    const run = createRequire(import.meta.url)('@doyensec/electronegativity') as (o: object) => Promise<{
      issues: Finding[];
      errors: { file: string; message: string; tolerable: boolean }[];
      globalChecks: number;
      atomicChecks: number;
    }>;
    const electron = JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string };
    const result = await run({
      input: join(ROOT, 'src'),
      electronVersionOverride: electron.version,
      // This check fetches Electron's release notes from GitHub; tests run offline.
      excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
      isRelative: true,
    });
    const lines = result.issues.map(
      (i) => `${i.severity.name.padEnd(13)} ${i.confidence.name.padEnd(9)} ${i.id.padEnd(28)} ${i.file}:${i.location.line}  ${i.description}`,
    );
    console.log(
      `electronegativity: ${result.atomicChecks} atomic and ${result.globalChecks} global checks over src/, ${result.issues.length} findings:\n${lines.join('\n')}`,
    );
    expect(result.atomicChecks).toBeGreaterThan(20);
    // Every file parsed (a file it cannot parse would go unchecked).
    expect(result.errors.filter((e) => !e.tolerable)).toEqual([]);
    expect(result.issues.filter((i) => ['HIGH', 'CRITICAL'].includes(i.severity.name))).toEqual([]);
  });
});

// Static checks of the Electron shell's hardening (the app cannot be launched on machines without its binary).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CSP } from '../../src/main/server/serve';

const ROOT = join(__dirname, '..', '..');
const main = readFileSync(join(ROOT, 'src/main/index.ts'), 'utf8');
const preload = readFileSync(join(ROOT, 'src/preload/index.ts'), 'utf8');
const html = readFileSync(join(ROOT, 'src/renderer/index.html'), 'utf8');

describe('Electron hardening', () => {
  it('the window isolates the renderer: contextIsolation, sandbox, no nodeIntegration, web security', () => {
    expect(main).toMatch(/contextIsolation:\s*true/);
    expect(main).toMatch(/sandbox:\s*true/);
    expect(main).toMatch(/nodeIntegration:\s*false/);
    expect(main).toMatch(/webSecurity:\s*true/);
    expect(main).not.toMatch(/allowRunningInsecureContent|experimentalFeatures|enableRemoteModule/);
  });

  it('blocks navigation and new windows, denies permissions, and checks the IPC sender', () => {
    expect(main).toMatch(/will-navigate[^\n]*preventDefault/);
    expect(main).toMatch(/setWindowOpenHandler[\s\S]*action: 'deny'/);
    expect(main).toMatch(/setPermissionRequestHandler\(.*=> cb\(false\)\)/);
    expect(main).toMatch(/isOwnFrame\(e\.senderFrame/);
    expect(main).toMatch(/core!\.call\(method, params\)/);
  });

  it('the preload exposes exactly one object, the contract', () => {
    const exposed = [...preload.matchAll(/exposeInMainWorld\('([^']+)'/g)].map((m) => m[1]);
    expect(exposed).toEqual(['ticketscope']);
    expect(preload).not.toMatch(/ipcRenderer\.(send|sendSync)\(/);
  });

  it('the page and the server send a strict CSP without unsafe-inline or unsafe-eval', () => {
    for (const policy of [CSP, html.match(/http-equiv="Content-Security-Policy"\s+content="([^"]+)"/)?.[1] ?? '']) {
      expect(policy).toMatch(/default-src 'self'/);
      expect(policy).toMatch(/script-src 'self'/);
      expect(policy).toMatch(/object-src 'none'/);
      expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    }
  });
});

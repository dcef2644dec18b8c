// The installer configuration (electron-builder.yml), checked without downloading Electron:
// 1. electron-builder loads it and validates it against its own JSON schema (and rejects a broken one);
// 2. what it names exists: icons of the right sizes, the N-API prebuilds, .wasm files and Dawn builds it unpacks, and
//    each platform's exclusions leave out exactly the other platforms' Dawn builds;
// 3. it packages: electron-builder makes the unpacked Linux app around a stand-in Electron distribution
//    (`electronDist`), and the app.asar it writes holds the build, the presets and the production dependencies (no
//    react, d3 or electron), with native code and WebAssembly unpacked; the packaged CLI, run by plain Node from that
//    app, trains a tiny run and exports and imports its mask, so the packaged node_modules are complete.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ElectronBuilder from 'electron-builder';
import { ROOT } from '../helpers/paths';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;

type Config = Record<string, unknown> & { electronVersion?: string; asarUnpack?: string[]; linux?: Record<string, unknown> };
type PlatformFiles = { files?: string[] };
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: unknown): Promise<Config>;
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
// The minimatch electron-builder itself matches file patterns with (options as in app-builder-lib's fileMatcher).
const { minimatch } = createRequire(require.resolve('app-builder-lib/package.json'))('minimatch') as {
  minimatch(path: string, pattern: string, options?: { dot?: boolean }): boolean;
};
/** The optional webgpu package's Dawn builds (dist/<os>-<arch>/), or null when it is not installed. */
const WEBGPU_DIST = join(ROOT, 'node_modules/webgpu/dist');
const webgpuBuilds = existsSync(WEBGPU_DIST) ? readdirSync(WEBGPU_DIST) : null;

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file} is a PNG`).toBe(true);
  expect(b.toString('ascii', 12, 16)).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

let config: Config;
beforeAll(async () => {
  config = await getConfig(ROOT, null, null);
});

describe('electron-builder configuration', () => {
  it('is valid against electron-builder’s schema', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    expect(config).toMatchObject({ appId: 'org.ticketscope.app', productName: 'Ticketscope', npmRebuild: false, asar: true });
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config).toMatchObject({ mac: { target: 'dmg' }, win: { target: 'nsis' } });
  });

  it('the validation is real: a misspelt option or a wrong type is rejected', async () => {
    await expect(validateConfiguration({ ...config, asarUnpak: ['x'] }, new DebugLogger(false))).rejects.toThrow(/Invalid configuration object/);
    await expect(validateConfiguration({ ...config, nsis: { oneClick: { no: 1 } } }, new DebugLogger(false))).rejects.toThrow(/nsis/);
  });

  it('pins the Electron version the project installs; npm run dist builds then packages', () => {
    const electron = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string };
    expect(config.electronVersion).toBe(electron.version);
    expect(pkg.optionalDependencies?.electron ?? pkg.devDependencies?.electron).toBe(electron.version);
    expect(pkg.dependencies?.electron).toBeUndefined();
    expect(pkg.scripts?.dist).toMatch(/^electron-vite build && electron-builder/);
    expect(pkg.devDependencies?.['electron-builder']).toBeDefined();
  });

  it('has the icons it names: PNGs of their stated sizes, 1024 for macOS and 256 for Windows', () => {
    const icons = join(ROOT, 'resources', 'icons');
    const pngs = readdirSync(icons).filter((f) => f.endsWith('.png'));
    for (const size of [16, 32, 48, 64, 128, 256, 512, 1024]) expect(pngs).toContain(`${size}x${size}.png`);
    for (const f of pngs) {
      const n = Number(f.split('x')[0]);
      expect(pngSize(join(icons, f)), f).toEqual({ width: n, height: n });
    }
    expect(config).toMatchObject({ mac: { icon: 'resources/icons/1024x1024.png' }, win: { icon: 'resources/icons/256x256.png' }, linux: { icon: 'resources/icons' } });
  });

  it('unpacks what must be real files, and better-sqlite3 needs no rebuild (N-API prebuilds for every target)', () => {
    expect(config.asarUnpack).toContain('node_modules/better-sqlite3/prebuilds/*.node');
    expect(config.asarUnpack).toContain('node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm');
    const sqlite = JSON.parse(readFileSync(join(ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { gypfile?: boolean };
    expect(sqlite.gypfile).toBe(false);
    for (const target of ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64']) {
      expect(existsSync(join(ROOT, 'node_modules/better-sqlite3/prebuilds', `${target}.node`)), target).toBe(true);
    }
    const wasm = readdirSync(join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')).filter((f) => f.endsWith('.wasm'));
    expect(wasm.length).toBeGreaterThanOrEqual(3);
    expect(config.asarUnpack).toContain('node_modules/webgpu/dist/**');
  });

  it('leaves the other platforms\' Dawn builds (webgpu) out of each platform\'s package', () => {
    const os: Record<'linux' | 'mac' | 'win', string> = { linux: 'linux', mac: 'darwin', win: 'win32' };
    const builds = webgpuBuilds ?? ['darwin-universal', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64'];
    if (webgpuBuilds) {
      for (const o of Object.values(os)) expect(webgpuBuilds.some((b) => b.startsWith(`${o}-`)), o).toBe(true);
      const dawn = join(WEBGPU_DIST, 'linux-x64', 'dawn.node');
      expect(existsSync(dawn)).toBe(true);
      expect(minimatch('node_modules/webgpu/dist/linux-x64/dawn.node', config.asarUnpack!.find((p) => p.includes('webgpu'))!, { dot: true })).toBe(true);
    }
    for (const [platform, name] of Object.entries(os)) {
      const files = (config[platform] as PlatformFiles | undefined)?.files ?? [];
      const excludes = files.filter((f) => f.startsWith('!')).map((f) => f.slice(1));
      expect(excludes.length, platform).toBeGreaterThan(0);
      for (const b of builds) {
        const path = `node_modules/webgpu/dist/${b}/dawn.node`;
        const excluded = excludes.some((p) => minimatch(path, p, { dot: true }));
        expect(excluded, `${platform}: ${b}`).toBe(!b.startsWith(`${name}-`));
      }
    }
  });
});

describe('packaging around a stand-in Electron', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ts-builder-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('makes the unpacked app; its app.asar runs the core with plain Node', { timeout: 300_000 }, async () => {
    for (const f of ['out/main/index.js', 'out/main/worker.js', 'out/main/cli.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: build first (\`npx electron-vite build\`; \`npm test\` does)`);
    }
    // A stand-in for Electron's Linux distribution: electron-builder copies it and renames the executable.
    const dist = join(tmp, 'electron-dist');
    mkdirSync(join(dist, 'resources'), { recursive: true });
    writeFileSync(join(dist, 'electron'), '#!/bin/sh\necho stand-in for electron\n');
    chmodSync(join(dist, 'electron'), 0o755);
    writeFileSync(join(dist, 'version'), String(config.electronVersion));
    const { build, Platform, Arch } = require('electron-builder') as typeof ElectronBuilder;
    const out = join(tmp, 'dist');
    await build({
      projectDir: ROOT,
      targets: Platform.LINUX.createTarget('dir', Arch.x64),
      publish: 'never',
      // Fuses are flipped in a real Electron binary only; the stand-in has none.
      config: { electronDist: dist, electronFuses: null, directories: { output: out } } as never,
    });
    const app = join(out, 'linux-unpacked');
    expect(existsSync(join(app, 'ticketscope')), 'executableName').toBe(true);
    const resources = join(app, 'resources');

    const asar = require('@electron/asar') as { listPackage(p: string): string[]; extractAll(p: string, dest: string): void };
    const files = new Set(asar.listPackage(join(resources, 'app.asar')).map((f) => f.replace(/\\/g, '/')));
    for (const f of [
      '/package.json',
      '/out/main/index.js',
      '/out/main/worker.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/resources/presets/quick.json',
      '/resources/icons/512x512.png',
      '/node_modules/better-sqlite3/package.json',
      '/node_modules/@tensorflow/tfjs/package.json',
      '/node_modules/zod/package.json',
      '/node_modules/ws/package.json',
    ]) {
      expect(files.has(f), f).toBe(true);
    }
    for (const gone of ['react', 'react-dom', 'd3', 'electron', 'vitest', 'typescript', 'electron-builder']) {
      expect(files.has(`/node_modules/${gone}`), gone).toBe(false);
    }
    expect([...files].some((f) => f.startsWith('/src/') || f.startsWith('/tests/') || f.endsWith('.map'))).toBe(false);
    // Only the build, the resources, the dependencies and package.json at the top (the platform's own `files` set
    // must not widen it to the whole project).
    expect([...files].filter((f) => f.lastIndexOf('/') === 0).sort()).toEqual(['/node_modules', '/out', '/package.json', '/resources']);
    const unpacked = join(resources, 'app.asar.unpacked', 'node_modules');
    expect(existsSync(join(unpacked, 'better-sqlite3/prebuilds/linux-x64.node'))).toBe(true);
    expect(existsSync(join(unpacked, '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))).toBe(true);
    if (webgpuBuilds) {
      // Dawn for Linux unpacked (a .node must be a real file to load); the other platforms' builds are not packaged.
      expect(files.has('/node_modules/webgpu/package.json')).toBe(true);
      expect(existsSync(join(unpacked, 'webgpu/dist/linux-x64/dawn.node'))).toBe(true);
      const packaged = readdirSync(join(unpacked, 'webgpu/dist')).sort();
      expect(packaged).toEqual(webgpuBuilds.filter((b) => b.startsWith('linux-')).sort());
      expect([...files].filter((f) => /^\/node_modules\/webgpu\/dist\/(darwin|win32)-/.test(f))).toEqual([]);
    }

    // The packaged code and dependencies on their own (extracted, unpacked files included): the CLI trains a tiny
    // run on the wasm backend, exports its mask and imports it back.
    const extracted = join(tmp, 'app');
    asar.extractAll(join(resources, 'app.asar'), extracted);
    const appPkg = JSON.parse(readFileSync(join(extracted, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(appPkg).toMatchObject({ name: 'ticketscope', main: './out/main/index.js', type: 'module' });
    const launcher = join(tmp, 'launch.mjs');
    writeFileSync(
      launcher,
      "const [app, ...args] = process.argv.slice(2);\nconst { main } = await import(new URL(`file://${app}/out/main/cli.js`).href);\nprocess.exitCode = await main(args);\n",
    );
    const cli = (...args: string[]) => {
      const r = spawnSync(process.execPath, [launcher, extracted, ...args, '--db', join(tmp, 'p.db'), '--data-dir', join(tmp, 'data'), '--json'], {
        cwd: tmp,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status, `ticketscope ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown> & { runs: { runId: string; status: string }[] };
    };
    const small = ['--set', 'iterations=40', '--set', 'evalEvery=20', '--set', 'validation=100', '--set', 'synthetic={"train":600,"test":200}'];
    const trained = cli('run', '--preset', 'quick', ...small, '--backend', 'wasm');
    expect(trained.runs[0]).toMatchObject({ status: 'done', backend: 'wasm' });
    const runId = trained.runs[0]!.runId;
    const file = join(tmp, 'mask.safetensors');
    cli('export', `${runId}:mask`, '--out', file);
    const imported = cli('import', file) as unknown as { runId: string };
    expect(imported.runId).toMatch(/^r/);
  });
});

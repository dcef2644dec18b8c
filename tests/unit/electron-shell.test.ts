// The desktop shell's logic without Electron: settings (recent databases, window state) in userData, where the window
// reopens, the menu's contents, the file dialogs' options, and the check before File > Open database… migrates a file.
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { openDatabase } from '../../src/main/store/db';
import { databaseProblem } from '../../src/main/electron/database-check';
import * as dialogs from '../../src/main/electron/dialogs';
import { buildMenuTemplate, type MenuActions } from '../../src/main/electron/menu';
import type { MergeProgress } from '../../src/main/core/merge';
import { mergeProgressFraction, mergeProgressText, mergeSummaryText } from '../../src/main/electron/merge-messages';
import { DEFAULT_SETTINGS, MAX_RECENT, SETTINGS_FILE, existingRecent, loadSettings, saveSettings, withRecent } from '../../src/main/electron/settings';
import { DEFAULT_SIZE, MIN_SIZE, captureWindow, restoreWindow } from '../../src/main/electron/window-state';
import { userDataDir } from '../../src/main/core/paths';

const dir = mkdtempSync(join(tmpdir(), 'ts-shell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('settings.json', () => {
  it('round-trips, and gives defaults for a missing, damaged or foreign file', () => {
    const d = join(dir, 'settings');
    expect(loadSettings(d)).toEqual(DEFAULT_SETTINGS);
    const s = { version: 1 as const, recentDatabases: ['/a/x.db', '/b/y.db'], lastDatabase: '/a/x.db', window: captureWindow({ x: 10, y: 20, width: 1300, height: 850 }, true, false) };
    saveSettings(d, s);
    expect(loadSettings(d)).toEqual(s);
    writeFileSync(join(d, SETTINGS_FILE), '{ not json');
    expect(loadSettings(d)).toEqual(DEFAULT_SETTINGS);
    writeFileSync(join(d, SETTINGS_FILE), '[1,2,3]');
    expect(loadSettings(d)).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps the valid parts of a partly damaged file and drops relative or odd paths', () => {
    const d = join(dir, 'partial');
    mkdirSync(d, { recursive: true });
    const raw = { version: 7, recentDatabases: ['/ok.db', 'relative.db', 42, '/also-ok.db'], lastDatabase: 'nope', window: { width: 'wide' } };
    writeFileSync(join(d, SETTINGS_FILE), JSON.stringify(raw));
    expect(loadSettings(d)).toEqual({ version: 1, recentDatabases: ['/ok.db', '/also-ok.db'] });
  });

  it('writes atomically, leaving no temp file', () => {
    const d = join(dir, 'atomic');
    saveSettings(d, { ...DEFAULT_SETTINGS, recentDatabases: ['/x.db'] });
    expect(JSON.parse(readFileSync(join(d, SETTINGS_FILE), 'utf8')).recentDatabases).toEqual(['/x.db']);
    expect(() => saveSettings(d, { ...DEFAULT_SETTINGS, recentDatabases: ['relative.db'] })).toThrow();
    expect(JSON.parse(readFileSync(join(d, SETTINGS_FILE), 'utf8')).recentDatabases).toEqual(['/x.db']);
    expect(readdirSync(d)).toEqual([SETTINGS_FILE]);
  });

  it('recent databases: newest first, no duplicates, at most MAX_RECENT, existing ones in the menu', () => {
    let list: string[] = [];
    for (let i = 0; i < MAX_RECENT + 3; i++) list = withRecent(list, `/db/${i}.db`);
    list = withRecent(list, '/db/5.db');
    expect(list[0]).toBe('/db/5.db');
    expect(list).toHaveLength(MAX_RECENT);
    expect(new Set(list).size).toBe(list.length);
    expect(existingRecent(['/a', '/b', '/c'], (p) => p !== '/b')).toEqual(['/a', '/c']);
  });

  it('the app keeps its data where the CLI does (userData is set from paths.ts)', () => {
    expect(userDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux')).toBe(join('/x', 'Ticketscope'));
    expect(userDataDir({ APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, 'win32')).toContain('Ticketscope');
  });
});

describe('window state', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1050 }];
  it('restores a saved window that is on screen', () => {
    expect(restoreWindow({ x: 100, y: 80, width: 1500, height: 900, maximized: false }, screen)).toEqual({
      x: 100,
      y: 80,
      width: 1500,
      height: 900,
      maximized: false,
      fullScreen: false,
    });
  });

  it('drops a place that is on no display any more (an unplugged monitor) but keeps the size', () => {
    const r = restoreWindow({ x: 2500, y: 100, width: 1200, height: 800, maximized: true }, screen);
    expect(r).toEqual({ width: 1200, height: 800, maximized: true, fullScreen: false });
    expect(restoreWindow({ x: 100, y: -500, width: 1200, height: 800, maximized: false }, screen).x).toBeUndefined();
    // A second display to the right makes the same place valid.
    expect(restoreWindow({ x: 2500, y: 100, width: 1200, height: 800, maximized: false }, [...screen, { x: 1920, y: 0, width: 1920, height: 1080 }]).x).toBe(2500);
  });

  it('clamps sizes between the minimum and the largest display; defaults when nothing was saved', () => {
    expect(restoreWindow({ width: 9000, height: 9000, maximized: false }, screen)).toMatchObject({ width: 1920, height: 1050 });
    expect(restoreWindow({ width: 300, height: 300, maximized: false }, screen)).toMatchObject(MIN_SIZE);
    expect(restoreWindow(undefined, screen)).toEqual({ ...DEFAULT_SIZE, maximized: false, fullScreen: false });
    expect(restoreWindow(undefined, [])).toMatchObject(DEFAULT_SIZE);
  });

  it('captures normal bounds as whole, bounded numbers', () => {
    expect(captureWindow({ x: 10.4, y: -3.6, width: 1e9, height: Number.NaN }, false, true)).toEqual({
      x: 10,
      y: -4,
      width: 100_000,
      height: 200,
      maximized: false,
      fullScreen: true,
    });
  });
});

describe('application menu', () => {
  const actions = (): MenuActions & Record<string, ReturnType<typeof vi.fn>> =>
    Object.fromEntries(
      ['openDatabase', 'newDatabase', 'openRecent', 'clearRecent', 'importSnapshot', 'mergeDatabases', 'exportSnapshot', 'openDataFolder', 'showDatabaseFile', 'about'].map((k) => [
        k,
        vi.fn(),
      ]),
    ) as never;
  const items = (m: MenuItemConstructorOptions[] | MenuItemConstructorOptions['submenu']) => (m as MenuItemConstructorOptions[]) ?? [];
  const find = (m: MenuItemConstructorOptions[], label: string) => m.find((i) => i.label === label);
  const click = (i: MenuItemConstructorOptions | undefined) => (i?.click as unknown as () => void)();

  it('File: open, new, recent (current one checked), merge, import, export, quit; each calls its action', () => {
    const a = actions();
    const menu = buildMenuTemplate({ appName: 'Ticketscope', isMac: false, isDev: false, recent: ['/a.db', '/b & c.db'], currentDb: '/a.db', actions: a });
    expect(menu.map((m) => m.label ?? m.role)).toEqual(['&File', 'editMenu', '&View', '&Help']);
    const file = items(menu[0]!.submenu);
    expect(file.map((i) => i.label ?? i.role ?? i.type)).toEqual([
      'Open database…',
      'New database…',
      'Recent databases',
      'Merge databases…',
      'separator',
      'Import snapshot…',
      'Export snapshot…',
      'separator',
      'Quit',
    ]);
    const recent = items(find(file, 'Recent databases')!.submenu);
    expect(recent.map((i) => [i.label, i.checked])).toEqual([
      ['/a.db', true],
      ['/b && c.db', false],
      [undefined, undefined],
      ['Clear recent', undefined],
    ]);
    click(recent[1]);
    expect(a.openRecent).toHaveBeenCalledWith('/b & c.db');
    for (const [label, action] of [
      ['Open database…', 'openDatabase'],
      ['New database…', 'newDatabase'],
      ['Merge databases…', 'mergeDatabases'],
      ['Import snapshot…', 'importSnapshot'],
      ['Export snapshot…', 'exportSnapshot'],
    ] as const) {
      click(find(file, label));
      expect(a[action]).toHaveBeenCalledOnce();
    }
    const help = items(menu[3]!.submenu);
    for (const [label, action] of [
      ['About Ticketscope', 'about'],
      ['Open data folder', 'openDataFolder'],
      ['Show database file', 'showDatabaseFile'],
    ] as const) {
      click(find(help, label));
      expect(a[action]).toHaveBeenCalledOnce();
    }
  });

  it('View has reload, zoom and full screen; the developer tools only in development', () => {
    const roles = (isDev: boolean) =>
      items(buildMenuTemplate({ appName: 'T', isMac: false, isDev, recent: [], currentDb: '', actions: actions() })[2]!.submenu)
        .map((i) => i.role)
        .filter(Boolean);
    expect(roles(false)).toEqual(['reload', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']);
    expect(roles(true)).toEqual(['reload', 'forceReload', 'toggleDevTools', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']);
  });

  it('macOS gets the app menu (with About) and the Window menu; an empty recent list says so', () => {
    const menu = buildMenuTemplate({ appName: 'Ticketscope', isMac: true, isDev: false, recent: [], currentDb: '/a.db', actions: actions() });
    expect(menu.map((m) => m.label ?? m.role)).toEqual(['Ticketscope', '&File', 'editMenu', '&View', 'windowMenu', '&Help']);
    const file = items(menu[1]!.submenu);
    expect(items(find(file, 'Recent databases')!.submenu)).toEqual([{ label: 'No recent databases', enabled: false }]);
    expect(file.at(-1)).toEqual({ role: 'close' });
  });
});

describe('file dialogs', () => {
  it('snapshot save dialog: the default name and its format first, overwrite confirmation', () => {
    const o = dialogs.snapshotSaveOptions('/home/me', 'r1-round3.npz');
    expect(o.defaultPath).toBe(join('/home/me', 'r1-round3.npz'));
    expect(o.filters?.[0]?.extensions).toEqual(['npz']);
    expect(o.properties).toContain('showOverwriteConfirmation');
    expect(dialogs.snapshotSaveOptions('/d').filters?.[0]?.extensions).toEqual(['safetensors']);
    expect(dialogs.snapshotOpenOptions('/d').filters).toEqual([{ name: 'Snapshots (.safetensors, .npz)', extensions: ['safetensors', 'npz'] }]);
  });

  it('adds the extension a dialog left off', () => {
    expect(dialogs.withSnapshotExtension('/x/a')).toBe('/x/a.safetensors');
    expect(dialogs.withSnapshotExtension('/x/a', 'npz')).toBe('/x/a.npz');
    expect(dialogs.withSnapshotExtension('/x/a.NPZ')).toBe('/x/a.NPZ');
    expect(dialogs.withSnapshotExtension('/x/a.txt')).toBe('/x/a.txt.safetensors');
    expect(dialogs.withDatabaseExtension('/x/lab')).toBe('/x/lab.db');
    expect(dialogs.withDatabaseExtension('/x/lab.sqlite')).toBe('/x/lab.sqlite');
  });
});

describe('opening a database from the menu', () => {
  it('accepts a new path, an empty file and a Ticketscope database', () => {
    expect(databaseProblem(join(dir, 'new.db'))).toBeNull();
    writeFileSync(join(dir, 'empty.db'), '');
    expect(databaseProblem(join(dir, 'empty.db'))).toBeNull();
    openDatabase(join(dir, 'ours.db')).close();
    expect(databaseProblem(join(dir, 'ours.db'))).toBeNull();
    const blank = new Database(join(dir, 'blank.db'));
    blank.pragma('user_version = 0');
    blank.close();
    expect(databaseProblem(join(dir, 'blank.db'))).toBeNull();
  });

  it("refuses other programs' SQLite files, non-databases and folders, and leaves them untouched", () => {
    const foreign = join(dir, 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    db.pragma('user_version = 3');
    db.close();
    const before = readFileSync(foreign);
    expect(databaseProblem(foreign)).toMatch(/another program/);
    expect(readFileSync(foreign).equals(before)).toBe(true);
    writeFileSync(join(dir, 'text.db'), 'hello, not sqlite at all');
    expect(databaseProblem(join(dir, 'text.db'))).toMatch(/not an SQLite database/);
    expect(databaseProblem(dir)).toMatch(/not a file/);
  });
});

describe('File > Merge databases…', () => {
  it('picks several databases and reports progress and the outcome in words', () => {
    expect(dialogs.mergeOpenOptions('/data').properties).toEqual(['openFile', 'multiSelections']);
    const steps: MergeProgress[] = (['check', 'merge'] as const).flatMap((phase) => [0, 1].map((shard) => ({ phase, shard, shards: 2, path: `/x/shard-${shard}.sqlite` })));
    const fractions = steps.map(mergeProgressFraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.every((f) => f > 0 && f < 1)).toBe(true);
    expect(mergeProgressText(steps[3]!)).toBe('Merging databases: adding shard-1.sqlite (2 of 2)…');
    const shard = { path: '/x/s.sqlite', schemaVersion: 3, migrated: true, runsAdded: 4, runsExtended: 1, runsUnchanged: 0, roundsAdded: 9, tensorsVerified: 120 };
    expect(mergeSummaryText({ target: '/home/me/results.db', shards: [shard, { ...shard, migrated: false, schemaVersion: 4 }] })).toBe(
      'Merged 2 databases into results.db: 8 run(s) added, 2 extended, 0 already here; 18 round(s) added, 240 tensor checksums verified; 1 from an older version, migrated on a copy.',
    );
  });
});

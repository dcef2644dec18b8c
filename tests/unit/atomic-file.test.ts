// Temporary files are created exclusively under a random name in the target's folder, then renamed: a symlink
// planted at the target is replaced (never written through), nothing is left behind, and a target that cannot be
// a file is refused in one line before anything is written.
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempNameFor, targetProblem, writeFileAtomic } from '../../src/main/atomic-file';
import { writeSnapshotFile } from '../../src/main/store/snapshot';
import { loadSettings, saveSettings } from '../../src/main/electron/settings';
import { ValidationError } from '../../src/shared/errors';
import { makeSnapshot } from '../helpers/snapshot-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'ts-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes the bytes and leaves no temporary file', () => {
    const d = join(dir, 'plain');
    mkdirSync(d);
    writeFileAtomic(join(d, 'a.bin'), new Uint8Array([1, 2, 3]));
    writeFileAtomic(join(d, 'a.bin'), 'replaced');
    expect(readFileSync(join(d, 'a.bin'), 'utf8')).toBe('replaced');
    expect(readdirSync(d)).toEqual(['a.bin']);
  });

  it('replaces a symlink planted at the target instead of writing through it', () => {
    const d = join(dir, 'link');
    mkdirSync(d);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(d, 'out.safetensors'));
    writeFileAtomic(join(d, 'out.safetensors'), 'snapshot bytes');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(d, 'out.safetensors')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(d, 'out.safetensors'), 'utf8')).toBe('snapshot bytes');
  });

  it('names temporary files randomly, hidden, in the same folder', () => {
    const target = join(dir, 'x.npz');
    const a = tempNameFor(target);
    const b = tempNameFor(target);
    expect(a).not.toBe(b);
    expect(dirname(a)).toBe(dir);
    expect(basename(a)).toMatch(/^\.x\.npz\.[A-Za-z0-9_-]{12}\.tmp$/);
    // 'wx' refuses a name that exists, symlink or not: a temp file is never opened through someone else's link.
    symlinkSync(join(dir, 'victim.txt'), a);
    expect(() => writeFileSync(a, 'x', { flag: 'wx' })).toThrow(/EEXIST/);
  });

  it('refuses a folder, a missing folder and a path under a file, in one line, writing nothing', () => {
    const file = join(dir, 'afile');
    writeFileSync(file, '');
    const cases: [string, RegExp][] = [
      [dir, /it is a folder$/],
      [join(dir, 'missing', 'x.bin'), /folder .*missing does not exist$/],
      [join(file, 'x.bin'), /a part of the path is not a folder$|is not a folder$/],
    ];
    for (const [path, re] of cases) {
      expect(targetProblem(path)).toMatch(re);
      expect(() => writeFileAtomic(path, 'x')).toThrow(ValidationError);
      expect(() => writeFileAtomic(path, 'x')).toThrow(re);
    }
    expect(targetProblem(join(dir, 'new.bin'))).toBeNull();
  });
});

describe('writers that use it', () => {
  it('a snapshot export to a folder is refused before encoding, and a good one leaves only the file', () => {
    const d = join(dir, 'snap');
    mkdirSync(d);
    const snap = makeSnapshot('lenet-300-100', 'mnist');
    expect(() => writeSnapshotFile(d, snap)).toThrow(/^cannot write .*snap: it is a folder$/);
    writeSnapshotFile(join(d, 's.npz'), snap);
    expect(readdirSync(d)).toEqual(['s.npz']);
  });

  it('settings.json is written the same way', () => {
    const d = join(dir, 'settings');
    saveSettings(d, { version: 1, recentDatabases: ['/a.db'] });
    saveSettings(d, { version: 1, recentDatabases: ['/b.db'] });
    expect(loadSettings(d).recentDatabases).toEqual(['/b.db']);
    expect(readdirSync(d)).toEqual(['settings.json']);
  });
});

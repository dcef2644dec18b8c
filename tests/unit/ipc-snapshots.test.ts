// The snapshot methods of the contract through Core.call, as the IPC gate (and the WebSocket server) reach them:
// importSnapshot stores a file as a run and announces it, exportSnapshot writes any state of it back out, and
// chooseSnapshotPath asks the desktop host for a path (and fails clearly where there is none: serve mode).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, type CoreHost } from '../../src/main/core/service';
import { readSnapshotFile, writeSnapshotFile } from '../../src/main/store/snapshot';
import { WHICH } from '../../src/shared/refs';
import { paramSchemas, type Events, type ExportSnapshotResult, type ImportSnapshotResult } from '../../src/shared/contract';
import { makeSnapshot } from '../helpers/snapshot-fixtures';
import quick from '../../resources/presets/quick.json';
import { ROOT } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'ts-ipc-snap-'));
const cores: Core[] = [];

function core(name: string, host?: CoreHost): Core {
  const c = new Core({
    dbPath: join(dir, `${name}.db`),
    dataDir: join(dir, 'data'),
    backend: 'cpu',
    presetsDir: join(ROOT, 'resources', 'presets'),
    spawnWorker: () => {
      throw new Error('no training in this test');
    },
    transport: host ? 'ipc' : 'websocket',
    ...(host ? { host } : {}),
  });
  cores.push(c);
  return c;
}

const base = makeSnapshot('lenet-300-100', 'mnist', { seed: 7, round: 3 });
// A complete config (the quick preset on MNIST), as a real run would record it.
const fixture = { ...base, meta: { ...base.meta, config: { ...quick, arch: 'lenet-300-100', dataset: 'mnist' } } };
const source = join(dir, 'fixture.safetensors');

beforeAll(() => {
  writeSnapshotFile(source, fixture);
});
afterAll(async () => {
  for (const c of cores) await c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('snapshot methods of the contract', () => {
  it('accepts every state the vocabulary names', () => {
    for (const which of WHICH) expect(paramSchemas.exportSnapshot.safeParse({ runId: 'r1', which, path: '/tmp/x.safetensors' }).success).toBe(true);
    expect(paramSchemas.exportSnapshot.safeParse({ runId: 'r1', which: 'weights', path: '/tmp/x.safetensors' }).success).toBe(false);
  });

  it('importSnapshot stores the file as a run and announces it; exportSnapshot writes it back identically', async () => {
    const c = core('roundtrip');
    const events: Events['runUpdate'][] = [];
    c.subscribe((event, payload) => {
      if (event === 'runUpdate') events.push(payload as Events['runUpdate']);
    });
    const imported = (await c.call('importSnapshot', { path: source })) as ImportSnapshotResult;
    expect(imported).toMatchObject({ round: 3, withWeights: true });
    expect(events.map((e) => e.runId)).toContain(imported.runId);
    // An imported run has its states but no round result; give it one, as training commits, to export it like a
    // native run (exporting an imported run as such is not supported by core/snapshots.ts yet).
    c.store.repo.addRound(imported.runId, { round: 3, density: imported.density, testAccuracy: 0.5, earlyStopIteration: 0, finalTestAccuracy: 0.5 });

    for (const [format, which] of [
      ['safetensors', 'trained'],
      ['npz', 'mask'],
    ] as const) {
      const out = join(dir, `back-${which}.${format}`);
      const r = (await c.call('exportSnapshot', { runId: imported.runId, which, path: out })) as ExportSnapshotResult;
      expect(r).toMatchObject({ path: out, format, runId: imported.runId, round: 3, which });
      expect(r.bytes).toBeGreaterThan(0);
      const back = readSnapshotFile(out, 'lenet-300-100');
      back.layers.forEach((l, i) => {
        expect(Buffer.from(l.mask!).equals(Buffer.from(fixture.layers[i]!.mask!))).toBe(true);
        if (which === 'mask') expect(l.weight).toBeUndefined();
        else expect(Buffer.from(l.weight!.buffer).equals(Buffer.from(fixture.layers[i]!.weight!.buffer))).toBe(true);
      });
    }
    // masksOnly and an explicit round and format.
    const slim = (await c.call('exportSnapshot', {
      runId: imported.runId,
      round: 3,
      path: join(dir, 'slim.safetensors'),
      format: 'safetensors',
      masksOnly: true,
    })) as ExportSnapshotResult;
    expect(readSnapshotFile(slim.path).layers.every((l) => l.weight === undefined && l.mask !== undefined)).toBe(true);
  });

  it('a malformed file is rejected as invalid and stores nothing', async () => {
    const c = core('malformed');
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x7b]));
    await expect(c.call('importSnapshot', { path: bad })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(c.call('importSnapshot', { path: join(dir, 'missing.npz') })).rejects.toMatchObject({ name: 'ValidationError' });
    expect(await c.call('listRuns', {})).toEqual([]);
  });

  it('exporting a run or round that is not there is not-found, and writes no file', async () => {
    const c = core('notfound');
    const { runId, density } = (await c.call('importSnapshot', { path: source })) as ImportSnapshotResult;
    c.store.repo.addRound(runId, { round: 3, density, testAccuracy: 0.5, earlyStopIteration: 0, finalTestAccuracy: 0.5 });
    const before = readdirSync(dir).length;
    await expect(c.call('exportSnapshot', { runId: 'rnothere', path: join(dir, 'x.npz') })).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(c.call('exportSnapshot', { runId, round: 9, path: join(dir, 'y.npz') })).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(readdirSync(dir).length).toBe(before);
  });

  it('chooseSnapshotPath fails clearly without a desktop host (serve mode), which getInfo announces', async () => {
    const c = core('serve');
    expect(await c.call('getInfo', {})).toMatchObject({ nativeDialogs: false });
    await expect(c.call('chooseSnapshotPath', { defaultName: 'a.safetensors' })).rejects.toThrow(
      /file dialogs exist only in the desktop app; in a browser a snapshot is downloaded and uploaded/,
    );
  });

  it('chooseSnapshotPath asks the desktop host, passes cancel through and checks what the host returns', async () => {
    const asked: unknown[] = [];
    let answer: string | null = join(dir, 'chosen.npz');
    const c = core('desktop', {
      chooseSnapshotPath: async (p) => {
        asked.push(p);
        return answer;
      },
    });
    expect(await c.call('getInfo', {})).toMatchObject({ nativeDialogs: true, transport: 'ipc' });
    expect(await c.call('chooseSnapshotPath', { defaultName: 'r1-round3.npz' })).toEqual({ path: answer });
    answer = null;
    expect(await c.call('chooseSnapshotPath', { mode: 'open' })).toEqual({ path: null });
    answer = '/etc/passwd';
    await expect(c.call('chooseSnapshotPath', {})).rejects.toThrow(/must end in .safetensors or .npz/);
    expect(asked).toEqual([{ defaultName: 'r1-round3.npz' }, { mode: 'open' }, {}]);
  });
});

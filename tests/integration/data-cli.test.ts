// `ticketscope data ...` end to end on generated files in temp folders (never the network), and a run on an
// imported real-format data set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BIN, ROOT, assertBuilt, cli, tempDir } from '../helpers/cli';
import type { CliResult } from '../helpers/cli';
import { cifarMembers, dirEntries, idxLabels, idxSet, makeTar, serveFiles, writeFiles } from '../helpers/data-fixtures';

const tmp = tempDir('ticketscope-data-cli-');
const src = writeFiles(join(tmp.dir, 'src'), idxSet(600, 200, true));
const dataDir = join(tmp.dir, 'data');
const common = ['--data-dir', dataDir];

beforeAll(() => assertBuilt());
afterAll(() => tmp.cleanup());

/** Like cli(), but asynchronous, so a server in this process can answer the CLI. */
function cliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function listJson(args: string[] = common, env?: NodeJS.ProcessEnv): { dataDir: string; datasets: Record<string, unknown>[] } {
  const r = cli(['data', 'list', '--json', ...args], { env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('ticketscope data', () => {
  it('list shows every known data set, real ones absent from an empty folder', () => {
    const out = listJson();
    expect(out.dataDir).toBe(dataDir);
    const names = out.datasets.map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(['synthetic-mnist', 'mnist', 'fashion-mnist', 'cifar10']));
    expect(out.datasets.find((d) => d.name === 'synthetic-mnist')).toMatchObject({ kind: 'synthetic', present: true, path: null });
    expect(out.datasets.find((d) => d.name === 'fashion-mnist')).toMatchObject({ kind: 'real', present: false, path: join(dataDir, 'fashion-mnist'), counts: null });
    expect(out.datasets.find((d) => d.name === 'cifar10')?.classes).toContain('dog');
  });

  it('import copies and validates a folder of IDX files, with progress on stderr', () => {
    const r = cli(['data', 'import', 'fashion-mnist', src, '--json', ...common]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: 'fashion-mnist', path: join(dataDir, 'fashion-mnist'), counts: { train: 600, test: 200 } });
    expect(out.files).toHaveLength(4);
    expect(r.stderr).toMatch(/import fashion-mnist: read train-images-idx3-ubyte\.gz \[#+\] 100% .* ETA \d+:\d\d/);
    const fm = listJson().datasets.find((d) => d.name === 'fashion-mnist');
    expect(fm).toMatchObject({ present: true, counts: { train: 600, test: 200 } });
    expect((fm!.classes as string[])[0]).toBe('T-shirt/top');
    const text = cli(['data', 'list', ...common]);
    expect(text.stdout).toMatch(/fashion-mnist\s+real\s+yes\s+600\s+200/);
  });

  it('honours TICKETSCOPE_DATA_DIR when --data-dir is not given', () => {
    const envDir = join(tmp.dir, 'env-data');
    const r = cli(['data', 'import', 'mnist', src], { env: { TICKETSCOPE_DATA_DIR: envDir } });
    expect(r.code, r.stderr).toBe(0);
    expect(dirEntries(envDir)).toEqual(['mnist']);
    expect(listJson([], { TICKETSCOPE_DATA_DIR: envDir }).datasets.find((d) => d.name === 'mnist')).toMatchObject({ present: true });
  });

  it('import of a corrupt file exits 2 with one line naming the file; the data folder is untouched', () => {
    const bad = idxSet(600, 200, true);
    bad.set('t10k-labels-idx1-ubyte.gz', gzipSync(idxLabels(199)));
    const badDir = writeFiles(join(tmp.dir, 'bad'), bad);
    const before = dirEntries(dataDir);
    const r = cli(['data', 'import', 'fashion-mnist', badDir, ...common]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('ticketscope:'));
    expect(lines).toEqual([`ticketscope: ${join(badDir, 't10k-labels-idx1-ubyte.gz')}: counts do not match: 199 labels but ${join(badDir, 't10k-images-idx3-ubyte.gz')} has 200 images`]);
    expect(dirEntries(dataDir)).toEqual(before);
    expect(listJson().datasets.find((d) => d.name === 'fashion-mnist')).toMatchObject({ present: true, counts: { train: 600, test: 200 } });
  });

  it('imports CIFAR-10 from a .tar.gz', () => {
    const tgz = join(tmp.dir, 'cifar-10-binary.tar.gz');
    writeFiles(tmp.dir, new Map([['cifar-10-binary.tar.gz', gzipSync(makeTar(cifarMembers(3)))]]));
    const r = cli(['data', 'import', 'cifar10', tgz, ...common]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/imported cifar10 into .*: 15 training and 3 test examples, 10 classes/);
  });

  it('bad usage and unknown names exit 2', () => {
    for (const args of [['data'], ['data', 'frobnicate'], ['data', 'fetch'], ['data', 'import', 'mnist'], ['data', 'fetch', 'imagenet'], ['data', 'import', 'synthetic-mnist', src]]) {
      const r = cli([...args, ...common]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const missing = cli(['data', 'import', 'mnist', join(tmp.dir, 'nowhere'), ...common]);
    expect(missing.stderr.trim()).toBe(`ticketscope: ${join(tmp.dir, 'nowhere')}: no such file or folder`);
  });

  it('fetch from a mirror serving files that fail the published checksums exits 1, leaving nothing', async () => {
    const server = await serveFiles(idxSet(10, 10, true));
    try {
      const fresh = join(tmp.dir, 'fetch-data');
      const r = await cliAsync(['data', 'fetch', 'fashion-mnist', '--data-dir', fresh], { TICKETSCOPE_DATA_MIRROR: server.url });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/fetch fashion-mnist: download train-images-idx3-ubyte\.gz/);
      expect(r.stderr).toMatch(/ticketscope: train-images-idx3-ubyte\.gz: checksum mismatch: md5 [0-9a-f]{32}, expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d/);
      expect(server.requests).toEqual(['/train-images-idx3-ubyte.gz']);
      expect(dirEntries(fresh)).toEqual([]);
      const down = await cliAsync(['data', 'fetch', 'mnist', '--data-dir', fresh], { TICKETSCOPE_DATA_MIRROR: 'http://127.0.0.1:1/' });
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/ticketscope: http:\/\/127\.0\.0\.1:1\/train-images-idx3-ubyte\.gz: connect ECONNREFUSED/);
    } finally {
      await server.close();
    }
  });

  it('Ctrl+C during a fetch exits 130 and removes the half-written download', async () => {
    const server = await serveFiles(new Map([['train-images-idx3-ubyte.gz', Buffer.alloc(200_000, 1)]]), () => 'stall');
    const fresh = join(tmp.dir, 'interrupted');
    try {
      const child = spawn(process.execPath, [BIN, 'data', 'fetch', 'fashion-mnist', '--data-dir', fresh], {
        cwd: ROOT,
        env: { ...process.env, TICKETSCOPE_DATA_MIRROR: server.url },
      });
      let stderr = '';
      const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
      await new Promise<void>((ready) => {
        child.stderr.on('data', (d) => {
          stderr += String(d);
          if (stderr.includes('download train-images-idx3-ubyte.gz')) ready();
        });
      });
      expect(dirEntries(fresh).some((e) => e.startsWith('.tmp-fashion-mnist-'))).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('ticketscope: interrupted');
      expect(dirEntries(fresh)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('run trains on the imported set from --data-dir; a missing set is refused with the way to get it, storing nothing', () => {
    const db = join(tmp.dir, 'runs.db');
    // The lenet-fashion-mnist preset (which this also checks against the schema), made tiny.
    const sets = ['--set', 'iterations=40', '--set', 'evalEvery=20', '--set', 'validation=100'];
    const r = cli(['run', '--preset', 'lenet-fashion-mnist', ...sets, '--json', '--db', db, ...common]);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout).runs[0];
    expect(run).toMatchObject({ status: 'done', kind: 'dense' });
    expect(run.testAccuracy).toBeGreaterThan(0.2);
    const show = JSON.parse(cli(['show', run.runId, '--json', '--db', db, ...common]).stdout);
    expect(show.config.dataset).toBe('fashion-mnist');
    expect(show.normalisation).toEqual({ mean: expect.any(Number), std: expect.any(Number) });

    const empty = join(tmp.dir, 'no-data');
    const runsBefore = JSON.parse(cli(['list', '--json', '--db', db, ...common]).stdout).runs.length;
    const miss = cli(['run', '--preset', 'lenet-fashion-mnist', ...sets, '--db', db, '--data-dir', empty]);
    // Refused before anything is stored: exit 2, one line that says how to get the data.
    expect(miss.code).toBe(2);
    expect(miss.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(cli(['list', '--json', '--db', db, ...common]).stdout).runs).toHaveLength(runsBefore);
    expect(miss.stderr).toContain(`data set fashion-mnist not found in ${empty}; run \`ticketscope data fetch fashion-mnist\` or \`ticketscope data import fashion-mnist PATH\``);
  });
});

// Bad input to the CLI is refused with exit code 2 and one line on stderr, and nothing is created or changed:
// --db that is not a Ticketscope database, export --out that cannot be a file, a run whose data set or backend is
// missing, data list on a file, and serve options or listen addresses that cannot work.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageInstalled } from '../../src/main/core/preflight';
import { assertBuilt, cli, startServe, tempDir } from '../helpers/cli';

const tmp = tempDir('ticketscope-refusals-');
const d = (name: string) => join(tmp.dir, name);
beforeAll(() => assertBuilt());
afterAll(() => tmp.cleanup());

const hash = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** Runs the CLI and checks the refusal: exit 2, one line, nothing on stdout, no raw errno code. */
function refused(args: string[], pattern: RegExp): void {
  const r = cli(args);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^ticketscope: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]).not.toMatch(/\bE[A-Z]{3,}\b/);
  expect(r.stdout).toBe('');
}

describe('--db that is not a Ticketscope database', () => {
  it('a folder, a text file, a JSON file and another program\'s SQLite file: exit 2, untouched', () => {
    mkdirSync(d('folder.db'));
    writeFileSync(d('notes.db'), 'not a database at all\n');
    writeFileSync(d('config.json'), '{"version": 1}\n');
    const other = new Database(d('other.sqlite'));
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    other.close();
    const files = ['notes.db', 'config.json', 'other.sqlite'];
    const before = files.map((f) => hash(d(f)));
    const listing = readdirSync(tmp.dir).sort();
    refused(['list', '--db', d('folder.db')], /cannot open database .*folder\.db: not a file: it is a folder/);
    refused(['list', '--db', d('notes.db')], /cannot open database .*notes\.db: not an SQLite database/);
    refused(['show', 'r1', '--db', d('config.json')], /cannot open database .*config\.json: not an SQLite database/);
    refused(['list', '--db', d('other.sqlite')], /an SQLite database of another program/);
    refused(['list', '--db', join(d('notes.db'), 'inner.db')], /a part of the path is a file, not a folder/);
    expect(files.map((f) => hash(d(f)))).toEqual(before);
    expect(readdirSync(tmp.dir).sort()).toEqual(listing); // no -wal, -shm or new files
  });
});

describe('export --out that cannot be written', () => {
  it('a folder or a path in a missing folder: exit 2, one line, before the database is opened', () => {
    refused(['export', 'r123', '--out', tmp.dir, '--db', d('never.db')], /export --out .*: it is a folder$/);
    refused(['export', 'r123', '--out', d('missing/x.safetensors'), '--db', d('never.db')], /export --out .*: folder .*missing does not exist$/);
    expect(existsSync(d('never.db'))).toBe(false);
  });
});

describe('run that cannot start', () => {
  it('a data set that is not installed: exit 2, the command that installs it, nothing stored or created', () => {
    refused(
      ['run', '--preset', 'lenet-fashion-mnist', '--db', d('run.db'), '--data-dir', d('no-data')],
      /data set fashion-mnist not found in .*no-data; run `ticketscope data fetch fashion-mnist` or `ticketscope data import fashion-mnist PATH`/,
    );
    expect(existsSync(d('run.db'))).toBe(false);
  });

  it.skipIf(packageInstalled('@tensorflow/tfjs-node-gpu'))('a backend whose package is missing: exit 2, the npm command, nothing created', () => {
    refused(['run', '--preset', 'quick', '--backend', 'cuda', '--db', d('run.db')], /backend cuda is not available: @tensorflow\/tfjs-node-gpu is not installed; run `npm install @tensorflow\/tfjs-node-gpu`/);
    expect(existsSync(d('run.db'))).toBe(false);
  });
});

describe('data and serve options', () => {
  it('data list --data-dir FILE: exit 2', () => {
    writeFileSync(d('a-file'), 'x');
    refused(['data', 'list', '--data-dir', d('a-file')], /data folder .*a-file is not a folder/);
    refused(['data', 'fetch', 'mnist', '--data-dir', d('a-file')], /data folder .*a-file is not a folder/);
  });

  it('listen errors, and token and host options that cannot work: exit 2, one line', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const db = ['--db', d('serve.db')];
      refused(['serve', '--port', String(port), ...db], new RegExp(`cannot serve on 127\\.0\\.0\\.1:${port}: the port is in use`));
      refused(['serve', '--host', 'no-such-host.invalid', ...db], /cannot resolve the host name no-such-host\.invalid/);
      refused(['serve', '--host', '0.0.0.0', '--no-token', ...db], /--no-token is allowed only with a loopback --host/);
      refused(['serve', '--token', 'short', ...db], /--token needs at least 16 characters/);
      refused(['serve', '--allow-host', 'bad host!', ...db], /--allow-host "bad host!": expected a host name or an IP address/);
      refused(['serve', '--port', '-1', ...db], /--port -1: expected 0\.\.65535/);
    } finally {
      busy.close();
    }
  });

  it('serve --token uses the given token; --no-token on loopback prints a plain URL and a warning', async () => {
    const token = 'a-chosen-token-0123456789';
    const withToken = await startServe(['--db', d('t1.db'), '--token', token]);
    try {
      expect(withToken.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?token=${token}$`));
      const u = new URL(withToken.url);
      expect((await fetch(`${u.origin}/api/session`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(204);
    } finally {
      await withToken.stop();
    }
    const open = await startServe(['--db', d('t2.db'), '--no-token']);
    try {
      expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect((await fetch(`${open.url}api/session`)).status).toBe(204);
      await expect.poll(() => open.stderr()).toMatch(/warning: --no-token: any program or user on this machine can use this server/);
    } finally {
      await open.stop();
    }
  });
});

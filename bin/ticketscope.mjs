#!/usr/bin/env node
// Launcher for the `ticketscope` CLI. Ticketscope runs on Node 22 or newer (better-sqlite3 13). Started by an older
// Node (20 is what package.json's "engines" admits, so that `npx ticketscope` on Node 20 prints no npm engine
// warning), it runs itself again with the Node 22 that `npm install` put in node_modules (the `node` dev
// dependency), passing the exit status through. Ctrl+C reaches that child directly (same process group), so the
// launcher only waits for it; a SIGTERM sent to the launcher alone is passed on.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const bundled = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bundled)) {
    process.stderr.write(`ticketscope: needs Node 22 or newer (this is ${process.version}); run npm install in ${root} (it installs Node 22 there)\n`);
    process.exit(1);
  }
  const child = spawn(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // The child gets the terminal's signals itself and decides (a run cancels its jobs first); the launcher waits.
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('error', (err) => {
    process.stderr.write(`ticketscope: cannot start ${bundled}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
} else {
  const cli = join(root, 'out', 'main', 'cli.js');
  if (!existsSync(cli)) {
    process.stderr.write(`ticketscope: not built yet; run npm run build in ${root}\n`);
    process.exit(1);
  }
  const { main } = await import(pathToFileURL(cli).href);
  process.exitCode = await main(process.argv.slice(2));
}

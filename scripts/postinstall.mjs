// Runs after `npm install`. Electron is an optional dependency because its install script downloads the Electron
// binary, which some machines (CI sandboxes, offline labs) cannot reach. When that download fails npm drops the
// package; we then unpack the package itself from the npm registry (no binary) so that its type definitions and
// version are present for `electron-vite build` and the type checker. `npm start` needs the real binary: run
// `npm install` again (or `node node_modules/electron/install.js`) on a machine that can download it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const electronDir = join(root, 'node_modules', 'electron');

if (!existsSync(join(electronDir, 'package.json'))) {
  const version = pkg.optionalDependencies?.electron ?? pkg.devDependencies?.electron;
  const work = join(tmpdir(), `ticketscope-electron-${process.pid}`);
  try {
    mkdirSync(work, { recursive: true });
    execFileSync('npm', ['pack', `electron@${version}`, '--silent'], { cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack produced no tarball');
    mkdirSync(electronDir, { recursive: true });
    execFileSync('tar', ['xzf', join(work, tgz), '-C', electronDir, '--strip-components=1']);
    console.log(`ticketscope: Electron ${version} binary could not be downloaded; installed its package without the binary (build and tests work; \`npm start\` needs the binary).`);
  } catch (err) {
    console.warn(`ticketscope: could not unpack the electron package (${err.message}); electron-vite build may fail.`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

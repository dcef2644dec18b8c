#!/usr/bin/env node
// Builds one TypeScript benchmark script (vite's SSR build: dependencies left external) into out/bench/ and runs it
// with this Node, passing the remaining arguments: `node bench/run-ts.mjs bench/analysis.ts --quick`.
import { spawnSync } from 'node:child_process';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [file, ...args] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/run-ts.mjs FILE.ts [ARGS...]\n');
  process.exit(2);
}
const name = basename(file).replace(/\.ts$/, '');
const { build } = await import('vite');
await build({
  root,
  configFile: false,
  logLevel: 'warn',
  build: {
    ssr: resolve(file),
    outDir: join(root, 'out/bench', name),
    emptyOutDir: true,
    minify: false,
    rollupOptions: { output: { format: 'es', entryFileNames: `${name}.mjs` } },
  },
});
const r = spawnSync(process.execPath, [join(root, 'out/bench', name, `${name}.mjs`), ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);

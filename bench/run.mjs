#!/usr/bin/env node
// `npm run bench`: builds bench/bench.ts (vite's SSR build: TypeScript in, dependencies left external) into
// out/bench/bench.mjs, runs it, and, when a python3 with torch is found (PYTHON, python3, /usr/bin/python3),
// runs bench/reference.py (the same networks in PyTorch on the CPU, as many threads as cores) in the same invocation
// and prints the ratio Ticketscope/PyTorch per network. Arguments are passed to bench.ts (see its header), plus
// --no-reference (skip PyTorch). Needs Node 22 (npm run puts the project's node_modules/.bin/node first on PATH).
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
// bench.ts parses every option (src/main/cli/bench-options.ts) and ignores --no-reference, which is this runner's.
const noReference = args.includes('--no-reference');

if (Number(process.versions.node.split('.')[0]) < 22) {
  process.stderr.write(`bench: needs Node 22 or newer (this is ${process.version}); run it as \`npm run bench\`\n`);
  process.exit(2);
}

const { build } = await import('vite');
await build({
  root,
  configFile: false,
  logLevel: 'warn',
  build: {
    ssr: join(root, 'bench/bench.ts'),
    outDir: join(root, 'out/bench'),
    emptyOutDir: true,
    minify: false,
    rollupOptions: { output: { format: 'es', entryFileNames: 'bench.mjs' } },
  },
});

process.stderr.write('bench: Ticketscope (tfjs) ...\n');
const ts = spawnSync(process.execPath, [join(root, 'out/bench/bench.mjs'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
// Exit 2: bad usage, which bench.ts has explained in one line.
if (ts.status === 2) process.exit(2);
if (ts.status !== 0) {
  process.stderr.write(`bench: the Ticketscope benchmark failed (exit ${ts.status})\n`);
  process.exit(1);
}
const ours = JSON.parse(ts.stdout.trim().split('\n').pop());
// The options as bench.ts parsed them (its defaults included): the reference runs the same networks.
const nets = ours.options.nets.join(',');
const { seconds, inferBatch } = ours.options;

function findPython() {
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

let ref = null;
const python = noReference ? null : findPython();
if (python) {
  process.stderr.write(`bench: PyTorch reference (${python}) on ${nets} ...\n`);
  const r = spawnSync(python, [join(root, 'bench/reference.py'), '--nets', nets, '--seconds', String(seconds), '--infer-batch', String(inferBatch), '--threads', String(availableParallelism())], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status === 0) ref = JSON.parse(r.stdout.trim().split('\n').pop());
  else process.stderr.write(`bench: the PyTorch reference failed (exit ${r.status}); printing Ticketscope's figures only\n`);
} else if (!noReference) {
  process.stderr.write('bench: no python3 with torch found (apt-get install python3-torch); printing Ticketscope\'s figures only\n');
}

const pad = (s, n) => String(s).padEnd(n);
const num = (v, d = 1) => (v == null ? '-' : v.toFixed(d));
const lines = [];
lines.push(`Ticketscope benchmark: training batch ${ours.batch}, inference batch ${ours.inferBatch}; tfjs ${ours.tfjs}, Node ${process.versions.node}, ${availableParallelism()} cores`);
lines.push("train GFLOP/s = samples/s x 2 x (3 x forward MACs - the first layer's) per example (forward + weight gradients + input gradients but the first layer's)");
if (ref) lines.push(`PyTorch ${ref.torch} on the CPU, ${ref.threads} threads (bench/reference.py); ratio = Ticketscope / PyTorch`);
lines.push('');
lines.push(`${pad('network', 15)}${pad('backend', 12)}${pad('fwd MFLOP', 10)}${pad('train/s', 10)}${pad('GFLOP/s', 9)}${pad('infer/s', 10)}${ref ? `${pad('torch train/s', 15)}${pad('torch infer/s', 15)}${pad('train ratio', 13)}infer ratio` : ''}`);
for (const r of ours.results) {
  const t = ref?.results.find((x) => x.net === r.net);
  const row = (backend, train, gflops, infer) =>
    `${pad(r.net, 15)}${pad(backend, 12)}${pad(num((2 * r.macs) / 1e6, 0), 10)}${pad(num(train), 10)}${pad(num(gflops, 2), 9)}${pad(infer == null ? '-' : num(infer), 10)}` +
    (ref ? `${pad(num(t?.trainSamplesPerSec), 15)}${pad(num(t?.inferSamplesPerSec), 15)}${pad(t ? `${num(train / t.trainSamplesPerSec, 2)}x` : '-', 13)}${t && infer != null ? `${num(infer / t.inferSamplesPerSec, 2)}x` : '-'}` : '');
  lines.push(row(r.backend, r.trainSamplesPerSec, r.trainGflops, r.inferSamplesPerSec));
  if (r.parallel) {
    const p = r.parallel;
    lines.push(row(`${r.backend} x${p.workers}`, p.trainSamplesPerSec, (p.trainSamplesPerSec * 2 * r.trainMacs) / 1e9, null));
  }
}
if (ours.results.some((r) => r.parallel)) lines.push('', "'wasm xN': N independent runs in N worker threads (how Ticketscope uses the cores: seeds and controls run in parallel), summed samples/s");
process.stdout.write(`${lines.join('\n')}\n`);

// `npm test` runs this before the tests: the three type checks and lint (what `npm run typecheck` and `npm run lint`
// run one after another), as parallel processes. Each is single-threaded, so on a 2-core machine two at a time take
// about 20 s instead of 35 s. Each one's output is printed whole when it ends; the exit status is 1 if any failed.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const bin = (name) => join(import.meta.dirname, '..', 'node_modules', '.bin', name);
const CHECKS = [
  ['tsc (node)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']],
  ['tsc (web)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']],
  ['tsc (test-web)', bin('tsc'), ['-p', 'tsconfig.test-web.json', '--noEmit']],
  // The renderer's lint (the React Compiler's hook rules: most of lint's time) apart from the rest: `eslint .` in two.
  ['eslint (renderer)', bin('eslint'), ['--max-warnings', '0', 'src/renderer']],
  ['eslint (the rest)', bin('eslint'), ['--max-warnings', '0', '--ignore-pattern', 'src/renderer/**', '.']],
];

function run([label, cmd, args]) {
  const t0 = Date.now();
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => done({ label, ok: false, out: `${err.message}\n`, seconds: 0 }));
    child.on('close', (code) => done({ label, ok: code === 0, out, seconds: (Date.now() - t0) / 1000 }));
  });
}

const queue = [...CHECKS];
let failed = 0;
async function lane() {
  for (let c = queue.shift(); c; c = queue.shift()) {
    const r = await run(c);
    process.stdout.write(`${r.ok ? 'ok' : 'FAILED'}  ${r.label} (${r.seconds.toFixed(1)} s)\n${r.out}`);
    if (!r.ok) failed++;
  }
}
await Promise.all(Array.from({ length: Math.max(1, Math.min(availableParallelism(), CHECKS.length)) }, lane));
if (failed > 0) {
  process.stderr.write(`${failed} of ${CHECKS.length} checks failed\n`);
  process.exit(1);
}

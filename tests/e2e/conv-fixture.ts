// Shared by the e2e tests of the analysis views: a tiny Conv-2 IMP run (rounds 0 and 1, no controls) on the synthetic
// MNIST-shaped set, so the selectivity, activation-map and subcircuit views have real conv states to read (init,
// ticket at init, trained), and a LeNet-300-100 run of the same shape for the views whose parts do not depend on the
// layer type (the causal and detector views: ablation, faithfulness, pinned circuits, the dog report, feature
// visualisation, instability), where a Conv-2 made every analysis a minute of CPU; plus small helpers for their
// checks. Each run is trained once per test session with the CLI into a fixture database (convFixtureDb,
// lenetFixtureDb), which each test file's harness copies: the files do not train it again.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { LayerSelectivity, PoolSelectivity, StateInfo } from '../../src/shared/analysis';
import type { RunSummary, StartRunResult } from '../../src/shared/contract';
import { NODE, publishShot, ROOT, SHOTS, type Harness } from './harness';

export const CONV_OVERRIDES = [
  'arch=conv-2',
  'iterations=10',
  'evalEvery=10',
  'batchSize=30',
  'method.rounds=1',
  'method.controls=[]',
  'seeds=[0]',
  'synthetic={"train":400,"test":200}',
  'validation=100',
];

export const LENET_OVERRIDES = [
  'iterations=100',
  'evalEvery=50',
  'method.rounds=1',
  'method.controls=[]',
  'seeds=[0]',
  'synthetic={"train":600,"test":300}',
  'validation=100',
];

interface FixtureSpec {
  /** File name prefix and what messages call it. */
  name: string;
  arch: string;
  overrides: readonly string[];
}

const CONV: FixtureSpec = { name: 'conv2', arch: 'conv-2', overrides: CONV_OVERRIDES };
const LENET: FixtureSpec = { name: 'lenet', arch: 'lenet-300-100', overrides: LENET_OVERRIDES };

export interface ConvRun {
  runId: string;
  states: StateInfo[];
  /** RUN:ROUND:WHICH of this run. */
  ref: (round: number, which: StateInfo['which']) => string;
}

/** The fixture database with the conv-2 run (see fixtureDb). */
export const convFixtureDb = (timeoutMs = 180_000): Promise<string> => fixtureDb(CONV, timeoutMs);
/** The fixture database with the LeNet-300-100 run (see fixtureDb). */
export const lenetFixtureDb = (timeoutMs = 180_000): Promise<string> => fixtureDb(LENET, timeoutMs);

/**
 * A fixture database with its run, trained by `ticketscope run` on first use and reused afterwards (it is keyed by
 * the overrides and the preset, under test-results/fixtures, which a clean checkout does not have).
 */
async function fixtureDb(spec: FixtureSpec, timeoutMs: number): Promise<string> {
  const preset = readFileSync(join(ROOT, 'resources', 'presets', 'quick-imp.json'), 'utf8');
  const key = createHash('sha256').update(preset).update(JSON.stringify(spec.overrides)).digest('hex').slice(0, 12);
  const dir = join(ROOT, 'test-results', 'fixtures');
  const file = join(dir, `${spec.name}-${key}.db`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  // Test files run two at a time: the first to want the fixture trains it, holding a lock file created exclusively;
  // the others wait for the database to appear instead of training it again.
  const lock = join(dir, `${spec.name}-${key}.lock`);
  try {
    closeSync(openSync(lock, 'wx'));
  } catch {
    const t0 = Date.now();
    while (!existsSync(file)) {
      const held = existsSync(lock) ? Date.now() - statSync(lock).mtimeMs : -1;
      // The trainer failed and let go, or a killed session left its lock: try ourselves.
      if (held < 0 || held > 2 * timeoutMs) {
        rmSync(lock, { force: true });
        return fixtureDb(spec, timeoutMs);
      }
      if (Date.now() - t0 > timeoutMs) throw new Error(`waited over ${timeoutMs / 1000} s for ${lock}'s holder to train the ${spec.arch} fixture`);
      await new Promise((ok) => setTimeout(ok, 500));
    }
    return file;
  }
  try {
    return await trainFixture(spec, file, dir, key, timeoutMs);
  } finally {
    rmSync(lock, { force: true });
  }
}

async function trainFixture(spec: FixtureSpec, file: string, dir: string, key: string, timeoutMs: number): Promise<string> {
  const tmp = join(dir, `${spec.name}-${key}.${process.pid}.tmp.db`);
  const sets = spec.overrides.flatMap((o) => ['--set', o]);
  const args = ['bin/ticketscope.mjs', 'run', '--preset', 'quick-imp', ...sets, '--db', tmp, '--data-dir', join(dir, 'data'), '--backend', 'wasm', '--json'];
  const t0 = Date.now();
  let err = '';
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(NODE, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d) => (err += String(d)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the ${spec.arch} fixture run took over ${timeoutMs / 1000} s\n${err.slice(-2000)}`));
    }, timeoutMs);
    child.once('exit', (c) => {
      clearTimeout(timer);
      done(c);
    });
  });
  if (code !== 0) throw new Error(`the ${spec.arch} fixture run failed (exit ${code}):\n${err.slice(-2000)}`);
  // The CLI closed the database, which checkpoints the WAL into the main file; an unmerged WAL would be lost here.
  if (existsSync(`${tmp}-wal`) && statSync(`${tmp}-wal`).size > 0) throw new Error(`${tmp}: the WAL was not checkpointed`);
  for (const f of [`${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  renameSync(tmp, file);
  console.log(`${spec.arch} fixture trained in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return file;
}

/** The fixture's conv-2 run in the harness's database (started from convFixtureDb) and its states. */
export const trainConvRun = (h: Harness, timeoutMs = 120_000): Promise<ConvRun> => fixtureRun(h, CONV, timeoutMs);
/** The fixture's LeNet-300-100 run in the harness's database (started from lenetFixtureDb) and its states. */
export const trainLenetRun = (h: Harness, timeoutMs = 120_000): Promise<ConvRun> => fixtureRun(h, LENET, timeoutMs);

/** A fixture's run in the harness's database and its states; trains the run through the contract when it has none. */
async function fixtureRun(h: Harness, spec: FixtureSpec, timeoutMs: number): Promise<ConvRun> {
  const existing = (await h.call<RunSummary[]>('listRuns', {})).find((r) => r.arch === spec.arch && r.kind === 'imp' && r.status === 'done');
  if (existing) {
    const states = await h.call<StateInfo[]>('listStates', { runId: existing.runId });
    return { runId: existing.runId, states, ref: (round, which) => `${existing.runId}:${round}:${which}` };
  }
  const t0 = Date.now();
  const started = await h.call<StartRunResult>('startRun', { preset: 'quick-imp', overrides: spec.overrides });
  const runId = started.runIds[0]!;
  for (;;) {
    const run = (await h.call<RunSummary[]>('listRuns', {})).find((r) => r.runId === runId);
    if (run && ['done', 'failed', 'cancelled'].includes(run.status)) {
      if (run.status !== 'done') throw new Error(`${spec.arch} run ${run.status}: ${run.error}\n${h.log()}`);
      break;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`${spec.arch} run not done in ${timeoutMs / 1000} s\n${h.log()}`);
    await new Promise((r) => setTimeout(r, 400));
  }
  console.log(`${spec.arch} fixture trained in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const states = await h.call<StateInfo[]>('listStates', { runId });
  return { runId, states, ref: (round, which) => `${runId}:${round}:${which}` };
}

export const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height of a PNG from its IHDR chunk. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  if (![...bytes.subarray(0, 8)].every((b, i) => b === PNG_MAGIC[i])) throw new Error('not a PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/**
 * Screenshot into test-results/e2e (copied to docs/screenshots/<docs> when `docs` names one and
 * TICKETSCOPE_UPDATE_DOCS_SHOTS=1); `hover` keeps the pointer.
 */
export async function shot(page: Page, name: string, docs?: string, hover = false): Promise<void> {
  if (!hover) await page.mouse.move(1, 1);
  const path = join(SHOTS, name);
  await page.screenshot({ path });
  if (docs) publishShot(path, join('screenshots', docs));
}

/** Scrolls the view (its .main container) so the element `selector` names is at the top. */
export async function scrollTo(page: Page, selector: string): Promise<void> {
  await page.locator(selector).first().evaluate((el: unknown) => (el as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'start' }));
}

/** Scrolls the view back to its top. */
export async function scrollTop(page: Page): Promise<void> {
  await page.locator('main').first().evaluate((el: unknown) => (el as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
}

/** Pixel size of a canvas (its width and height attributes). */
export async function canvasSize(page: Page, testId: string): Promise<[number, number]> {
  const c = page.getByTestId(testId);
  return [Number(await c.getAttribute('width')), Number(await c.getAttribute('height'))];
}

// Independent re-statements of what the views show, to check them against the contract's numbers.

/** A value as the views print it: 3 significant digits, exponent when |v| < 1e-3 or ≥ 1e5. */
export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(2).replace('e+', 'e');
  return String(+v.toPrecision(3));
}

/** Units per AUROC bin of width 0.025: bin k holds [k·0.025, (k+1)·0.025), the last one also 1. */
export function aurocBins(auroc: number[]): number[] {
  const thresholds = Array.from({ length: 39 }, (_, j) => (j + 1) * 0.025);
  const out = new Array<number>(40).fill(0);
  for (const a of auroc) if (Number.isFinite(a)) out[thresholds.filter((t) => t <= a).length]!++;
  return out;
}

/** The pool a layer is shown with: dense layers' only pool, conv layers' chosen pooling. */
export function shownPool(layer: LayerSelectivity, pooling: 'mean' | 'max'): PoolSelectivity {
  return (layer.kind === 'dense' ? layer.pools[0] : layer.pools.find((p) => p.pooling === pooling))!;
}

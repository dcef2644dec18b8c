// End to end: the address is the app's state. Walks hash changes across every view (runs, builder, lottery, overlap,
// selectivity, activation maps, subcircuit, multigraph), with and without a selection made in the view before leaving
// it, forward and back through the history, and checks after each step that no page error was raised, the view shown
// is the one the hash names, and what it shows is what the hash names: a run, a preset, an experiment, a state. An
// address that names something the database does not hold gets a notice saying what is shown instead (issue #15).
// The database: the e2e tests' Conv-2 IMP fixture (the oldest run), then a tiny dense LeNet run and a tiny LeNet IMP
// run trained here through the contract, so the analysis views' default (the newest run with a ticket at init) is
// not the oldest run, and the Runs view has three runs to move between.
import type { Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StateInfo } from '../../src/shared/analysis';
import type { RunSummary, StartRunResult } from '../../src/shared/contract';
import { convFixtureDb, shot, trainConvRun, type ConvRun } from './conv-fixture';
import type { Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];
let conv: ConvRun;
let dense = '';
let lenet = '';
let lenetExperiment = '';

const TINY = ['iterations=20', 'evalEvery=10', 'synthetic={"train":600,"test":300}', 'validation=100', 'seeds=[0]'];

async function train(preset: string, overrides: string[]): Promise<RunSummary> {
  const { runIds } = await h.call<StartRunResult>('startRun', { preset, overrides: [...TINY, ...overrides] });
  for (let i = 0; ; i++) {
    const run = (await h.call<RunSummary[]>('listRuns', {})).find((r) => r.runId === runIds[0]);
    if (run && ['done', 'failed', 'cancelled'].includes(run.status)) {
      if (run.status !== 'done') throw new Error(`${preset} run ${run.status}: ${run.error}\n${h.log()}`);
      return run;
    }
    if (i > 600) throw new Error(`${preset} run not done\n${h.log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The hash as the address bar shows it, decoded. */
const hash = () => decodeURIComponent(new URL(page.url()).hash);
/** The page's globals this file uses (the tests compile without the DOM's types). */
interface PageGlobals {
  location: { hash: string };
  requestAnimationFrame(cb: () => void): number;
}
/** Changes the hash as a user editing the address would (no reload), then lets React settle for two frames. */
async function go(to: string): Promise<void> {
  await page.evaluate((t) => {
    (globalThis as unknown as PageGlobals).location.hash = t;
  }, to);
  await settle();
}
const settle = () =>
  page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return new Promise<void>((done) => g.requestAnimationFrame(() => g.requestAnimationFrame(() => done())));
  });
const viewIs = (view: string) => page.waitForSelector(`#root[data-view="${view}"] [data-testid="view-${view}"]`, { timeout: 30_000 });
const notice = async () => (await page.locator('[data-testid="route-notice"] > span').innerText()).trim();

/** The view and its argument named by the current hash match what is shown; no page error so far. */
async function check(view: string): Promise<void> {
  await viewIs(view);
  await settle();
  expect(await page.locator('#root').getAttribute('data-view')).toBe(view);
  expect((await hash()).split('/')[1] ?? 'runs').toBe(view);
  expect(errors).toEqual([]);
}

async function runShown(runId: string): Promise<void> {
  await page.waitForSelector(`[data-testid="run-panel"][data-run-id="${runId}"]`, { timeout: 30_000 });
  await check('runs');
  expect(await hash()).toBe(`#/runs/${runId}`);
}

useHarness((s) => ({ h, page, errors } = s), { db: convFixtureDb, timeoutMs: 300_000 });

beforeAll(async () => {
  conv = await trainConvRun(h);
  dense = (await train('quick', [])).runId;
  const imp = await train('quick-imp', ['method.rounds=1', 'method.controls=[]']);
  lenet = imp.runId;
  lenetExperiment = imp.experimentId;
  await page.goto(`${h.url}#/runs/${conv.runId}`);
  await page.waitForSelector('#root[data-app-state="ready"]');
});

// A failed step leaves its page as it was, and says which errors the page raised.
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  console.log(`route walk failed at ${page.url()}; page errors: ${JSON.stringify(errors)}`);
  await shot(page, `route-walk-failed-${ctx.task.name.slice(0, 24).replace(/\W+/g, '-')}.png`);
});

describe('hash routes across every view', () => {
  it('overlays B on the subcircuit, then a hash to another run: that run, no update-depth loop (issue #15)', async () => {
    await go(`#/subcircuit/${conv.runId}.1.trained`);
    await page.waitForSelector(`[data-testid="view-subcircuit"][data-a="${conv.ref(1, 'trained')}"]`);
    await page.getByTestId('sub-state-b').selectOption(conv.ref(0, 'init'));
    await page.waitForSelector(`[data-testid="view-subcircuit"][data-b="${conv.ref(0, 'init')}"]`);
    await check('subcircuit');
    await go(`#/runs/${dense}`);
    await runShown(dense);
    // And once more between two runs of the Runs view, by the address and by a click.
    await go(`#/runs/${lenet}`);
    await runShown(lenet);
    await page.locator(`[data-testid="run-item"][data-run-id="${conv.runId}"]`).click();
    await runShown(conv.runId);
    await go(`#/runs/${dense}`);
    await runShown(dense);
    await shot(page, 'route-walk-runs.png');
  });

  it('a run the database does not hold: a notice, and the newest run shown', async () => {
    await go('#/runs/nosuchrun');
    await runShown(lenet);
    expect(await page.getByTestId('info-banner').innerText()).toContain(`Run nosuchrun is not in this database; showing the newest run, ${lenet}, instead.`);
    // The bare Runs view keeps the selection in its address.
    await go('#/builder');
    await check('builder');
    await go('#/runs');
    await runShown(lenet);
  });

  it('builder, lottery and multigraph follow their address', async () => {
    await go('#/builder/quick-imp');
    await check('builder');
    expect(await page.getByTestId('builder-preset').inputValue()).toBe('quick-imp');
    await go('#/builder/lenet-mnist-imp');
    await check('builder');
    expect(await page.getByTestId('builder-preset').inputValue()).toBe('lenet-mnist-imp');
    await go('#/builder/nosuchpreset');
    await check('builder');
    expect(await notice()).toContain('There is no preset “nosuchpreset”; showing the “quick” preset instead.');
    await go(`#/lottery/${lenetExperiment}`);
    await page.waitForSelector(`[data-testid="view-lottery"][data-experiment-id="${lenetExperiment}"]`);
    await check('lottery');
    await go('#/lottery/enosuchexperiment');
    await check('lottery');
    expect(await notice()).toMatch(/^Experiment enosuchexperiment is not in this database; showing .+ instead\.$/);
    await go('#/multigraph');
    await check('multigraph');
  });

  it('analysis views open on the newest run with a ticket at init, not the oldest run', async () => {
    const states = await h.call<StateInfo[]>('listStates', { runId: lenet });
    const cmp = ['0:init', '1:ticket-at-init', '1:trained', '0:trained'].map((s) => `${lenet}:${s}`);
    expect(cmp.every((r) => states.some((s) => s.ref === r))).toBe(true);
    await go('#/selectivity');
    await page.waitForSelector(`[data-testid="view-selectivity"][data-states="${cmp.join(' ')}"]`);
    await check('selectivity');
    await go('#/activations');
    await page.waitForSelector(`[data-testid="view-activations"][data-states="${cmp.join(' ')}"]`);
    await check('activations');
    await go('#/subcircuit');
    await page.waitForSelector(`[data-testid="view-subcircuit"][data-a="${lenet}:1:trained"][data-b="${lenet}:1:ticket-at-init"]`);
    await check('subcircuit');
    await go('#/overlap');
    await page.waitForSelector(`[data-testid="view-overlap"][data-a^="${lenet}:"]`);
    await check('overlap');
  });

  it('analysis views open the state or run the address names, also when it changes on the view', async () => {
    await go(`#/overlap/${conv.runId}.1.mask`);
    await page.waitForSelector(`[data-testid="view-overlap"][data-a="${conv.ref(1, 'mask')}"]`);
    await check('overlap');
    expect(await hash()).toBe(`#/overlap/${conv.ref(1, 'mask')}`);
    // A selection in the view (B), then the address names the other run.
    await page.getByTestId('overlap-b').selectOption(`${lenet}:1:mask`);
    await page.waitForSelector(`[data-testid="view-overlap"][data-b="${lenet}:1:mask"]`);
    await go(`#/overlap/${lenet}.1.trained`);
    await page.waitForSelector(`[data-testid="view-overlap"][data-a="${lenet}:1:trained"]`);
    await check('overlap');

    await go(`#/selectivity/${conv.runId}.1.trained`);
    await page.waitForSelector(`[data-testid="view-selectivity"][data-states*="${conv.ref(1, 'trained')}"]`);
    await check('selectivity');
    await page.getByTestId('sel-class').selectOption('3');
    await page.waitForSelector('[data-testid="view-selectivity"][data-class="3"]');
    await go(`#/selectivity/${lenet}`);
    await page.waitForSelector(`[data-testid="view-selectivity"][data-states^="${lenet}:0:init"]`);
    await check('selectivity');

    await go(`#/activations/${conv.runId}.1.trained.conv1.0.5`);
    await page.waitForSelector(`[data-testid="view-activations"][data-states*="${conv.ref(1, 'trained')}"]`);
    await check('activations');
    await go(`#/activations/${lenet}.1.trained.fc1.3.5`);
    await page.waitForSelector(`[data-testid="view-activations"][data-states*="${lenet}:1:trained"]`);
    await check('activations');

    await go(`#/subcircuit/${lenet}`);
    await page.waitForSelector(`[data-testid="view-subcircuit"][data-a="${lenet}:1:trained"]`);
    await check('subcircuit');
    await go(`#/subcircuit/${conv.runId}.0.trained`);
    await page.waitForSelector(`[data-testid="view-subcircuit"][data-a="${conv.ref(0, 'trained')}"]`);
    await check('subcircuit');
  });

  it('an address naming nothing stored: a notice saying what is shown instead', async () => {
    await go('#/selectivity/nosuchrun');
    await check('selectivity');
    expect(await notice()).toMatch(/^Run nosuchrun is not in this database; showing .+ instead\.$/);
    await shot(page, 'route-walk-notice.png');
    await go(`#/activations/${conv.runId}.7.trained`);
    await check('activations');
    expect(await notice()).toContain(`State ${conv.ref(7, 'trained')} is not stored; showing`);
    await go(`#/subcircuit/${conv.runId}.1.mask`);
    await check('subcircuit');
    expect(await notice()).toContain('is a mask without weights, which this view cannot analyse');
    await go('#/overlap/nosuchrun');
    await check('overlap');
    expect(await notice()).toMatch(/^Run nosuchrun is not in this database; showing .+ instead\.$/);
    await go('#/nosuchview/x');
    await page.waitForSelector('[data-testid="info-banner"]:has-text("There is no view “nosuchview”; showing the Runs view instead.")');
    await page.waitForSelector('[data-testid="run-panel"]');
    await check('runs');
  });

  it('back and forward through the history land on the views and runs the addresses name', async () => {
    await go(`#/runs/${conv.runId}`);
    await runShown(conv.runId);
    await go(`#/subcircuit/${conv.runId}.1.trained`);
    await page.waitForSelector(`[data-testid="view-subcircuit"][data-a="${conv.ref(1, 'trained')}"]`);
    await page.getByTestId('sub-state-b').selectOption(`${conv.ref(1, 'ticket-at-init')}`);
    await go(`#/runs/${dense}`);
    await runShown(dense);
    await page.goBack();
    await page.waitForSelector(`[data-testid="view-subcircuit"][data-a="${conv.ref(1, 'trained')}"]`);
    await check('subcircuit');
    await page.goBack();
    await runShown(conv.runId);
    await page.goForward();
    await check('subcircuit');
    await page.goForward();
    await runShown(dense);
    expect(errors).toEqual([]);
  });
});

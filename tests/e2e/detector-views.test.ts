// End to end, in Chromium against `ticketscope serve`: the parts of issue #13 in the views. The Activation view shows
// feature visualisations of one hidden unit of the LeNet-300-100 fixture (conv-fixture.ts; the conv views have their
// own e2e tests) in four states side by side (the random init, the ticket at init, a class-specific supermask on
// frozen random weights, the trained ticket), each with the unit's output on its image beside its output on its top
// dataset image; the Selectivity view compares the supermask with the same weights unmasked, under a random mask of
// the same densities and a trained net; the lottery plot's instability panel shows the error barrier per round
// against the 2% criterion. Numbers checked against the contract's (cached) answers. Screenshots in test-results/e2e
// (docs/screenshots/feature-visualisation.png, selectivity-supermask.png and instability-panel.png with
// TICKETSCOPE_UPDATE_DOCS_SHOTS=1).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SelectivityResult, StateInfo } from '../../src/shared/analysis';
import type { RunSummary, StartRunResult } from '../../src/shared/contract';
import type { InstabilityAnalysisResult, VisualizeAnalysisResult } from '../../src/shared/detector';
import { LENET_OVERRIDES, fmtValue, lenetFixtureDb, scrollTo, shot, shownPool, trainLenetRun, type ConvRun } from './conv-fixture';
import type { Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];
let run: ConvRun;
let smRef = '';
let unit = 0;
/** The layer whose unit is visualised. */
const LAYER = 'fc1';

async function waitDone(runId: string, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const r = (await h.call<RunSummary[]>('listRuns', {})).find((x) => x.runId === runId);
    if (r?.status === 'done') return;
    if (r && ['failed', 'cancelled'].includes(r.status)) throw new Error(`run ${runId} ${r.status}: ${r.error}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`run ${runId} not done\n${h.log()}`);
    await new Promise((ok) => setTimeout(ok, 400));
  }
}

useHarness((s) => ({ h, page, errors } = s), { db: lenetFixtureDb, timeoutMs: 300_000 });

beforeAll(async () => {
  run = await trainLenetRun(h);
  // A class-specific (one-vs-rest, class 5) edge-popup supermask on a frozen random LeNet-300-100, same data.
  const sets = LENET_OVERRIDES.filter((o) => !o.startsWith('method.'));
  const sm = await h.call<StartRunResult>('startRun', { preset: 'quick-class-supermask', overrides: sets });
  await waitDone(sm.runIds[0]!);
  smRef = `${sm.runIds[0]}:0:trained`;
  const sel = await h.call<SelectivityResult>('analyzeSelectivity', { states: [run.ref(1, 'trained')], class: 5, permutations: 0, probe: false, limit: 100 });
  unit = shownPool(sel.states[0]!.layers.find((l) => l.layer === LAYER)!, 'max').best.unit;
}, 300_000);

describe('feature visualisations in the Activation view', () => {
  it('shows the unit’s visualisation in init, ticket-at-init, supermask and trained side by side', async () => {
    const states = [run.ref(0, 'init'), run.ref(1, 'ticket-at-init'), smRef, run.ref(1, 'trained')];
    await page.goto(`${h.url}#/activations/${run.runId}.1.trained.${LAYER}.${unit}.5`);
    await page.waitForSelector('[data-testid="view-activations"][data-ready="true"]', { timeout: 180_000 });
    await page.selectOption('[data-testid="act-states-2"]', smRef);
    await page.selectOption('[data-testid="act-states-3"]', run.ref(1, 'trained'));
    await page.waitForSelector(`[data-testid="view-activations"][data-ready="true"][data-states="${states.join(' ')}"]`, { timeout: 180_000 });
    const label = (await h.call<StateInfo[]>('listStates', {})).find((s) => s.ref === smRef)!.label;
    expect(label).toContain('5-vs-rest');
    const steps = page.getByTestId('fv-steps');
    await steps.fill('32');
    await steps.press('Enter');
    await page.getByTestId('fv-toggle').check();
    await page.getByTestId('fv-card').nth(3).waitFor({ timeout: 180_000 });
    const cards = page.getByTestId('fv-card');
    expect(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).toEqual(states);
    for (const [i, ref] of states.entries()) {
      const v = await h.call<VisualizeAnalysisResult>('analyzeVisualize', { state: ref, layer: LAYER, unit, steps: 32 });
      expect(v.meta.cached).toBe(true);
      expect(await cards.nth(i).getByTestId('fv-output').innerText()).toContain(`unit output ${fmtValue(v.final.activationMax)}`);
      // The image is not flat: the optimisation drew something.
      const px = Buffer.from(v.image.rgba, 'base64');
      expect(Math.max(...px.filter((_, k) => k % 4 === 0)) - Math.min(...px.filter((_, k) => k % 4 === 0))).toBeGreaterThan(20);
    }
    expect(await cards.nth(2).innerText()).toContain('5-vs-rest');
    expect(await cards.nth(0).innerText()).toMatch(/top dataset image/);
    await scrollTo(page, '[data-testid="fv-section"]');
    await shot(page, 'feature-visualisation.png', 'feature-visualisation.png');
    expect(errors).toEqual([]);
  }, 300_000);
});

describe('selectivity comparison of a class-specific supermask', () => {
  it('opens on its unmasked init, its initial random mask, the supermask and a trained net; the numbers are the core’s', async () => {
    const smRun = smRef.split(':')[0]!;
    // comparisonStates (view-args.ts): RUN:0:dense-init, RUN:0:init (same per-layer densities), the supermask, and
    // the newest trained network of the same architecture and data set (the IMP run's round 0).
    const expected = [`${smRun}:0:dense-init`, `${smRun}:0:init`, smRef, run.ref(0, 'trained')];
    await page.goto(`${h.url}#/selectivity/${smRun}`);
    await page.waitForSelector(`[data-testid="view-selectivity"][data-ready="true"][data-states="${expected.join(' ')}"]`, { timeout: 180_000 });
    expect(await page.getByTestId('sel-compare-run').innerText()).toContain('unmasked init / random mask / supermask / trained');
    // The view's request (class 5, its defaults), answered from the cache.
    const direct = await h.call<SelectivityResult>('analyzeSelectivity', { states: expected, class: 5, threshold: 0.9, permutations: 20, split: 'test' });
    expect(direct.meta.cached).toBe(true);
    expect(direct.states[0]!.state.density).toBe(1);
    // Legend: the one-vs-rest states show their objective's metric (balanced accuracy of "logit 5 > 0", chance 50%),
    // not a 10-way accuracy; the trained net its test accuracy.
    const legend = page.locator('[data-testid="sel-legend-item"]');
    expect(await legend.count()).toBe(4);
    for (const [i, s] of direct.states.entries()) {
      const text = (await legend.nth(i).textContent()) ?? '';
      expect(text).toContain(s.state.label);
      if (i < 3) {
        expect(s.objectiveAccuracy).toEqual(expect.any(Number));
        expect(text).toContain(`bal. acc. 5 vs rest ${(s.objectiveAccuracy! * 100).toFixed(2)}% (one-vs-rest, chance 50%)`);
        expect(text).not.toContain('test acc.');
      } else expect(text).toContain(`test acc. ${(s.accuracy * 100).toFixed(2)}%`);
    }
    // Every best unit in the chart and every AUROC and detector count in the table is the core's.
    for (const s of direct.states) {
      for (const l of s.layers) {
        const pool = shownPool(l, 'max');
        const best = page.locator(`[data-testid="sel-best"][data-state="${s.state.ref}"][data-layer="${l.layer}"]`);
        expect(Number(await best.getAttribute('data-unit'))).toBe(pool.best.unit);
        expect(Number(await best.getAttribute('data-auroc'))).toBe(pool.best.auroc);
        const row = page.locator(`[data-testid="sel-row"][data-state="${s.state.ref}"][data-layer="${l.layer}"]`);
        expect(await row.getByTestId('sel-cell-auroc').innerText()).toBe(pool.best.auroc.toFixed(3));
        expect(await row.getByTestId('sel-cell-detectors').innerText()).toBe(String(pool.detectors));
      }
    }
    await shot(page, 'selectivity-supermask.png', 'selectivity-supermask.png');
    expect(errors).toEqual([]);
  }, 300_000);
});

describe('instability panel of the lottery plot', () => {
  it('plots the error barrier of each pruned round beside the 2% criterion', async () => {
    const exp = (await h.call<RunSummary[]>('listRuns', {})).find((r) => r.runId === run.runId)!.experimentId;
    await page.goto(`${h.url}#/lottery/${exp}`);
    await page.waitForSelector('[data-testid="view-lottery"][data-loading="false"]', { timeout: 60_000 });
    const points = page.getByTestId('instability-points');
    await points.fill('5');
    await points.press('Enter');
    await page.getByTestId('instability-toggle').check();
    await page.getByTestId('instability-chart').waitFor({ timeout: 180_000 });
    const r = await h.call<InstabilityAnalysisResult>('analyzeInstability', { run: run.runId, round: 1, points: 5 });
    expect(r.meta.cached).toBe(true);
    expect(r.points).toHaveLength(5);
    const shown = await page.getByTestId('instability-point').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-barrier'))));
    expect(shown).toEqual([Number((r.barrier * 100).toFixed(4))]);
    expect(await page.getByTestId('instability-stable-line').count()).toBe(1);
    await scrollTo(page, '[data-testid="instability-panel"]');
    await shot(page, 'instability-panel.png', 'instability-panel.png');
    expect(errors).toEqual([]);
  }, 300_000);
});

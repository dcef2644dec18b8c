// End to end, in Chromium against `ticketscope serve`: the parts of issue #13 in the views. The Activation view shows
// feature visualisations of one conv-2 unit in four states side by side (the random init, the ticket at init, a
// class-specific supermask on frozen random weights, the trained ticket), each with the unit's output on its image
// beside its output on its top dataset image; the lottery plot's instability panel shows the error barrier per round
// against the 2% criterion. Numbers checked against the contract's (cached) answers. Screenshots in test-results/e2e
// (docs/screenshots/feature-visualisation.png and instability-panel.png with TICKETSCOPE_UPDATE_DOCS_SHOTS=1).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SelectivityResult, StateInfo } from '../../src/shared/analysis';
import type { RunSummary, StartRunResult } from '../../src/shared/contract';
import type { InstabilityAnalysisResult, VisualizeAnalysisResult } from '../../src/shared/detector';
import { CONV_OVERRIDES, convFixtureDb, fmtValue, scrollTo, shot, trainConvRun, type ConvRun } from './conv-fixture';
import type { Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];
let run: ConvRun;
let smRef = '';
let unit = 0;

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

useHarness((s) => ({ h, page, errors } = s), { db: convFixtureDb, timeoutMs: 300_000 });

beforeAll(async () => {
  run = await trainConvRun(h);
  // A class-specific (one-vs-rest, class 5) edge-popup supermask on a frozen random Conv-2, same data.
  const sets = CONV_OVERRIDES.filter((o) => !o.startsWith('method.'));
  const sm = await h.call<StartRunResult>('startRun', { preset: 'quick-class-supermask', overrides: sets });
  await waitDone(sm.runIds[0]!);
  smRef = `${sm.runIds[0]}:0:trained`;
  const sel = await h.call<SelectivityResult>('analyzeSelectivity', { states: [run.ref(1, 'trained')], class: 5, permutations: 0, probe: false, limit: 100 });
  unit = sel.states[0]!.layers.find((l) => l.layer === 'conv2')!.pools.find((p) => p.pooling === 'max')!.best.unit;
}, 300_000);

describe('feature visualisations in the Activation view', () => {
  it('shows the unit’s visualisation in init, ticket-at-init, supermask and trained side by side', async () => {
    const states = [run.ref(0, 'init'), run.ref(1, 'ticket-at-init'), smRef, run.ref(1, 'trained')];
    await page.goto(`${h.url}#/activations/${run.runId}.1.trained.conv2.${unit}.5`);
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
      const v = await h.call<VisualizeAnalysisResult>('analyzeVisualize', { state: ref, layer: 'conv2', unit, steps: 32 });
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

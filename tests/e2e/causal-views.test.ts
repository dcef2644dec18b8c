// End to end, in Chromium against `ticketscope serve` with the real engine, on the tiny Conv-2 IMP run of the other
// view tests: the Selectivity view's per-unit ablation (scatter of AUROC against the class-logit drop, one point per
// unit and state, the core's numbers) and the Subcircuit view's faithfulness curves and the score of the circuit on
// screen. Screenshots in test-results/e2e (docs/screenshots/{ablation,faithfulness}.png with
// TICKETSCOPE_UPDATE_DOCS_SHOTS=1).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CircuitScoreResult, FaithfulnessResult, LayerScanResult } from '../../src/shared/causal';
import type { DogReport } from '../../src/shared/dog-report';
import { convFixtureDb, scrollTo, shot, trainConvRun, type ConvRun } from './conv-fixture';
import type { Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];
let run: ConvRun;

useHarness((s) => ({ h, page, errors } = s), { db: convFixtureDb, timeoutMs: 300_000 });

beforeAll(async () => {
  run = await trainConvRun(h);
}, 300_000);

describe('causal view parts', () => {
  it('Selectivity: ablating every unit of a layer gives a point per unit and state with the core’s drop', async () => {
    await page.goto(`${h.url}#/selectivity/${run.runId}`);
    await page.waitForSelector('[data-testid="view-selectivity"][data-ready="true"]', { timeout: 120_000 });
    const states = (await page.getByTestId('view-selectivity').getAttribute('data-states'))!.split(' ');
    await page.getByTestId('abl-run').click();
    await page.waitForSelector('[data-testid="abl-scatter"]', { timeout: 240_000 });
    const layer = await page.getByTestId('abl-layer').inputValue();
    expect(layer).toBe('fc2');
    const scan = await h.call<LayerScanResult>('analyzeAblationScan', { state: states[2], class: 5, layer });
    expect(scan.meta.cached).toBe(true);
    expect(await page.locator('[data-testid="abl-scatter"] [data-testid="abl-point"]').count()).toBe(states.length * scan.units.length);
    // The table's rows for the third state (trained ticket) carry the scan's drops.
    const rows = await page.locator('[data-testid="abl-row"]').allInnerTexts();
    const third = rows.filter((r) => r.includes(scan.state.label));
    expect(third.length).toBe(5);
    for (const r of third) {
      const unit = Number(/#(\d+)/.exec(r)![1]);
      expect(r).toContain(scan.units[unit]!.targetLogitDrop.toFixed(3));
    }
    await scrollTo(page, '[data-testid="abl-section"]');
    await shot(page, 'selectivity-ablation.png', 'ablation.png');
    expect(errors).toEqual([]);
  }, 300_000);

  it('Subcircuit: faithfulness curves of A and B from 0 to 1; the circuit on screen is scored as the core scores it', async () => {
    await page.goto(`${h.url}#/subcircuit/${run.runId}`);
    await page.waitForSelector('[data-testid="view-subcircuit"][data-ready="true"]', { timeout: 120_000 });
    const A = (await page.getByTestId('view-subcircuit').getAttribute('data-a'))!;
    // Minutes on a loaded 2-core machine: the edge ranking's gradients and two passes per point, for two states.
    await page.waitForSelector('[data-testid="faith-chart"]', { timeout: 540_000 });
    await page.waitForSelector('[data-testid="faith-shown-f"]', { timeout: 540_000 });
    const curve = await h.call<FaithfulnessResult>('analyzeFaithfulness', { state: A, class: 5 });
    expect(curve.meta.cached).toBe(true);
    expect(curve.points[0]).toMatchObject({ fraction: 0, faithfulness: 0, completeness: 1 });
    expect(curve.points.at(-1)).toMatchObject({ fraction: 1, faithfulness: 1, completeness: 0 });
    const curves = await page.locator('[data-testid="faith-curve"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(curves[0]).toBe(A);
    const shown = await page.getByTestId('faith-shown-f').innerText();
    const text = await page.getByTestId('faith-shown').innerText();
    const k = Number(/The (\d+) connections/.exec(text)![1]);
    expect(k).toBeGreaterThan(0);
    const sub = await h.call<{ circuits: { layers: { name: string }[]; edges: { layer: number; from: number; to: number }[] }[] }>('analyzeSubcircuit', { state: A, class: 5 });
    const c = sub.circuits[0]!;
    const circuit = { connections: c.edges.slice(0, k).map((e) => ({ layer: c.layers[e.layer + 1]!.name, from: e.from, to: e.to })) };
    const score = await h.call<CircuitScoreResult>('analyzeCircuit', { state: A, class: 5, circuit });
    expect(score.meta.cached).toBe(true);
    expect(shown).toBe(score.faithfulness!.toFixed(3));
    await scrollTo(page, '[data-testid="faith-section"]');
    await shot(page, 'subcircuit-faithfulness.png', 'faithfulness.png');
    expect(errors).toEqual([]);
  }, 600_000);

  it('Dog report: the verdict and the stages of the experiment, the core’s numbers, charts as images', async () => {
    const states = await h.call<{ experimentName: string; runId: string }[]>('listStates', { runId: run.runId });
    const experiments = await h.call<{ experimentId: string; name: string }[]>('listExperiments', {});
    const exp = experiments.find((e) => e.name === states[0]!.experimentName)!;
    await page.goto(`${h.url}#/report/${exp.experimentId}`);
    await page.waitForSelector('[data-testid="rep-run"]', { timeout: 60_000 });
    await page.getByTestId('rep-permutations').fill('19');
    await page.getByTestId('rep-permutations').press('Enter');
    await page.getByTestId('rep-run').click();
    await page.waitForSelector('[data-testid="view-report"][data-ready="true"]', { timeout: 580_000 });
    const direct = await h.call<DogReport>('reportDog', { experimentId: exp.experimentId, class: 5, permutations: 19 });
    const verdict = await page.locator('[data-testid="rep-verdict"] li').allInnerTexts();
    expect(verdict).toEqual(direct.verdict);
    const stages = await page.locator('[data-testid="rep-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')));
    expect(stages).toEqual(direct.stages.map((s) => s.stage));
    expect(await page.locator('[data-testid="rep-charts"] img').count()).toBe(3);
    await shot(page, 'dog-report.png', 'dog-report.png');
    expect(errors).toEqual([]);
  }, 600_000);
});

// End to end, in Chromium against `ticketscope serve` with the real engine, on the tiny LeNet-300-100 IMP run of
// conv-fixture.ts (these views' parts do not depend on the layer type; the engine's conv ablations are checked in
// tests/unit/analysis-ablate.test.ts, and the conv views in selectivity-, activations- and subcircuit-view tests): the Selectivity view's per-unit ablation (scatter of AUROC against the class-logit drop, one point per
// unit and state, the core's numbers) and the Subcircuit view's faithfulness curves and the score of the circuit on
// screen, and a circuit pinned by hand: a unit pinned with the keyboard (P) and a connection by a click are scored as the
// core scores the same circuit, with m(∅) and m(M) beside it; the export imports back; a malformed file and another
// state's file are refused with one line and change nothing. Screenshots in test-results/e2e
// The Activation view's "ablate this unit" beside the unit's AUROC, and the Selectivity table's column of the best
// unit's drop, sorted. (docs/screenshots/{ablation,faithfulness,pinned-circuit,unit-ablation}.png with
// TICKETSCOPE_UPDATE_DOCS_SHOTS=1).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SelectivityResult } from '../../src/shared/analysis';
import type { AblationResult, CircuitScoreResult, FaithfulnessResult, LayerScanResult } from '../../src/shared/causal';
import type { DogReport } from '../../src/shared/dog-report';
import { pinnedCircuit, type PinnedSet } from '../../src/shared/pinned-circuit';
import { lenetFixtureDb, scrollTo, shot, trainLenetRun, type ConvRun } from './conv-fixture';
import { downloadOf, type Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];
let run: ConvRun;

useHarness((s) => ({ h, page, errors } = s), { db: lenetFixtureDb, timeoutMs: 300_000 });

beforeAll(async () => {
  run = await trainLenetRun(h);
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
    // The section says what the scans ran on: their own image counts, not the defaults asked for.
    const head = await page.locator('[data-testid="abl-section"] .table-head').innerText();
    expect(head).toContain(`mean over ${scan.images.reference} training images, one at a time, on the first ${scan.images.class + scan.images.other} test images (${scan.images.class} of class`);
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

  it('Subcircuit: a circuit pinned by keyboard and click is scored as the core scores it, exports, imports back, refuses bad files', async () => {
    const pinText = () => page.getByTestId('pin-list').innerText();
    await page.goto(`${h.url}#/subcircuit/${run.runId}`);
    await page.waitForSelector('[data-testid="view-subcircuit"][data-ready="true"]', { timeout: 120_000 });
    const A = (await page.getByTestId('view-subcircuit').getAttribute('data-a'))!;
    expect(await pinText()).toContain('Nothing pinned');

    // Keyboard: focus the graph, an arrow moves onto the first unit, another into the first layer, P pins it.
    await page.getByTestId('subcircuit-overlay').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('p');
    await expect.poll(pinText).toMatch(/Pinned: 1 unit\(s\)/);

    // Click: with "click pins" on, a click on A's strongest edge pins that connection.
    await page.getByTestId('pin-mode').check();
    const layout = JSON.parse((await page.getByTestId('subcircuit-graph').getAttribute('data-layout'))!) as { nodes: [string, number, number, number][] };
    const sub = await h.call<{ circuits: { layers: { name: string; size: number }[]; edges: { layer: number; from: number; to: number }[] }[] }>('analyzeSubcircuit', { state: A, class: 5 });
    const c = sub.circuits[0]!;
    const e0 = c.edges[0]!;
    const node = (layer: string, unit: number) => layout.nodes.find((n) => n[0] === layer && n[1] === unit)!;
    const [from, to] = [node(c.layers[e0.layer]!.name, e0.from), node(c.layers[e0.layer + 1]!.name, e0.to)];
    const box = (await page.getByTestId('subcircuit-overlay').boundingBox())!;
    // The midpoint of a Bézier from (x0, y0) to (x1, y1) with horizontal tangents is the midpoint of the segment.
    await page.mouse.click(box.x + (from[2] + to[2]) / 2, box.y + (from[3] + to[3]) / 2);
    await expect.poll(pinText).toMatch(/and 1 connection\(s\)/);

    await page.getByTestId('pin-score').click();
    await page.waitForSelector('[data-testid="pin-score-f"]', { timeout: 300_000 });
    const file = await downloadOf(page, '[data-testid="pin-export"]');
    const exported = JSON.parse(file.bytes.toString('utf8')) as { format: string; state: string; circuit: object; pinned: PinnedSet };
    expect(exported.format).toBe('ticketscope.circuit/1');
    expect(exported.state).toBe(A);
    expect(exported.pinned.units).toHaveLength(1);
    expect(exported.pinned.connections).toEqual([{ layer: c.layers[e0.layer + 1]!.name, from: e0.from, to: e0.to }]);
    expect(exported.circuit).toEqual(pinnedCircuit(c.layers, exported.pinned));
    const score = await h.call<CircuitScoreResult>('analyzeCircuit', { state: A, class: 5, circuit: exported.circuit });
    expect(score.meta.cached).toBe(true);
    expect(await page.getByTestId('pin-score-f').innerText()).toBe(score.faithfulness === null ? '—' : score.faithfulness.toFixed(3));
    const text = await page.getByTestId('pin-score-text').innerText();
    expect(text).toContain(`m(∅) = ${score.empty.toFixed(3)}`);
    expect(text).toContain(`m(M) = ${score.full.toFixed(3)}`);
    await scrollTo(page, '[data-testid="pin-section"]');
    await shot(page, 'subcircuit-pinned.png', 'pinned-circuit.png');

    // Import: clear, then the exported file restores the pins.
    const before = await pinText();
    await page.getByTestId('pin-clear').click();
    expect(await pinText()).toContain('Nothing pinned');
    const good = join(h.tmp, 'pinned.json');
    writeFileSync(good, file.bytes);
    await page.getByTestId('pin-import').setInputFiles(good);
    await expect.poll(pinText).toBe(before);

    // Bad files: one line, nothing changes.
    const bad = join(h.tmp, 'bad.json');
    writeFileSync(bad, '{"format": "ticketscope.circuit/1", "circuit": {"connections": [{"layer": "fc1"}]}}');
    await page.getByTestId('pin-import').setInputFiles(bad);
    await expect.poll(() => page.getByTestId('pin-import-error').innerText()).toMatch(/^bad\.json: circuit\.connections\.0\.from: /);
    const other = join(h.tmp, 'other.json');
    writeFileSync(other, JSON.stringify({ ...exported, state: `${run.runId}:0:init` }));
    await page.getByTestId('pin-import').setInputFiles(other);
    await expect.poll(() => page.getByTestId('pin-import-error').innerText()).toContain(`was pinned on state ${run.runId}:0:init`);
    expect((await page.getByTestId('pin-import-error').innerText()).split('\n')).toHaveLength(1);
    expect(await pinText()).toBe(before);
    await shot(page, 'subcircuit-pinned-refused.png');
    expect(errors).toEqual([]);
  }, 600_000);

  it('Activation view: "ablate this unit" shows the core’s effect beside the unit’s AUROC; the Selectivity table sorts by the best unit’s drop', async () => {
    const ref = run.ref(1, 'trained');
    await page.goto(`${h.url}#/activations/${run.runId}.1.trained.fc2.7.5`);
    await page.waitForSelector('[data-testid="view-activations"][data-ready="true"]', { timeout: 120_000 });
    await page.getByTestId('act-ablate').click();
    await page.waitForSelector('[data-testid="act-abl-row"]', { timeout: 240_000 });
    await expect.poll(() => page.getByTestId('act-abl-auroc').first().innerText(), { timeout: 240_000 }).not.toBe('…');
    const abl = await h.call<AblationResult>('analyzeAblate', { state: ref, class: 5, layer: 'fc2', units: [7] });
    expect(abl.meta.cached).toBe(true);
    const row = page.locator(`[data-testid="act-abl-row"][data-state="${ref}"]`);
    expect(await row.getByTestId('act-abl-drop').innerText()).toBe(`${abl.targetLogit.before.toFixed(3)} → ${abl.targetLogit.after.toFixed(3)} (${abl.targetLogitDrop.toFixed(3)})`);
    expect(await row.getByTestId('act-abl-other').innerText()).toBe(abl.otherLogitDrop === null ? '—' : abl.otherLogitDrop.toFixed(3));
    const sel = await h.call<SelectivityResult>('analyzeSelectivity', { states: [ref], class: 5, threshold: 0.9, permutations: 20, split: 'test' });
    const fc2 = sel.states[0]!.layers.find((l) => l.layer === 'fc2')!;
    expect(await row.getByTestId('act-abl-auroc').innerText()).toBe(fc2.pools[0]!.auroc[7]!.toFixed(3));
    await scrollTo(page, '[data-testid="act-ablation"]');
    await shot(page, 'activations-ablation.png', 'unit-ablation.png');

    // Selectivity: the fc2 rows' drop column, on demand, then sorted by it (largest first).
    await page.goto(`${h.url}#/selectivity/${run.runId}`);
    await page.waitForSelector('[data-testid="view-selectivity"][data-ready="true"]', { timeout: 120_000 });
    await page.locator('[data-testid="sel-row"][data-layer="fc2"] [data-testid="sel-ablate-layer"]').first().click();
    await page.waitForSelector('[data-testid="abl-scatter"]', { timeout: 240_000 });
    const states = (await page.getByTestId('view-selectivity').getAttribute('data-states'))!.split(' ');
    const scan = await h.call<LayerScanResult>('analyzeAblationScan', { state: states[0], class: 5, layer: 'fc2' });
    const s0 = (await h.call<SelectivityResult>('analyzeSelectivity', { states, class: 5, threshold: 0.9, permutations: 20, split: 'test' })).states[0]!;
    const best = s0.layers.find((l) => l.layer === 'fc2')!.pools[0]!.best.unit;
    const cell = page.locator(`[data-testid="sel-row"][data-state="${states[0]}"][data-layer="fc2"] [data-testid="sel-cell-drop"]`);
    expect(await cell.innerText()).toBe(scan.units[best]!.targetLogitDrop.toFixed(3));
    await page.getByTestId('sel-sort-drop').click();
    const drops = await page.locator('[data-testid="sel-cell-drop"]').allInnerTexts();
    const numbers = drops.filter((d) => /^-?\d/.test(d)).map(Number);
    expect(numbers.length).toBe(states.length);
    expect(drops.slice(0, numbers.length).map(Number)).toEqual([...numbers].sort((a, b) => b - a));
    await scrollTo(page, '[data-testid="sel-table"]');
    await shot(page, 'selectivity-drop-column.png');
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

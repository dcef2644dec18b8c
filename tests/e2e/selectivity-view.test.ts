// End to end, in Chromium against `ticketscope serve` with the real engine: a tiny Conv-2 IMP run is trained through
// the contract; the Selectivity view opens on the run and picks its random init, ticket at init, trained ticket and
// trained dense net; every best unit, p-value and detector count shown (chart and table) is what analyzeSelectivity
// returns, a hovered histogram bin counts the units it should, switching the pooling redraws from the same result,
// PNG/SVG/CSV exports hold the numbers, and clicking (or pressing Enter on) a best unit opens its activation maps.
// Screenshots, light and dark, in test-results/e2e (also docs/screenshots/selectivity.png with
// TICKETSCOPE_UPDATE_DOCS_SHOTS=1).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SelectivityResult } from '../../src/shared/analysis';
import { aurocBins, pngSize, scrollTo, shot, shownPool, trainConvRun, convFixtureDb, type ConvRun } from './conv-fixture';
import { downloadOf, parseCsv, type Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];
let run: ConvRun;
let direct: SelectivityResult;
let expectedStates: string[] = [];

const ready = (p: Page) => p.waitForSelector(`[data-testid="view-selectivity"][data-ready="true"][data-states="${expectedStates.join(' ')}"]`, { timeout: 60_000 });

useHarness((s) => ({ h, page, errors } = s), { db: convFixtureDb, timeoutMs: 300_000 });

beforeAll(async () => {
  run = await trainConvRun(h);
  expectedStates = [run.ref(0, 'init'), run.ref(1, 'ticket-at-init'), run.ref(1, 'trained'), run.ref(0, 'trained')];
});

describe('selectivity view', () => {
  it('opens on init / ticket at init / trained of the run; best units, p and detectors are the core’s numbers', async () => {
    await page.goto(`${h.url}#/selectivity/${run.runId}`);
    await ready(page);
    // The same request as the view's (class 5 by default on MNIST-shaped data): answered from the cache.
    direct = await h.call<SelectivityResult>('analyzeSelectivity', { states: expectedStates, class: 5, threshold: 0.9, permutations: 20, split: 'test' });
    expect(direct.meta.cached).toBe(true);
    expect(direct.states.map((s) => s.state.ref)).toEqual(expectedStates);
    expect(await page.getByTestId('sel-provenance').innerText()).toContain('selectivity v');

    // Legend: one item per state, with its test accuracy.
    const legend = page.locator('[data-testid="sel-legend-item"]');
    expect(await legend.count()).toBe(4);
    for (let i = 0; i < 4; i++) expect(await legend.nth(i).textContent()).toContain(`test acc. ${(direct.states[i]!.accuracy * 100).toFixed(2)}%`);

    // Chart: a panel per layer (conv1, conv2, fc1, fc2, fc3), a best-unit line per state, max pooling by default.
    const layers = direct.states[0]!.layers.map((l) => l.layer);
    expect(layers).toEqual(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    expect(await page.locator('[data-testid="sel-panel"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')))).toEqual(layers);
    const bests = await page.locator('[data-testid="sel-best"]').evaluateAll((els) =>
      els.map((e) => ({ state: e.getAttribute('data-state')!, layer: e.getAttribute('data-layer')!, unit: Number(e.getAttribute('data-unit')), auroc: Number(e.getAttribute('data-auroc')), p: Number(e.getAttribute('data-p')), det: Number(e.getAttribute('data-detectors')), text: e.textContent ?? '' })),
    );
    expect(bests).toHaveLength(4 * layers.length);
    for (const b of bests) {
      const s = direct.states.find((x) => x.state.ref === b.state)!;
      const pool = shownPool(s.layers.find((l) => l.layer === b.layer)!, 'max');
      expect(b.unit).toBe(pool.best.unit);
      expect(b.auroc).toBe(pool.best.auroc);
      expect(b.p).toBe(pool.pValue);
      expect(b.det).toBe(pool.detectors);
      expect(b.text).toContain(`#${pool.best.unit}`);
      expect(b.text).toContain(`AUROC ${pool.best.auroc.toFixed(3)}`);
    }

    // Table: a row per state and layer with the same numbers and the probe.
    const rows = page.locator('[data-testid="sel-row"]');
    expect(await rows.count()).toBe(4 * layers.length);
    const trainedConv2 = page.locator(`[data-testid="sel-row"][data-state="${run.ref(1, 'trained')}"][data-layer="conv2"]`);
    const tl = direct.states[2]!.layers.find((l) => l.layer === 'conv2')!;
    expect(await trainedConv2.getByTestId('sel-cell-auroc').innerText()).toBe(shownPool(tl, 'max').best.auroc.toFixed(3));
    expect(await trainedConv2.getByTestId('sel-cell-probe').innerText()).toBe(`${(tl.probe!.accuracy * 100).toFixed(1)}%`);
    expect(await trainedConv2.getByTestId('sel-best-link').innerText()).toBe(`#${shownPool(tl, 'max').best.unit}`);

    // Hover a histogram bin of fc1: the tooltip counts each state's units in that bin.
    const overlay = page.locator('[data-testid="sel-panel"][data-layer="fc1"] [data-testid="sel-plot-overlay"]');
    const box = (await overlay.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5125, box.y + box.height / 2); // bin [0.5, 0.525)
    const tip = page.getByTestId('sel-tooltip');
    await tip.waitFor();
    expect(await tip.getAttribute('data-layer')).toBe('fc1');
    const bin = Number(await tip.getAttribute('data-bin'));
    expect(bin).toBe(20);
    const tipText = await tip.innerText();
    for (const s of direct.states) {
      const l = s.layers.find((x) => x.layer === 'fc1')!;
      expect(tipText).toContain(`${aurocBins(shownPool(l, 'max').auroc)[bin]} of ${l.units} units`);
    }
    await shot(page, 'selectivity-hover.png', undefined, true);
    expect(errors).toEqual([]);
  });

  it('switches pooling, layout and bar scale from the same result', async () => {
    await page.selectOption('[data-testid="sel-pooling"]', 'mean');
    await page.waitForSelector('[data-testid="selectivity-chart"][data-pooling="mean"]');
    const conv1 = await page.locator(`[data-testid="sel-best"][data-layer="conv1"][data-state="${run.ref(0, 'init')}"]`).getAttribute('data-unit');
    expect(Number(conv1)).toBe(shownPool(direct.states[0]!.layers[0]!, 'mean').best.unit);
    expect(await page.getByTestId('view-selectivity').getAttribute('data-loading')).toBe('false');
    await page.selectOption('[data-testid="sel-layout"]', 'overlaid');
    await page.selectOption('[data-testid="sel-count-scale"]', 'linear');
    await shot(page, 'selectivity-overlaid-mean.png');
    await page.selectOption('[data-testid="sel-pooling"]', 'max');
    await page.selectOption('[data-testid="sel-layout"]', 'rows');
    await page.selectOption('[data-testid="sel-count-scale"]', 'sqrt');
    await shot(page, 'selectivity.png', 'selectivity.png');
  });

  it('exports the figure as PNG and SVG and the numbers as CSV', async () => {
    const svg = (await downloadOf(page, '[data-testid="sel-export-svg"]')).bytes.toString('utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain(`Unit selectivity for class “${direct.class.name}”`);
    expect(svg).not.toContain('no-export');
    expect(svg.match(/data-testid="sel-best"/g)).toHaveLength(20);

    const png = await downloadOf(page, '[data-testid="sel-export-png"]');
    const size = pngSize(png.bytes);
    const box = (await page.locator('[data-testid="selectivity-chart"] svg').boundingBox())!;
    expect(size.width).toBe(Math.round(box.width * 2));
    expect(size.height).toBe(Math.round(box.height * 2));

    const [head, ...rows] = parseCsv((await downloadOf(page, '[data-testid="sel-export-csv"]')).bytes.toString('utf8'));
    const col = (n: string) => head!.indexOf(n);
    const pools = direct.states.reduce((a, s) => a + s.layers.reduce((b, l) => b + l.pools.length, 0), 0);
    expect(rows).toHaveLength(pools);
    for (const r of rows) {
      const s = direct.states.find((x) => x.state.ref === r[col('state')])!;
      const l = s.layers.find((x) => x.layer === r[col('layer')])!;
      const p = l.pools.find((x) => x.pooling === r[col('pooling')])!;
      expect(Number(r[col('best_unit')])).toBe(p.best.unit);
      expect(Number(r[col('best_auroc')])).toBe(p.best.auroc);
      expect(Number(r[col('p_value')])).toBe(p.pValue);
      expect(Number(r[col('detectors')])).toBe(p.detectors);
      expect(Number(r[col('probe_balanced_accuracy')])).toBe(l.probe!.balancedAccuracy);
    }
    const units = parseCsv((await downloadOf(page, '[data-testid="sel-export-units-csv"]')).bytes.toString('utf8'));
    const perUnit = direct.states.reduce((a, s) => a + s.layers.reduce((b, l) => b + l.pools.reduce((c, p) => c + p.auroc.length, 0), 0), 0);
    expect(units.length - 1).toBe(perUnit);
  });

  it('opens a best unit’s activation maps by click and by keyboard', async () => {
    const trained = run.ref(1, 'trained');
    const best = shownPool(direct.states[2]!.layers.find((l) => l.layer === 'conv2')!, 'max').best.unit;
    const line = page.locator(`[data-testid="sel-best"][data-state="${trained}"][data-layer="conv2"]`);
    await line.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#root[data-view="activations"]');
    expect(decodeURIComponent(page.url())).toContain(`#/activations/${run.runId}.1.trained.conv2.${best}.5`);
    // The activation view reads the argument: layer conv2, that unit, class 5, the run's four states.
    await page.waitForSelector(`[data-testid="act-layer"]`);
    expect(await page.locator('[data-testid="act-layer"]').inputValue()).toBe('conv2');
    expect(await page.locator('[data-testid="act-unit"]').inputValue()).toBe(String(best));
    expect(await page.getByTestId('view-activations').getAttribute('data-class')).toBe('5');

    await page.goBack();
    await ready(page);
    await page.locator(`[data-testid="sel-row"][data-state="${trained}"][data-layer="fc1"] [data-testid="sel-best-link"]`).click();
    await page.waitForSelector('#root[data-view="activations"]');
    const fc1 = shownPool(direct.states[2]!.layers.find((l) => l.layer === 'fc1')!, 'max').best.unit;
    expect(decodeURIComponent(page.url())).toContain(`#/activations/${run.runId}.1.trained.fc1.${fc1}.5`);
    expect(errors).toEqual([]);
  });

  it('renders in the dark theme; one click restores the run comparison', async () => {
    const dark = await h.newPage('dark');
    await dark.page.goto(`${h.url}#/selectivity/${run.runId}.1.trained`);
    await ready(dark.page);
    await shot(dark.page, 'selectivity-dark.png');
    await scrollTo(dark.page, '[data-testid="sel-table"]');
    await shot(dark.page, 'selectivity-table-dark.png');
    // Remove the last state, then the one-click comparison brings the four states back (the cached answer).
    await dark.page.click('[data-testid="sel-states-remove-3"]');
    await dark.page.waitForSelector('[data-testid="sel-states"][data-count="3"]');
    await dark.page.click('[data-testid="sel-compare-run"]');
    await ready(dark.page);
    expect(dark.errors).toEqual([]);
    await dark.context.close();
  });

  it('a small chart (one state) keeps each panel’s y label inside its plot, clear of the best-unit lines', { timeout: 300_000 }, async () => {
    const one = await h.newPage('light');
    await one.page.goto(`${h.url}#/selectivity/${run.runId}.1.trained`);
    await ready(one.page);
    // Each removal asks for its own result; the core caches each state's entry, so these come from the cache.
    for (const i of [3, 2, 1]) {
      await one.page.click(`[data-testid="sel-states-remove-${i}"]`);
      await one.page.waitForSelector(`[data-testid="sel-states"][data-count="${i}"]`);
    }
    await one.page.waitForSelector(`[data-testid="view-selectivity"][data-ready="true"][data-states="${run.ref(0, 'init')}"]`, { timeout: 240_000 });
    type Box = { x: number; y: number; width: number; height: number };
    const apart = (a: Box, b: Box) => a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
    for (const layout of ['rows', 'overlaid']) {
      await one.page.selectOption('[data-testid="sel-layout"]', layout);
      const panels = one.page.locator('[data-testid="sel-panel"]');
      expect(await panels.count()).toBe(5);
      for (let i = 0; i < 5; i++) {
        const panel = panels.nth(i);
        const label = (await panel.getByTestId('sel-y-label').boundingBox())!;
        const plot = (await panel.getByTestId('sel-plot-overlay').boundingBox())!;
        expect(label.height, `${layout} panel ${i}`).toBeGreaterThan(0);
        expect(label.y, `${layout} panel ${i}`).toBeGreaterThanOrEqual(plot.y - 1);
        expect(label.y + label.height, `${layout} panel ${i}`).toBeLessThanOrEqual(plot.y + plot.height + 1);
        for (const best of await panel.getByTestId('sel-best').all()) expect(apart(label, (await best.boundingBox())!)).toBe(true);
        expect(await panel.getByTestId('sel-count-text').textContent()).toMatch(/^bar height: (channels|units) per bin \(√ scale\)/);
      }
      await shot(one.page, `selectivity-one-state-${layout}.png`);
    }
    expect(one.errors).toEqual([]);
    await one.context.close();
  });
});

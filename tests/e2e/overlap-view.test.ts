// End to end, in Chromium against `ticketscope serve` with the real engine: a tiny IMP experiment (2 seeds, one
// control) is trained through the contract; the Mask overlap view picks a sensible pair, its per-layer bars, table,
// round-by-round matrix and pixel view show exactly what analyzeOverlap / analyzeOverlapMatrix / maskPixels return
// (hovered values against direct calls), the pixel view pans by fetching windows and hovers quickly, and every
// export (PNG, SVG, CSV) holds what it should. Screenshots in test-results/e2e (also docs/screenshots/overlap.png with
// TICKETSCOPE_UPDATE_DOCS_SHOTS=1).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MaskPixels, OverlapMatrixResult, OverlapResult, StateInfo } from '../../src/shared/analysis';
import type { RunSummary, StartRunResult } from '../../src/shared/contract';
import { downloadOf, parseCsv, publishShot, SHOTS, type Harness } from './harness';
import { useHarness } from './use-harness';

const ROUNDS = 2;
const SEEDS = [0, 1];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let h: Harness;
let page: Page;
let errors: string[];
let states: StateInfo[] = [];

const fmt4 = (x: number | null) => (x === null ? '—' : x.toFixed(4));
const fmtRatio = (x: number | null) => (x === null ? '—' : `×${x < 10 ? x.toFixed(2) : x.toFixed(1)}`);

async function waitDone(ids: string[], timeoutMs: number): Promise<RunSummary[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const runs = (await h.call<RunSummary[]>('listRuns', {})).filter((r) => ids.includes(r.runId));
    if (runs.length === ids.length && runs.every((r) => ['done', 'failed', 'cancelled'].includes(r.status))) return runs;
    if (Date.now() > end) throw new Error(`runs not done in time: ${runs.map((r) => `${r.kind}/${r.seed} ${r.status}`).join(', ')}\n${h.log()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Polls `check` until it holds (page functions here run in node, so no DOM types). */
async function until(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function ready(p: Page, a?: string, b?: string) {
  const sel = `[data-testid="view-overlap"][data-ready="true"]${a ? `[data-a="${a}"]` : ''}${b ? `[data-b="${b}"]` : ''}`;
  await p.waitForSelector(sel, { timeout: 30_000 });
}

useHarness((s) => ({ h, page, errors } = s));

beforeAll(async () => {
  const started = await h.call<StartRunResult>('startRun', {
    preset: 'quick-imp',
    overrides: [
      'iterations=30',
      'evalEvery=30',
      'validation=200',
      'synthetic={"train":600,"test":200}',
      `seeds=${JSON.stringify(SEEDS)}`,
      `method={"kind":"imp","rounds":${ROUNDS},"rates":{"conv":0.1,"fc":0.5,"output":0.25},"controls":["random-prune"]}`,
    ],
  });
  const t0 = Date.now();
  const runs = await waitDone(started.runIds, 90_000);
  console.log(`training took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const bad = runs.filter((r) => r.status !== 'done');
  if (bad.length) throw new Error(`runs failed: ${bad.map((r) => `${r.kind}/${r.seed}: ${r.error}`).join('; ')}`);
  states = await h.call<StateInfo[]>('listStates', {});
});

describe('mask overlap view', () => {
  it('opens on the first and last pruned round of an IMP run; bars, tooltip and table match analyzeOverlap', async () => {
    await page.goto(`${h.url}#/overlap`);
    await ready(page);
    const a = (await page.getByTestId('view-overlap').getAttribute('data-a'))!;
    const b = (await page.getByTestId('view-overlap').getAttribute('data-b'))!;
    const sa = states.find((s) => s.ref === a)!;
    const sb = states.find((s) => s.ref === b)!;
    expect(sa.kind).toBe('imp');
    expect(sb.runId).toBe(sa.runId);
    expect([sa.round, sb.round]).toEqual([1, ROUNDS]);
    expect(page.url()).toContain(`#/overlap/${encodeURIComponent(a)}`);
    await page.mouse.move(1, 1);
    const shot = join(SHOTS, 'overlap.png');
    await page.screenshot({ path: shot });
    publishShot(shot, 'screenshots/overlap.png');

    const direct = await h.call<OverlapResult>('analyzeOverlap', { a, b });
    const bars = page.locator('[data-testid="overlap-bars"] [data-testid="overlap-bar"]');
    expect(await bars.count()).toBe(direct.layers.length + 1);
    for (const l of direct.layers) {
      const bar = page.locator(`[data-testid="overlap-bars"] [data-testid="overlap-bar"][data-layer="${l.layer}"]`);
      expect(Number(await bar.getAttribute('data-observed'))).toBe(l.jaccard);
      expect(Number(await bar.getAttribute('data-expected'))).toBe(l.expectedJaccard);
    }
    // Hover fc2's bars: the tooltip shows its numbers.
    const fc2 = direct.layers.find((l) => l.layer === 'fc2')!;
    const hit = page.locator('[data-testid="overlap-bar-hit"][data-layer="fc2"]');
    const box = (await hit.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height - 10);
    const tip = page.getByTestId('overlap-tooltip');
    await tip.waitFor();
    expect(await tip.getAttribute('data-layer')).toBe('fc2');
    expect(await tip.getByTestId('tt-jaccard').innerText()).toBe(fmt4(fc2.jaccard));
    expect(await tip.getByTestId('tt-expected').innerText()).toBe(fmt4(fc2.expectedJaccard));
    expect(await tip.getByTestId('tt-ratio').innerText()).toBe(fmtRatio(fc2.jaccardRatio));
    await page.screenshot({ path: join(SHOTS, 'overlap-bar-hover.png') });

    // Table: one row per layer plus overall, the same Jaccard values.
    const rows = page.locator('[data-testid="overlap-table"] [data-testid="overlap-row"]');
    expect(await rows.count()).toBe(direct.layers.length + 1);
    expect(await page.locator('[data-testid="overlap-row"][data-layer="overall"] [data-testid="cell-jaccard"]').innerText()).toBe(fmt4(direct.overall.jaccard));
    expect(await page.getByTestId('overall-jaccard').innerText()).toBe(fmt4(direct.overall.jaccard));
    // The overall chance level is each layer's summed (E|A∩B| = Σ kA·kB / n), not one pooled density's.
    const expBoth = direct.layers.reduce((s, l) => s + (l.keptA * l.keptB) / l.size, 0);
    expect(direct.overall.expectedBoth).toBeCloseTo(expBoth, 6);
    expect(direct.overall.expectedJaccard).toBeCloseTo(expBoth / (direct.overall.keptA + direct.overall.keptB - expBoth), 12);
    expect(await page.getByTestId('overall-expected').innerText()).toBe(fmt4(direct.overall.expectedJaccard));
    expect(await page.getByTestId('overall-ratio').innerText()).toBe(fmtRatio(direct.overall.jaccardRatio));
    // Unit strips: alive counts as returned.
    for (const l of direct.layers) {
      const g = page.locator(`[data-testid="overlap-units"] [data-testid="unit-layer"][data-layer="${l.layer}"]`);
      expect(Number(await g.getAttribute('data-alive-both'))).toBe(l.aliveBoth);
    }
    expect(errors).toEqual([]);
  });

  it('picks B from the control at the same round; the numbers follow', async () => {
    const a = (await page.getByTestId('view-overlap').getAttribute('data-a'))!;
    const sa = states.find((s) => s.ref === a)!;
    const ctrl = states.find((s) => s.kind === 'random-prune' && s.seed === sa.seed && s.round === sa.round && s.which === 'mask')!;
    expect(ctrl).toBeDefined();
    await page.selectOption('[data-testid="overlap-b"]', ctrl.ref);
    await ready(page, a, ctrl.ref);
    const direct = await h.call<OverlapResult>('analyzeOverlap', { a, b: ctrl.ref });
    expect(await page.getByTestId('overall-jaccard').innerText()).toBe(fmt4(direct.overall.jaccard));
    // The overall chance level is each layer's summed (E|A∩B| = Σ kA·kB / n), not one pooled density's.
    const expBoth = direct.layers.reduce((s, l) => s + (l.keptA * l.keptB) / l.size, 0);
    expect(direct.overall.expectedBoth).toBeCloseTo(expBoth, 6);
    expect(direct.overall.expectedJaccard).toBeCloseTo(expBoth / (direct.overall.keptA + direct.overall.keptB - expBoth), 12);
    expect(await page.getByTestId('overall-expected').innerText()).toBe(fmt4(direct.overall.expectedJaccard));
    expect(await page.getByTestId('overall-ratio').innerText()).toBe(fmtRatio(direct.overall.jaccardRatio));
    // Random pruning at the same densities shares about what chance predicts.
    expect(direct.overall.jaccardRatio!).toBeGreaterThan(0.8);
    expect(direct.overall.jaccardRatio!).toBeLessThan(1.25);
    // Swap exchanges A and B.
    await page.getByTestId('overlap-swap').click();
    await ready(page, ctrl.ref, a);
    expect(errors).toEqual([]);
  });

  it('round-by-round matrix: a cell is analyzeOverlap of its two rounds; ratio toggle; across seeds', async () => {
    const last = states.find((s) => s.kind === 'imp' && s.seed === 0 && s.round === ROUNDS && s.which === 'trained')!;
    const first = states.find((s) => s.kind === 'imp' && s.seed === 0 && s.round === 1 && s.which === 'trained')!;
    await page.selectOption('[data-testid="overlap-a"]', last.ref);
    await page.selectOption('[data-testid="overlap-b"]', first.ref);
    await ready(page, last.ref, first.ref);
    const masks = states.filter((s) => s.runId === last.runId && s.which === 'mask').sort((x, y) => x.round - y.round);
    expect(masks).toHaveLength(ROUNDS + 1);
    const n = masks.length;
    await page.waitForSelector(`[data-testid="overlap-matrix"][data-n="${n}"]`, { timeout: 30_000 });
    expect(await page.locator('[data-testid="overlap-matrix"] [data-testid="heatmap-cell"]').count()).toBe(n * n);

    const cell = page.locator(`[data-testid="overlap-matrix"] [data-testid="heatmap-cell"][data-i="1"][data-j="${ROUNDS}"]`);
    await cell.scrollIntoViewIfNeeded();
    await cell.hover();
    const tip = page.getByTestId('heatmap-tooltip');
    await tip.waitFor();
    const pair = await h.call<OverlapResult>('analyzeOverlap', { a: masks[1]!.ref, b: masks[ROUNDS]!.ref });
    expect(await tip.getByTestId('tt-jaccard').innerText()).toBe(fmt4(pair.overall.jaccard));
    expect(await tip.getByTestId('tt-chance').innerText()).toBe(fmt4(pair.overall.expectedJaccard));
    expect(await tip.getByTestId('tt-ratio').innerText()).toBe(fmtRatio(pair.overall.jaccardRatio));
    expect(await tip.getByTestId('tt-jaccard-fc1').innerText()).toBe(fmt4(pair.layers.find((l) => l.layer === 'fc1')!.jaccard));
    await page.getByTestId('matrix-section').screenshot({ path: join(SHOTS, 'overlap-matrix-hover.png') });
    // Keyboard: focus the heatmap; the first arrow shows cell (0, 0), the next moves right.
    await page.mouse.move(1, 1);
    await page.getByTestId('overlap-matrix').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('[data-testid="heatmap-tooltip"][data-i="0"][data-j="1"]');
    const p01 = await h.call<OverlapResult>('analyzeOverlap', { a: masks[0]!.ref, b: masks[1]!.ref });
    expect(await tip.getByTestId('tt-jaccard').innerText()).toBe(fmt4(p01.overall.jaccard));
    await page.keyboard.press('Escape');
    await tip.waitFor({ state: 'detached' });

    const m = await h.call<OverlapMatrixResult>('analyzeOverlapMatrix', { states: masks.map((s) => s.ref) });
    await page.getByTestId('matrix-value-ratio').click();
    await page.waitForSelector('[data-testid="overlap-matrix"][data-scale="ratio"]');
    expect(Number(await cell.getAttribute('data-value'))).toBe(m.jaccardRatio[1]![ROUNDS]);
    await page.getByTestId('matrix-value-jaccard').click();
    await page.selectOption('[data-testid="matrix-layer"]', 'fc2');
    expect(Number(await cell.getAttribute('data-value'))).toBe(m.layers.find((l) => l.layer === 'fc2')!.jaccard[1]![ROUNDS]);
    await page.selectOption('[data-testid="matrix-layer"]', 'overall');

    // Across seeds: the same round of both seeds' IMP runs.
    await page.selectOption('[data-testid="matrix-mode"]', 'seeds');
    await page.waitForSelector(`[data-testid="overlap-matrix"][data-n="${SEEDS.length}"]`, { timeout: 30_000 });
    const seedMasks = states.filter((s) => s.kind === 'imp' && s.round === ROUNDS && s.which === 'mask').sort((x, y) => x.seed - y.seed);
    const seedPair = await h.call<OverlapResult>('analyzeOverlap', { a: seedMasks[0]!.ref, b: seedMasks[1]!.ref });
    const sc = page.locator('[data-testid="overlap-matrix"] [data-testid="heatmap-cell"][data-i="0"][data-j="1"]');
    expect(Number(await sc.getAttribute('data-value'))).toBe(seedPair.overall.jaccard);
    await page.selectOption('[data-testid="matrix-mode"]', 'rounds');
    await page.waitForSelector(`[data-testid="overlap-matrix"][data-n="${n}"]`);
    expect(errors).toEqual([]);
  });

  it('pixel view: hover shows the code maskPixels returns; pans by fetching windows, smoothly', async () => {
    const a = (await page.getByTestId('view-overlap').getAttribute('data-a'))!;
    const b = (await page.getByTestId('view-overlap').getAttribute('data-b'))!;
    const canvas = page.getByTestId('mask-pixels');
    await canvas.scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-testid="mask-pixels"][data-ready="true"]', { timeout: 30_000 });
    // fc1 of LeNet-300-100: 784 fan-in rows x 300 units.
    expect(await canvas.getAttribute('data-total-rows')).toBe('784');
    expect(await canvas.getAttribute('data-total-cols')).toBe('300');

    const box = (await canvas.boundingBox())!;
    const hoverAt = async (dx: number, dy: number) => {
      await page.mouse.move(box.x + dx, box.y + dy);
      // Two frames: React has rendered the readout for this position.
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
      const hv = page.getByTestId('pixel-hover');
      await until(async () => ((await hv.getAttribute('data-code')) ?? '') !== '', 'a hovered code');
      return { row: Number(await hv.getAttribute('data-row')), col: Number(await hv.getAttribute('data-col')), code: Number(await hv.getAttribute('data-code')) };
    };
    const checkCode = async (p: { row: number; col: number; code: number }) => {
      const px = await h.call<MaskPixels>('maskPixels', { a, b, layer: 'fc1', row0: p.row, col0: p.col, rows: 1, cols: 1 });
      expect(Buffer.from(px.codes, 'base64')[0]).toBe(p.code);
    };
    const p1 = await hoverAt(52 + 101.5, 22 + 200.5);
    await checkCode(p1);
    expect(await page.getByTestId('pixel-hover').innerText()).toContain(`row ${p1.row}`);
    await page.screenshot({ path: join(SHOTS, 'overlap-pixels-hover.png') });

    // Pan down by dragging: the window moves and the new rows are fetched (rows 512+ lie in a second window).
    const zoom = Number(await canvas.getAttribute('data-zoom'));
    await page.mouse.move(box.x + 300, box.y + 450);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 300, box.y + 450 - i * 20);
    await page.mouse.up();
    await until(async () => Number(await canvas.getAttribute('data-row0')) > 0, 'the view to pan');
    await page.waitForSelector('[data-testid="mask-pixels"][data-ready="true"]');
    const row0 = Number(await canvas.getAttribute('data-row0'));
    expect(row0).toBeGreaterThan(0);
    expect(row0).toBeLessThanOrEqual(Math.ceil(400 / zoom));
    const p2 = await hoverAt(52 + 20.5, 22 + 500.5);
    expect(p2.row).toBeGreaterThanOrEqual(512);
    await checkCode(p2);

    // Keyboard: focus the canvas, Home goes back to the top-left, ArrowDown pans.
    await canvas.focus();
    await page.keyboard.press('Home');
    await page.waitForSelector('[data-testid="mask-pixels"][data-row0="0"]');
    await page.keyboard.press('ArrowDown');
    await until(async () => Number(await canvas.getAttribute('data-row0')) > 0, 'ArrowDown to pan');

    // 120 hover moves and a drag: the readout follows the pointer. How smooth that is (time per move, long main-thread
    // tasks) is printed as a figure, not asserted: a wall-clock bound measures the machine as much as the view
    // (bench/subcircuit-draw.ts is where drawing speed is measured).
    await page.evaluate(`window.__long = []; new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' })`);
    const t0 = Date.now();
    for (let i = 0; i < 120; i++) await page.mouse.move(box.x + 60 + ((i * 7) % 280), box.y + 30 + i * 4);
    const perMove = (Date.now() - t0) / 120;
    await until(async () => (await page.getByTestId('pixel-hover').getAttribute('data-row')) !== '', 'the readout after the hover moves');
    await page.mouse.move(box.x + 200, box.y + 300);
    await page.mouse.down();
    for (let i = 1; i <= 40; i++) await page.mouse.move(box.x + 200 - i * 2, box.y + 300 - i * 5);
    await page.mouse.up();
    const long = (await page.evaluate('window.__long')) as number[];
    console.log(`pixel view: ${perMove.toFixed(1)} ms per hover move; ${long.length} long task(s) while hovering and dragging${long.length ? ` (longest ${Math.max(...long).toFixed(0)} ms)` : ''}`);
    const last = await page.getByTestId('pixel-hover').getAttribute('data-row');
    expect(last).not.toBe('');

    // Another layer: fc3 (100 x 10) fits at a larger zoom.
    await page.selectOption('[data-testid="pixels-layer"]', 'fc3');
    await page.waitForSelector('[data-testid="mask-pixels"][data-total-cols="10"][data-ready="true"]');
    expect(Number(await canvas.getAttribute('data-zoom'))).toBeGreaterThan(1);
    await page.selectOption('[data-testid="pixels-layer"]', 'fc1');
    await page.waitForSelector('[data-testid="mask-pixels"][data-total-cols="300"][data-ready="true"]');
    expect(errors).toEqual([]);
  });

  it('exports charts as PNG and SVG, tables as CSV, the pixel view as PNG', async () => {
    const a = (await page.getByTestId('view-overlap').getAttribute('data-a'))!;
    const b = (await page.getByTestId('view-overlap').getAttribute('data-b'))!;
    const direct = await h.call<OverlapResult>('analyzeOverlap', { a, b });
    await page.getByTestId('overlap-bars').scrollIntoViewIfNeeded();

    const svg = (await downloadOf(page, '[data-testid="export-bars-svg"]')).bytes.toString('utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('Jaccard index |A∩B| / |A∪B|');
    expect(svg).toContain('chance: random masks with the same per-layer densities');
    for (const l of direct.layers) expect(svg).toContain(`>${l.layer}<`);
    expect(svg).not.toContain('no-export');
    const png = await downloadOf(page, '[data-testid="export-bars-png"]');
    expect(png.name).toMatch(/\.png$/);
    expect([...png.bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);
    expect(png.bytes.length).toBeGreaterThan(10_000);

    const unitsSvg = (await downloadOf(page, '[data-testid="export-units-svg"]')).bytes.toString('utf8');
    expect(unitsSvg).toContain('alive in both');
    expect([...(await downloadOf(page, '[data-testid="export-units-png"]')).bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);
    const unitsCsv = parseCsv((await downloadOf(page, '[data-testid="export-units-csv"]')).bytes.toString('utf8'));
    expect(unitsCsv[0]).toEqual(['layer', 'unit', 'code', 'meaning']);
    expect(unitsCsv.length - 1).toBe(direct.layers.reduce((s, l) => s + l.unitCodes.length, 0));

    const table = parseCsv((await downloadOf(page, '[data-testid="export-table-csv"]')).bytes.toString('utf8'));
    const [header, ...rows] = table;
    expect(header!.slice(0, 4)).toEqual(['state_a', 'state_b', 'layer', 'kind']);
    expect(rows).toHaveLength(direct.layers.length + 1);
    const col = (n: string) => header!.indexOf(n);
    for (const row of rows) {
      const stats = row[col('layer')] === 'overall' ? direct.overall : direct.layers.find((l) => l.layer === row[col('layer')])!;
      expect(row[col('state_a')]).toBe(a);
      expect(Number(row[col('jaccard')])).toBe(stats.jaccard);
      expect(Number(row[col('expected_jaccard')])).toBe(stats.expectedJaccard);
      expect(Number(row[col('expected_both')])).toBe(stats.expectedBoth);
      expect(Number(row[col('both')])).toBe(stats.both);
      expect(Number(row[col('kept_a')])).toBe(stats.keptA);
    }

    const mSvg = (await downloadOf(page, '[data-testid="export-matrix-svg"]')).bytes.toString('utf8');
    expect(mSvg).toContain('<svg');
    expect(mSvg).toContain('round (column j)');
    expect([...(await downloadOf(page, '[data-testid="export-matrix-png"]')).bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);
    const mCsv = parseCsv((await downloadOf(page, '[data-testid="export-matrix-csv"]')).bytes.toString('utf8'));
    expect(mCsv[0]!.slice(0, 9)).toEqual(['i', 'j', 'state_i', 'state_j', 'label_i', 'label_j', 'jaccard', 'expected_jaccard', 'jaccard_ratio']);
    expect(mCsv.length - 1).toBe((ROUNDS + 1) ** 2);

    const pix = await downloadOf(page, '[data-testid="export-pixels-png"]');
    expect(pix.name).toMatch(/fc1-pixels\.png$/);
    expect([...pix.bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);
    expect(pix.bytes.length).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
  });

  it('screenshots in light and dark themes', async () => {
    await page.mouse.move(1, 1);
    await page.locator('main').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.screenshot({ path: join(SHOTS, 'overlap-bottom.png') });

    const dark = await h.newPage('dark');
    await dark.page.goto(`${h.url}#/overlap`);
    await ready(dark.page);
    await dark.page.screenshot({ path: join(SHOTS, 'overlap-dark.png') });
    await dark.page.waitForSelector('[data-testid="mask-pixels"]');
    await dark.page.locator('main').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await dark.page.waitForSelector('[data-testid="mask-pixels"][data-ready="true"]');
    await dark.page.screenshot({ path: join(SHOTS, 'overlap-dark-bottom.png') });
    expect(dark.errors).toEqual([]);
    await dark.context.close();
  });
});

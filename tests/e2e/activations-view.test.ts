// End to end, in Chromium against `ticketscope serve` with the real engine: a tiny Conv-2 IMP run is trained through
// the contract; the Activation maps view opened on a unit (the route the selectivity view links to) shows that unit in
// the run's four states side by side, with the numbers analyzeActivations returns (table, tile captions via hover,
// map values at the pointer), names the states whose Grad-CAM is near zero on the shared scale, steps to the next
// unit, gives the activations and Grad-CAM each a shared or per-state colour scale, exports the canvas as PNG and the activations as CSV; a LeNet
// state (no conv layer) gets input × gradient, labelled so, and no maps. Screenshots, light and dark, in
// test-results/e2e (also docs/screenshots/activation-maps.png with
// TICKETSCOPE_UPDATE_DOCS_SHOTS=1).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActivationsResult, SelectivityResult, StateInfo } from '../../src/shared/analysis';
import type { RunSummary, StartRunResult } from '../../src/shared/contract';
import { canvasSize, fmtValue as formatValue, pngSize, scrollTo, scrollTop, shot, trainConvRun, convFixtureDb, type ConvRun } from './conv-fixture';
import { downloadOf, parseCsv, type Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];
let run: ConvRun;
let states: string[] = [];
let unit = 0;
let direct: ActivationsResult;
let lenetRunId = '';
let nextUnit = 0;
let prefetch: Promise<unknown> = Promise.resolve();

type TileRow = [section: string, si: number, x: number, y: number, size: number, image: number | null];

const ready = (p: Page, u: number, layer = 'conv2', st = states) =>
  p.waitForSelector(`[data-testid="view-activations"][data-ready="true"][data-layer="${layer}"][data-unit="${u}"][data-states="${st.join(' ')}"]`, { timeout: 60_000 });

async function tiles(p: Page): Promise<TileRow[]> {
  return JSON.parse((await p.getByTestId('activation-grid').getAttribute('data-layout'))!) as TileRow[];
}

useHarness((s) => ({ h, page, errors } = s), { db: convFixtureDb, timeoutMs: 300_000 });

beforeAll(async () => {
  // A LeNet-300-100 run (no conv layer) trains alongside, for the input × gradient case.
  const lenetStart = h.call<StartRunResult>('startRun', {
    preset: 'quick-imp',
    overrides: ['iterations=10', 'evalEvery=10', 'method.rounds=1', 'method.controls=[]', 'synthetic={"train":600,"test":300}', 'validation=100'],
  });
  run = await trainConvRun(h);
  lenetRunId = (await lenetStart).runIds[0]!;
  states = [run.ref(0, 'init'), run.ref(1, 'ticket-at-init'), run.ref(1, 'trained'), run.ref(0, 'trained')];
  // The trained ticket's most "5"-selective conv2 channel (no permutations, 100 images: quick), for a telling picture.
  const sel = await h.call<SelectivityResult>('analyzeSelectivity', { states: [run.ref(1, 'trained')], class: 5, permutations: 0, probe: false, limit: 100 });
  unit = sel.states[0]!.layers.find((l) => l.layer === 'conv2')!.pools.find((p) => p.pooling === 'max')!.best.unit;
});

describe('activation maps view', () => {
  it('shows one unit in the run’s four states with the core’s numbers', async () => {
    await page.goto(`${h.url}#/activations/${run.runId}.1.trained.conv2.${unit}.5`);
    await ready(page, unit);
    direct = await h.call<ActivationsResult>('analyzeActivations', { states, layer: 'conv2', unit, class: 5, images: 16, top: 16 });
    expect(direct.meta.cached).toBe(true);
    // The next unit's request (what the › button will ask) starts now, so it runs while this test checks the page.
    nextUnit = unit + 1 < 64 ? unit + 1 : unit - 1;
    prefetch = h.call('analyzeActivations', { states, layer: 'conv2', unit: nextUnit, class: 5, images: 16, top: 16 });
    expect(direct.mapShape).toEqual([28, 28]);
    expect(await page.getByTestId('act-provenance').innerText()).toContain('activations v');

    // Table: mean on the class and on the others, and how many top images are of the class, per state.
    for (const s of direct.states) {
      const row = page.locator(`[data-testid="act-row"][data-state="${s.state.ref}"]`);
      expect(await row.getByTestId('act-mean-class').innerText()).toBe(formatValue(s.meanClass));
      expect(await row.getByTestId('act-mean-other').innerText()).toBe(formatValue(s.meanOther));
      const inTop = s.top.filter((m) => direct.images.find((im) => im.index === m.index)!.label === 5).length;
      expect(await row.getByTestId('act-top-class').innerText()).toBe(`${inTop} / ${s.top.length}`);
    }

    // Grad-CAM rows that draw as black on the shared scale (largest |value| under 5% of all states') are named.
    const camMax = direct.states.map((s) => Math.max(...[...s.gradcam.maps, s.gradcam.mean].flat().map(Math.abs)));
    const near = direct.states.filter((_, i) => camMax[i]! < 0.05 * Math.max(...camMax)).map((s) => s.state.ref);
    console.log(`Grad-CAM largest |value| per state: ${camMax.map((v) => v.toExponential(2)).join(', ')}; near zero: ${near.join(' ') || 'none'}`);
    if (near.length) expect(await page.getByTestId('act-near-zero').getAttribute('data-states')).toBe(near.join(' '));
    else expect(await page.getByTestId('act-near-zero').count()).toBe(0);

    // Grid: per state 16 class tiles + their mean map, 16 Grad-CAM tiles + mean, 16 top images.
    const grid = page.getByTestId('activation-grid');
    expect(Number(await grid.getAttribute('data-tiles'))).toBe(4 * (17 + 17 + 16));
    expect(Number(await grid.getAttribute('data-drawn'))).toBeGreaterThan(0);
    const layout = await tiles(page);
    // The same class images in every state, in the result's order.
    for (let si = 0; si < 4; si++) {
      expect(layout.filter((t) => t[0] === 'class' && t[1] === si && t[5] !== null).map((t) => t[5])).toEqual(direct.classImages);
      expect(layout.filter((t) => t[0] === 'top' && t[1] === si).map((t) => t[5])).toEqual(direct.states[si]!.top.map((m) => m.index));
    }

    // Hover the trained state's third class image: its activation, label and the map value under the pointer.
    const canvas = page.getByTestId('activation-canvas');
    const cbox = (await canvas.boundingBox())!;
    const target = layout.filter((t) => t[0] === 'class' && t[1] === 2 && t[5] !== null)[2]!;
    await scrollTo(page, '[data-testid="activation-grid"]');
    const cbox2 = (await canvas.boundingBox())!;
    const [, , tx, ty, size] = target;
    await page.mouse.move(cbox2.x + tx + size * 0.5 + 0.5, cbox2.y + ty + size * 0.5 + 0.5);
    const tip = page.getByTestId('act-tooltip');
    await tip.waitFor();
    expect(Number(await tip.getAttribute('data-image'))).toBe(direct.classImages[2]);
    expect(await tip.getAttribute('data-state')).toBe(states[2]);
    const um = direct.states[2]!.classImages[2]!;
    expect(await tip.getByTestId('act-tt-value').innerText()).toBe(formatValue(um.activation));
    // Centre of a 28x28 map: cell (14, 14).
    expect(await tip.getByTestId('act-tt-cell').innerText()).toBe(formatValue(um.map[14 * 28 + 14]!));
    expect(await tip.innerText()).toContain('label');
    expect(cbox.width).toBeGreaterThan(1000);
    await shot(page, 'activation-maps-hover.png', undefined, true);
    expect(errors).toEqual([]);
  });

  it('exports the grid as PNG and the activations as CSV', async () => {
    const png = await downloadOf(page, '[data-testid="act-export-png"]');
    const size = pngSize(png.bytes);
    const dims = await canvasSize(page, 'activation-canvas');
    expect([size.width, size.height]).toEqual(dims);
    expect(png.bytes.length).toBeGreaterThan(50_000);

    const [head, ...rows] = parseCsv((await downloadOf(page, '[data-testid="act-export-csv"]')).bytes.toString('utf8'));
    const col = (n: string) => head!.indexOf(n);
    expect(rows).toHaveLength(4 * (16 + 16 + 2));
    for (const r of rows) {
      const s = direct.states.find((x) => x.state.ref === r[col('state')])!;
      const set = r[col('set')];
      if (set === 'mean-class') expect(Number(r[col('activation')])).toBe(s.meanClass);
      else if (set === 'mean-other') expect(Number(r[col('activation')])).toBe(s.meanOther);
      else {
        const m = (set === 'class' ? s.classImages : s.top)[Number(r[col('rank')]) - 1]!;
        expect(Number(r[col('image_index')])).toBe(m.index);
        expect(Number(r[col('activation')])).toBe(m.activation);
        expect(Number(r[col('map_max')])).toBe(Math.max(...m.map));
      }
    }
  });

  it('steps to the next unit; colour scale and opacity redraw without a new request', async () => {
    await scrollTop(page);
    await shot(page, 'activation-maps.png', 'activation-maps.png');
    const next = nextUnit;
    await prefetch;
    await page.click(next > unit ? '[data-testid="act-unit-next"]' : '[data-testid="act-unit-prev"]');
    await ready(page, next);
    const nd = await h.call<ActivationsResult>('analyzeActivations', { states, layer: 'conv2', unit: next, class: 5, images: 16, top: 16 });
    expect(await page.locator(`[data-testid="act-row"][data-state="${states[2]}"] [data-testid="act-mean-class"]`).innerText()).toBe(formatValue(nd.states[2]!.meanClass));
    const drawn = Number(await page.getByTestId('activation-grid').getAttribute('data-drawn'));
    await page.selectOption('[data-testid="act-scale"]', 'per-state');
    await page.selectOption('[data-testid="act-cam-scale"]', 'per-state');
    expect(await page.getByTestId('act-near-zero').count()).toBe(0);
    await page.locator('[data-testid="act-opacity"]').fill('0.5');
    await page.waitForSelector(`[data-testid="activation-grid"]:not([data-drawn="${drawn}"]):not([data-drawn="${drawn + 1}"])`);
    expect(await page.getByTestId('view-activations').getAttribute('data-loading')).toBe('false');
    await scrollTo(page, '[data-testid="activation-grid"]');
    await shot(page, 'activation-maps-per-state-scale.png');
    // The top images: their class names and activations on two caption lines.
    const topY = Math.min(...(await tiles(page)).filter((t) => t[0] === 'top').map((t) => t[3]));
    await page.locator('main').first().evaluate((el: unknown, dy: number) => (el as { scrollBy(x: number, y: number): void }).scrollBy(0, dy), topY - 40);
    await shot(page, 'activation-maps-top-images.png');
    expect(errors).toEqual([]);
  });

  it('labels input × gradient for a net without conv layers (LeNet), and renders in the dark theme', async () => {
    const runId = lenetRunId;
    for (let i = 0; i < 150; i++) {
      const r = (await h.call<RunSummary[]>('listRuns', {})).find((x) => x.runId === runId)!;
      if (r.status === 'done') break;
      if (r.status === 'failed' || r.status === 'cancelled') throw new Error(`lenet run ${r.status}: ${r.error}`);
      await new Promise((res) => setTimeout(res, 400));
    }
    const lenetStates = await h.call<StateInfo[]>('listStates', { runId });
    const dark = await h.newPage('dark');
    await dark.page.goto(`${h.url}#/activations/${runId}.1.trained.fc1.7.5`);
    // The run's comparison: random init, ticket at init, trained ticket, trained dense net.
    const lst = [`${runId}:0:init`, `${runId}:1:ticket-at-init`, `${runId}:1:trained`, `${runId}:0:trained`];
    for (const ref of lst) expect(lenetStates.some((s) => s.ref === ref && s.hasWeights)).toBe(true);
    await ready(dark.page, 7, 'fc1', lst);
    expect(await dark.page.getByTestId('act-table').innerText()).toContain('input × gradient (no conv layer)');
    // Dense unit: class tiles without a map (no mean tile), input × gradient tiles with their mean.
    expect(Number(await dark.page.getByTestId('activation-grid').getAttribute('data-tiles'))).toBe(4 * (16 + 17 + 16));
    await shot(dark.page, 'activation-maps-lenet-dark.png');
    await dark.page.goto(`${h.url}#/activations/${run.runId}.1.trained.conv2.${unit}.5`);
    await ready(dark.page, unit);
    await shot(dark.page, 'activation-maps-dark.png');
    expect(dark.errors).toEqual([]);
    await dark.context.close();
  });
});

// End to end, in Chromium against `ticketscope serve` with the real engine: a tiny Conv-2 IMP run is trained through
// the contract; the Subcircuit view opens on the trained ticket overlaid on the ticket at init, laid out in a Web
// Worker (the app's CSP allows it); the circuits' logits and the shared units / edges against chance are
// analyzeSubcircuit's numbers; the keyboard walks the graph and opens a unit's details and its activation maps; a
// hovered edge shows its stored attribution; the edge-budget slider slices the edges; PNG, SVG and CSV exports hold
// what is drawn; and a 64-units, 5,000-edge circuit pair draws and hovers (bench/subcircuit-draw.ts times it).
// Screenshots, light and dark, in test-results/e2e (also docs/screenshots/subcircuit.png with
// TICKETSCOPE_UPDATE_DOCS_SHOTS=1).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SubcircuitResult } from '../../src/shared/analysis';
import { canvasSize, fmtValue as formatValue, pngSize, scrollTo, scrollTop, shot, trainConvRun, convFixtureDb, type ConvRun } from './conv-fixture';
import { downloadOf, parseCsv, type Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];
let run: ConvRun;
let A = '';
let B = '';
let direct: SubcircuitResult;

interface GraphLayout {
  w: number;
  h: number;
  nodes: [layer: string, unit: number, x: number, y: number][];
}

const ready = (p: Page) => p.waitForSelector(`[data-testid="view-subcircuit"][data-ready="true"][data-a="${A}"][data-b="${B}"]`, { timeout: 60_000 });
const graphLayout = async (p: Page) => JSON.parse((await p.getByTestId('subcircuit-graph').getAttribute('data-layout'))!) as GraphLayout;

useHarness((s) => ({ h, page, errors } = s), { db: convFixtureDb, timeoutMs: 300_000 });

beforeAll(async () => {
  run = await trainConvRun(h);
  A = run.ref(1, 'trained');
  B = run.ref(1, 'ticket-at-init');
});

describe('subcircuit view', () => {
  it('overlays the trained ticket on the ticket at init, laid out in a worker, with the core’s numbers', async () => {
    await page.goto(`${h.url}#/subcircuit/${run.runId}`);
    await ready(page);
    const view = page.getByTestId('view-subcircuit');
    expect(await view.getAttribute('data-layout-engine')).toBe('worker');
    direct = await h.call<SubcircuitResult>('analyzeSubcircuit', { state: A, compare: B, class: 5, units: 12, edges: 2000, images: 256 });
    expect(direct.meta.cached).toBe(true);
    const sh = direct.shared!;
    expect(await page.getByTestId('sub-share-units').innerText()).toContain(`${sh.units} vs. ${sh.expectedUnits.toFixed(1)} by chance`);
    expect(await page.getByTestId('sub-share-units').innerText()).toContain(`Jaccard ${sh.unitJaccard!.toFixed(3)}`);
    expect(await page.getByTestId('sub-share-edges').innerText()).toContain(`${sh.edges} vs. ${sh.expectedEdges.toFixed(1)} by chance`);
    for (let i = 0; i < 2; i++) expect(await page.getByTestId(`sub-logit-${i}`).innerText()).toContain(`logit ${formatValue(direct.circuits[i]!.logit)}`);

    const graph = page.getByTestId('subcircuit-graph');
    const nA = direct.circuits[0]!.edges.length;
    const nB = direct.circuits[1]!.edges.length;
    const k = Math.min(400, Math.max(nA, nB));
    expect(Number(await graph.getAttribute('data-shown-a'))).toBe(Math.min(k, nA));
    expect(Number(await graph.getAttribute('data-shown-b'))).toBe(Math.min(k, nB));
    // Every selected unit of both circuits is a node (union per layer).
    const layout = await graphLayout(page);
    const union = new Set(direct.circuits.flatMap((c) => c.layers.flatMap((l) => l.units.map((u) => `${l.name}:${u.unit}`))));
    expect(new Set(layout.nodes.map((n) => `${n[0]}:${n[1]}`))).toEqual(union);
    // Sorted by attribution within a column: most positive on top.
    const conv2 = layout.nodes.filter((n) => n[0] === 'conv2' && direct.circuits[0]!.layers[2]!.units.some((u) => u.unit === n[1]));
    const attr = (u: number) => direct.circuits[0]!.layers[2]!.units.find((x) => x.unit === u)!.attribution;
    for (let i = 1; i < conv2.length; i++) if (conv2[i]![3] > conv2[i - 1]![3]) expect(attr(conv2[i]![1])).toBeLessThanOrEqual(attr(conv2[i - 1]![1]));
    await shot(page, 'subcircuit.png', 'subcircuit.png');
    // Below the graph, the faithfulness curves of A and B (for a conv net) and the score of the circuit on screen.
    // Waiting for them here also lets the later pages read them from the cache: leaving the view before they are
    // done cancels them, and the next page would compute them again.
    await page.waitForSelector('[data-testid="faith-chart"]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid="faith-shown-f"]', { timeout: 120_000 });
    expect(await page.locator('[data-testid="faith-curve"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).toEqual([A, B]);
    expect(await page.getByTestId('faith-shown-f').innerText()).toMatch(/^(-?\d+\.\d{3}|—)$/);
    expect(errors).toEqual([]);
  });

  it('walks the graph by keyboard; Enter shows a unit, its link opens the activation maps', async () => {
    const overlay = page.getByTestId('subcircuit-overlay');
    await overlay.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    const tip = page.getByTestId('sub-tooltip');
    await tip.waitFor();
    expect(await tip.getAttribute('data-kind')).toBe('node');
    expect(await tip.getAttribute('data-layer')).toBe('conv1');
    const u = Number(await tip.getAttribute('data-unit'));
    const inA = direct.circuits[0]!.layers[1]!.units.findIndex((x) => x.unit === u);
    const tipA = await tip.getByTestId('sub-tt-attr-0').innerText();
    if (inA >= 0) expect(tipA).toBe(`${formatValue(direct.circuits[0]!.layers[1]!.units[inA]!.attribution)} (rank ${inA + 1})`);
    else expect(tipA).toBe('not selected');
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('sub-detail-title').innerText()).toBe(`conv1 #${u}`);
    await shot(page, 'subcircuit-unit.png', undefined, true);
    const link = page.locator('[data-testid^="sub-open-unit-"]').first();
    const which = (await link.getAttribute('data-testid'))!.endsWith('0') ? 'trained' : 'ticket-at-init';
    await link.click();
    await page.waitForSelector('#root[data-view="activations"]');
    expect(decodeURIComponent(page.url())).toContain(`#/activations/${run.runId}.1.${which}.conv1.${u}.5`);
    await page.goBack();
    await ready(page);
  });

  it('hovering an edge shows its stored attribution; the slider slices the edges', async () => {
    await scrollTo(page, '[data-testid="subcircuit-graph"]');
    const layout = await graphLayout(page);
    const box = (await page.getByTestId('subcircuit-overlay').boundingBox())!;
    const names = direct.circuits[0]!.layers.map((l) => l.name);
    const pos = (layer: string, unit: number) => layout.nodes.find((n) => n[0] === layer && n[1] === unit)!;
    // The strongest edge of A between conv1 and conv2: hover its middle (t = 0.5: the mean of its ends' y).
    const e = direct.circuits[0]!.edges.find((x) => names[x.layer] === 'conv1')!;
    const a = pos('conv1', e.from);
    const b = pos('conv2', e.to);
    await page.mouse.move(box.x + (a[2] + b[2]) / 2, box.y + (a[3] + b[3]) / 2);
    const tip = page.getByTestId('sub-tooltip');
    await tip.waitFor();
    expect(await tip.getAttribute('data-kind')).toBe('edge');
    // The edge under the pointer (the strongest one there, or one crossing it) with its stored numbers.
    const from = (await tip.getAttribute('data-from'))!;
    const to = (await tip.getAttribute('data-to'))!;
    const [fl, fu] = from.split(' #');
    const [tl, tu] = to.split(' #');
    const hit = direct.circuits.flatMap((c) => c.edges).find((x) => names[x.layer] === fl && names[x.layer + 1] === tl && x.from === Number(fu) && x.to === Number(tu))!;
    expect(hit).toBeDefined();
    expect(Number(await tip.getAttribute('data-attribution'))).toBe(hit.attribution);
    expect(await tip.getByTestId('sub-tt-weights').innerText()).toBe(String(hit.weights));
    await shot(page, 'subcircuit-edge-hover.png', undefined, true);

    await page.locator('[data-testid="sub-budget"]').fill('60');
    const graph = page.getByTestId('subcircuit-graph');
    await page.waitForSelector('[data-testid="subcircuit-graph"][data-shown-a="60"]');
    expect(Number(await graph.getAttribute('data-shown-b'))).toBe(60);
    expect(await page.getByTestId('sub-budget-text').innerText()).toContain('60 of');
    const shared = Number(await graph.getAttribute('data-shared'));
    expect(Number(await graph.getAttribute('data-edges'))).toBe(120 - shared);
    expect(await page.getByTestId('sub-share-shown').innerText()).toContain(`${shared} shared of 60 (A) and 60 (B)`);
    await scrollTop(page);
    await shot(page, 'subcircuit-budget-60.png');
  });

  it('exports PNG (the canvas), SVG (the same edges) and CSV (every returned edge)', async () => {
    const graph = page.getByTestId('subcircuit-graph');
    const drawn = Number(await graph.getAttribute('data-edges'));
    const png = await downloadOf(page, '[data-testid="sub-export-png"]');
    const dims = await canvasSize(page, 'subcircuit-canvas');
    const size = pngSize(png.bytes);
    expect([size.width, size.height]).toEqual(dims);

    const svg = (await downloadOf(page, '[data-testid="sub-export-svg"]')).bytes.toString('utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/class="edge"/g)).toHaveLength(drawn);
    expect(svg.match(/class="node"/g)!.length).toBe(Number(await graph.getAttribute('data-nodes')));
    for (const name of ['input', 'conv1', 'conv2', 'fc1', 'fc2', 'fc3']) expect(svg).toContain(`>${name}</text>`);
    expect(svg).toContain(`Subcircuit of class “${direct.class.name}”`);

    const [head, ...rows] = parseCsv((await downloadOf(page, '[data-testid="sub-export-csv"]')).bytes.toString('utf8'));
    const col = (n: string) => head!.indexOf(n);
    expect(rows).toHaveLength(direct.circuits[0]!.edges.length + direct.circuits[1]!.edges.length);
    expect(rows.filter((r) => r[col('shown')] === '1')).toHaveLength(120);
    // Shared edges are listed under both states; the graph draws them once.
    const shared = Number(await graph.getAttribute('data-shared'));
    expect(rows.filter((r) => r[col('membership')] === 'both')).toHaveLength(2 * shared);
    expect(drawn).toBe(120 - shared);
    const first = rows.find((r) => r[col('state')] === A && r[col('rank')] === '1')!;
    const e0 = direct.circuits[0]!.edges[0]!;
    expect(Number(first[col('attribution')])).toBe(e0.attribution);
    expect(Number(first[col('from_unit')])).toBe(e0.from);
    expect(first[col('to_layer')]).toBe(direct.circuits[0]!.layers[e0.layer + 1]!.name);
    expect(errors).toEqual([]);
  });

  // How fast it draws and hovers is measured by `npm run bench:subcircuit` (bench/subcircuit-draw.ts), not asserted here.
  it('draws 64 units per layer and 5,000 edges per state, and hovers them without redrawing', async () => {
    await page.locator('[data-testid="sub-units"]').fill('64');
    await page.locator('[data-testid="sub-units"]').press('Enter');
    await page.locator('[data-testid="sub-edges"]').fill('5000');
    await page.locator('[data-testid="sub-edges"]').press('Enter');
    await page.waitForSelector('[data-testid="view-subcircuit"][data-ready="true"][data-units-per-layer="64"][data-edge-budget="5000"]', { timeout: 90_000 });
    const max = await page.locator('[data-testid="sub-budget"]').getAttribute('max');
    await page.locator('[data-testid="sub-budget"]').fill(max!);
    const graph = page.getByTestId('subcircuit-graph');
    await page.waitForSelector(`[data-testid="subcircuit-graph"][data-shown-a="${Math.min(Number(max), 5000)}"]`);
    const edges = Number(await graph.getAttribute('data-edges'));
    expect(edges).toBeGreaterThanOrEqual(5000);
    // The canvas drew (its draw time is recorded) and the layout came from the worker.
    expect(Number(await graph.getAttribute('data-draw-ms'))).toBeGreaterThan(0);
    expect(Number(await page.getByTestId('view-subcircuit').getAttribute('data-layout-ms'))).toBeGreaterThan(0);
    // Hover sweeps across the dense graph: every move is answered (a tooltip or none) without redrawing the edges.
    const box = (await page.getByTestId('subcircuit-overlay').boundingBox())!;
    const draws = await graph.getAttribute('data-draws');
    let tips = 0;
    for (let i = 0; i < 40; i++) {
      await page.mouse.move(box.x + box.width * (0.15 + 0.0175 * i), box.y + box.height * (0.3 + 0.01 * i));
      if (await page.getByTestId('sub-tooltip').isVisible()) tips++;
    }
    expect(tips).toBeGreaterThan(0);
    expect(await graph.getAttribute('data-draws')).toBe(draws);
    await shot(page, 'subcircuit-5000-edges.png');
    expect(errors).toEqual([]);
  });

  it('renders in the dark theme', async () => {
    const dark = await h.newPage('dark');
    await dark.page.goto(`${h.url}#/subcircuit/${run.runId}`);
    await ready(dark.page);
    await dark.page.locator('[data-testid="sub-budget"]').fill('60');
    await dark.page.waitForSelector('[data-testid="subcircuit-graph"][data-shown-a="60"]');
    await shot(dark.page, 'subcircuit-dark.png');
    await dark.page.selectOption('[data-testid="sub-colouring"]', 'sign');
    await shot(dark.page, 'subcircuit-sign-dark.png');
    expect(dark.errors).toEqual([]);
    await dark.context.close();
  });
});

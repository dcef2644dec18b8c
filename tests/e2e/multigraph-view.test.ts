// End to end, in Chromium against `ticketscope serve`: the Multigraph view explains the demonstration, draws the
// error-vs-K curve, the parallel-edge network at the shown K and the sample table exactly as analyzeMultigraph
// returns them; the K slider (keyboard), the target, candidate weights and K max re-query; hover shows exact values;
// PNG, SVG and CSV exports hold what they should. Screenshots in test-results/e2e (also docs/screenshots/multigraph.png with
// TICKETSCOPE_UPDATE_DOCS_SHOTS=1).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { MultigraphResult } from '../../src/shared/analysis';
import { downloadOf, parseCsv, publishShot, SHOTS, type Harness } from './harness';
import { useHarness } from './use-harness';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let h: Harness;
let page: Page;
let errors: string[];

const fmtErr = (v: number) => (v === 0 ? '0' : v >= 0.01 && v < 1000 ? v.toPrecision(3) : v.toExponential(2));
const ready = (p: Page, k: number) => p.waitForSelector(`[data-testid="view-multigraph"][data-ready="true"][data-k="${k}"]`, { timeout: 30_000 });

useHarness((s) => ({ h, page, errors } = s));
async function checkAgainst(direct: MultigraphResult) {
  const points = await page.locator('[data-testid="mg-error-chart"] [data-testid="mg-point"]').evaluateAll((els) =>
    els.map((e) => ({ key: e.getAttribute('data-key')!, k: Number(e.getAttribute('data-k')), value: Number(e.getAttribute('data-value')) })),
  );
  expect(points).toHaveLength(direct.curve.length * 4);
  for (const p of points) expect(p.value).toBe(direct.curve.find((c) => c.k === p.k)![p.key as 'maxWeightError']);
  const net = page.getByTestId('mg-network');
  const kept = direct.layers.reduce((a, l) => a + l.mask.flat(2).filter((m) => m === 1).length, 0);
  const pairs = direct.layers.reduce((a, l) => a + l.in * l.out, 0);
  expect(Number(await net.getAttribute('data-kept'))).toBe(kept);
  expect(await net.locator('[data-testid="mg-edge"]').count()).toBe(pairs * direct.shown);
  expect(await net.locator('[data-testid="mg-edge"][data-kept="1"]').count()).toBe(kept);
  const pair = net.locator('[data-testid="mg-pair"][data-layer="0"][data-from="0"][data-to="0"]');
  expect(Number(await pair.getAttribute('data-target'))).toBe(direct.layers[0]!.target[0]![0]);
  expect(Number(await pair.getAttribute('data-approx'))).toBe(direct.layers[0]!.approx[0]![0]);
  expect(await page.getByTestId('mg-sample-row').count()).toBe(direct.samples.length);
}

describe('multigraph view', () => {
  it('explains the demo and shows exactly what analyzeMultigraph returns (XOR, base-2, K = 12)', async () => {
    await page.goto(`${h.url}#/multigraph`);
    await ready(page, 12);
    const explain = await page.getByTestId('mg-explain').innerText();
    expect(explain).toContain('Masking alone can build any circuit');
    expect(explain).toContain('The unmasked network computes nothing useful');
    const direct = await h.call<MultigraphResult>('analyzeMultigraph', { target: 'xor', variant: 'base2', kMax: 12, k: 12, seed: 0 });
    await checkAgainst(direct);
    // XOR's net is 2-2-1: six connections, labelled with their target and approximation.
    const netText = await page.getByTestId('mg-network').innerText();
    expect(netText).toContain(`t ${direct.layers[0]!.target[0]![0]!.toFixed(3)}`);
    // The first sample row: input and outputs as returned.
    const row = await page.getByTestId('mg-sample-row').nth(1).innerText();
    expect(row).toContain(direct.samples[1]!.masked.map((x) => x.toFixed(3)).join(', '));

    // Hover K = 3 on the error chart: the exact errors.
    const hit = page.locator('[data-testid="mg-hit"][data-k="3"]');
    const box = (await hit.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = page.getByTestId('mg-tooltip');
    await tip.waitFor();
    const c3 = direct.curve.find((c) => c.k === 3)!;
    expect(await tip.getByTestId('tt-maxWeightError').innerText()).toBe(fmtErr(c3.maxWeightError));
    expect(await tip.getByTestId('tt-unmaskedRmse').innerText()).toBe(fmtErr(c3.unmaskedRmse));
    // The masked error falls with K; the unmasked one does not approach the target.
    expect(direct.curve.at(-1)!.outputRmse).toBeLessThan(direct.curve[0]!.outputRmse / 100);
    expect(direct.curve.at(-1)!.unmaskedRmse).toBeGreaterThan(0.1);
    await page.screenshot({ path: join(SHOTS, 'multigraph-hover.png') });
    expect(errors).toEqual([]);
  });

  it('the K slider (keyboard) redraws the network at that K; hovering a connection shows its weights', async () => {
    const slider = page.getByTestId('mg-k');
    await slider.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await ready(page, 4);
    const direct = await h.call<MultigraphResult>('analyzeMultigraph', { target: 'xor', variant: 'base2', kMax: 12, k: 4, seed: 0 });
    await checkAgainst(direct);
    const pairHit = page.locator('[data-testid="mg-pair"][data-layer="1"][data-from="1"][data-to="0"] [data-testid="mg-pair-hit"]');
    const box = (await pairHit.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = page.getByTestId('mg-pair-tooltip');
    await tip.waitFor();
    expect(await tip.getByTestId('tt-target').innerText()).toBe(direct.layers[1]!.target[1]![0]!.toFixed(4));
    expect(await tip.getByTestId('tt-approx').innerText()).toBe(direct.layers[1]!.approx[1]![0]!.toFixed(4));
    await page.screenshot({ path: join(SHOTS, 'multigraph-k4.png') });
    expect(errors).toEqual([]);
  });

  it('random target and candidates, K max 8: re-queried and drawn', async () => {
    await page.selectOption('[data-testid="mg-target"]', 'random');
    await page.selectOption('[data-testid="mg-variant"]', 'random');
    await page.getByTestId('mg-kmax').fill('8');
    await page.getByTestId('mg-kmax').press('Enter');
    // K shown stays 4 (below the new maximum).
    await page.waitForSelector('[data-testid="view-multigraph"][data-target="random/random/8"]');
    await ready(page, 4);
    await page.waitForSelector('[data-testid="mg-error-chart"][data-points="8"]');
    const direct = await h.call<MultigraphResult>('analyzeMultigraph', { target: 'random', variant: 'random', kMax: 8, k: 4, seed: 0 });
    await checkAgainst(direct);
    // Back to the maximum: the slider's End key.
    await page.getByTestId('mg-k').focus();
    await page.keyboard.press('End');
    await ready(page, 8);
    await checkAgainst(await h.call<MultigraphResult>('analyzeMultigraph', { target: 'random', variant: 'random', kMax: 8, k: 8, seed: 0 }));
    expect(errors).toEqual([]);
  });

  it('exports the charts as PNG and SVG and the tables as CSV', async () => {
    const direct = await h.call<MultigraphResult>('analyzeMultigraph', { target: 'random', variant: 'random', kMax: 8, k: 8, seed: 0 });
    const svg = (await downloadOf(page, '[data-testid="export-mg-error-svg"]')).bytes.toString('utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('K, parallel edges per connection');
    expect(svg).toContain('error (log scale)');
    expect(svg).toContain('output RMSE, unmasked (all edges)');
    expect(svg).not.toContain('no-export');
    const png = await downloadOf(page, '[data-testid="export-mg-error-png"]');
    expect([...png.bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);
    expect(png.bytes.length).toBeGreaterThan(10_000);

    const netSvg = (await downloadOf(page, '[data-testid="export-mg-network-svg"]')).bytes.toString('utf8');
    expect(netSvg).toContain('<svg');
    expect(netSvg).toContain('The multigraph at K = 8');
    expect(netSvg.match(/data-testid="mg-edge"/g)).toHaveLength(direct.layers.reduce((a, l) => a + l.in * l.out, 0) * 8);
    expect([...(await downloadOf(page, '[data-testid="export-mg-network-png"]')).bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);

    const curve = parseCsv((await downloadOf(page, '[data-testid="export-mg-error-csv"]')).bytes.toString('utf8'));
    expect(curve[0]).toEqual(['target', 'variant', 'k', 'max_weight_error', 'mean_weight_error', 'output_rmse_masked', 'output_rmse_unmasked']);
    expect(curve).toHaveLength(9);
    for (const [i, p] of direct.curve.entries()) {
      expect(Number(curve[i + 1]![2])).toBe(p.k);
      expect(Number(curve[i + 1]![3])).toBe(p.maxWeightError);
      expect(Number(curve[i + 1]![6])).toBe(p.unmaskedRmse);
    }
    const samples = parseCsv((await downloadOf(page, '[data-testid="export-mg-samples-csv"]')).bytes.toString('utf8'));
    expect(samples[0]).toEqual(['sample', 'input_1', 'input_2', 'input_3', 'input_4', 'target_1', 'target_2', 'masked_1', 'masked_2', 'unmasked_1', 'unmasked_2']);
    expect(samples).toHaveLength(direct.samples.length + 1);
    expect(Number(samples[1]![7])).toBe(direct.samples[0]!.masked[0]);
    expect(Number(samples[1]![9])).toBe(direct.samples[0]!.unmasked[0]);
    expect(errors).toEqual([]);
  });

  it('screenshots in light and dark themes', async () => {
    // Leaving the view and coming back starts from the defaults again.
    await page.goto(`${h.url}#/runs`);
    await page.goto(`${h.url}#/multigraph`);
    await page.waitForSelector('[data-testid="view-multigraph"][data-target="xor/base2/12"]');
    await ready(page, 12);
    await page.mouse.move(1, 1);
    const shot = join(SHOTS, 'multigraph.png');
    await page.screenshot({ path: shot });
    publishShot(shot, 'screenshots/multigraph.png');
    const dark = await h.newPage('dark');
    await dark.page.goto(`${h.url}#/multigraph`);
    await ready(dark.page, 12);
    await dark.page.selectOption('[data-testid="mg-target"]', 'random');
    await dark.page.waitForSelector('[data-testid="view-multigraph"][data-target="random/base2/12"]');
    await dark.page.waitForSelector('[data-testid="mg-network"] [data-testid="mg-pair"][data-layer="1"][data-from="5"]');
    await dark.page.screenshot({ path: join(SHOTS, 'multigraph-dark.png') });
    expect(dark.errors).toEqual([]);
    await dark.context.close();
  });
});

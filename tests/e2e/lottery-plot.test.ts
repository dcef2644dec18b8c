// End to end, in Chromium against `ticketscope serve` with the real engine: the navigation lists every view, the
// shortcuts and the help overlay work, every analysis view opens; the experiment builder validates
// inline and starts a tiny IMP experiment with all three controls on synthetic data; when it is done the lottery plot
// shows one line per kind with the stored numbers (a hovered point against getExperiment / getRun), and its PNG, SVG
// and CSV exports hold what they should. Waits on markers only; screenshots in test-results/e2e (also docs/screenshots with
// TICKETSCOPE_UPDATE_DOCS_SHOTS=1).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ExperimentDetail, RunDetail } from '../../src/shared/contract';
import { downloadOf, parseCsv, publishShot, SHOTS, TERMINAL, type Harness } from './harness';
import { useHarness } from './use-harness';

const VIEW_NAMES = ['Runs', 'Experiment builder', 'Lottery plot', 'Subcircuit', 'Activation maps', 'Selectivity', 'Mask overlap', 'Multigraph', 'Dog report'];
const KINDS = ['imp', 'reinit', 'random-prune', 'shuffle'];
const ROUNDS = 2;
const SEEDS = [0, 1];
const RUN_TIMEOUT_MS = 150_000;

let h: Harness;
let page: Page;
let errors: string[];
let experimentId = '';

useHarness((s) => ({ h, page, errors } = s));

const field = (path: string) => page.locator(`[data-field="${path}"] :is(input, select, textarea)`).first();
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

describe('views, builder and lottery plot', () => {
  it('lists every view in the nav; shortcuts, help overlay; analysis views open', async () => {
    await page.goto(h.url);
    await page.waitForSelector('#root[data-app-state="ready"]', { timeout: 30_000 });
    const nav = page.getByRole('navigation', { name: 'Views' });
    const names = (await nav.getByRole('link').allInnerTexts()).map((t) => t.trim());
    expect(names).toEqual(VIEW_NAMES);

    // g then l opens the lottery plot, which says there is nothing to plot yet and what to do.
    await page.keyboard.press('g');
    await page.keyboard.press('l');
    await page.waitForSelector('#root[data-view="lottery"]');
    expect(page.url()).toMatch(/#\/lottery$/);
    expect(await page.getByTestId('lottery-empty').innerText()).toContain('Experiment builder');

    // Alt+4 opens the subcircuit view; every analysis view opens. With no stored state yet, the mask overlap view
    // says what to do.
    await page.keyboard.press('Alt+Digit4');
    await page.waitForSelector('#root[data-view="subcircuit"] [data-testid="view-subcircuit"]');
    for (const id of ['activations', 'selectivity', 'overlap', 'multigraph']) {
      await page.goto(`${h.url}#/${id}`);
      await page.waitForSelector(`[data-testid="view-${id}"]`);
    }
    await page.goto(`${h.url}#/overlap`);
    expect(await page.getByTestId('overlap-empty').innerText()).toContain('Experiment builder');
    await page.screenshot({ path: join(SHOTS, 'overlap-empty.png') });

    // ? opens the shortcut overlay listing every view; Escape closes it.
    await page.keyboard.press('?');
    const help = page.getByTestId('help-overlay');
    await help.waitFor();
    const helpText = await help.innerText();
    for (const n of VIEW_NAMES) expect(helpText).toContain(n);
    await page.screenshot({ path: join(SHOTS, 'help-overlay.png') });
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });

    // A direct link opens a view.
    await page.goto(`${h.url}#/builder`);
    await page.waitForSelector('[data-testid="view-builder"]');
    expect(await page.locator('nav a[aria-current="page"]').innerText()).toBe('Experiment builder');
  });

  it('builds a tiny IMP experiment with controls in the builder, validating inline, and starts it', { timeout: RUN_TIMEOUT_MS + 60_000 }, async () => {
    await page.selectOption('[data-testid="builder-preset"]', 'quick');
    await page.selectOption('[data-testid="method-kind"]', 'imp');
    await field('method.rounds').fill(String(ROUNDS));
    await field('method.rates.conv').fill('0.1');
    await field('method.rates.fc').fill('0.5');
    await field('method.rates.output').fill('0.2');
    for (const c of ['reinit', 'random-prune', 'shuffle']) {
      await page.locator('[data-field="method.controls"] label', { hasText: c }).locator('input').check();
    }
    await field('name').fill('e2e-imp');
    await field('seeds').fill(SEEDS.join(', '));
    await field('validation').fill('300');
    await field('synthetic.train').fill('1500');
    await field('synthetic.test').fill('300');

    // Inline validation with the core's own schema: evalEvery beyond iterations is refused where it was typed.
    await field('iterations').fill('30');
    await page.waitForSelector('[data-field="iterations"] [data-testid="field-error"]');
    expect(await page.locator('[data-field="iterations"] [data-testid="field-error"]').innerText()).toBe('evalEvery must be at most iterations (30)');
    expect(await page.locator('[data-testid="field-error"]').count()).toBe(1);
    expect(await page.getByTestId('builder-start').isDisabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'builder-invalid.png') });
    await field('evalEvery').fill('10');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');

    // The JSON is the config the core will get; Copy puts it on the clipboard.
    const shown = JSON.parse(await page.getByTestId('config-json').innerText()) as Record<string, unknown>;
    expect(shown).toMatchObject({
      name: 'e2e-imp',
      iterations: 30,
      evalEvery: 10,
      seeds: SEEDS,
      synthetic: { train: 1500, test: 300 },
      method: { kind: 'imp', rounds: ROUNDS, rates: { conv: 0.1, fc: 0.5, output: 0.2 }, controls: ['reinit', 'random-prune', 'shuffle'] },
    });
    await page.getByTestId('copy-config').click();
    await page.getByTestId('copy-status').filter({ hasText: 'Copied.' }).waitFor();
    expect(await page.getByTestId('builder-plan').innerText()).toContain(`${SEEDS.length * 4} runs`);
    const expectedId = await page.getByTestId('builder-experiment-id').innerText();
    await page.locator('[data-testid="view-builder"] h2').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'builder-imp.png') });

    await page.getByTestId('builder-start').click();
    await page.waitForSelector('#root[data-view="runs"]');
    const group = page.locator(`[data-testid="experiment-group"][data-experiment-id="${expectedId}"]`);
    await group.waitFor({ timeout: 30_000 });
    experimentId = expectedId;
    await page.waitForSelector('[data-testid="run-item"][data-status="running"]', { timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, 'runs-imp-running.png') });

    await page.waitForSelector(`[data-testid="experiment-group"][data-experiment-id="${expectedId}"]${TERMINAL}`, { timeout: RUN_TIMEOUT_MS });
    const detail = await h.call<ExperimentDetail>('getExperiment', { experimentId });
    const notDone = detail.runs.filter((r) => r.status !== 'done');
    if (notDone.length) throw new Error(`runs not done: ${notDone.map((r) => `${r.kind}/${r.seed} ${r.status} ${r.error}`).join('; ')}\n${h.log()}`);
    expect(detail.runs).toHaveLength(SEEDS.length * KINDS.length);
    expect(await page.locator('[data-testid="run-item"][data-status="done"]').count()).toBe(SEEDS.length * KINDS.length);
    // Rounds done / total are shown per run: the ticket trains rounds 0..R, controls 1..R.
    const ticketRounds = await page.locator('[data-testid="run-item"][data-kind="imp"] [data-testid="run-rounds"]').first().innerText();
    expect(ticketRounds).toBe(`rounds ${ROUNDS + 1}/${ROUNDS + 1}`);
    await page.mouse.move(1, 1);
    await page.screenshot({ path: join(SHOTS, 'runs-imp-done.png') });
  });

  it('plots one line per kind with the stored numbers; hover shows them exactly', async () => {
    expect(experimentId).not.toBe('');
    await page.locator(`[data-testid="experiment-group"][data-experiment-id="${experimentId}"] [data-testid="open-lottery"]`).click();
    const nPoints = ROUNDS + 1 + 3 * ROUNDS;
    await page.waitForSelector(`[data-testid="view-lottery"][data-experiment-id="${experimentId}"]`);
    await page.waitForSelector(`[data-testid="lottery-accuracy"][data-series="4"][data-points="${nPoints}"]`, { timeout: 30_000 });

    const legend = await page.locator('[data-testid="lottery-accuracy"] [data-testid="legend-item"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(legend.sort()).toEqual([...KINDS].sort());
    for (const chart of ['lottery-accuracy', 'lottery-early-stop']) {
      const kinds = await page.locator(`[data-testid="${chart}"] [data-testid="lottery-series"]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
      expect(kinds.sort()).toEqual([...KINDS].sort());
    }
    expect(await page.getByTestId('lottery-row').count()).toBe(nPoints);

    // Every plotted point is the mean over seeds of the stored round results.
    const detail = await h.call<ExperimentDetail>('getExperiment', { experimentId });
    const stored = (kind: string, round: number) =>
      detail.runs.filter((r) => r.kind === kind).map((r) => r.rounds.find((x) => x.round === round)!);
    const points = await page.locator('[data-testid="lottery-accuracy"] [data-testid="lottery-point"]').evaluateAll((els) =>
      els.map((e) => ({ kind: e.getAttribute('data-kind')!, round: Number(e.getAttribute('data-round')), density: Number(e.getAttribute('data-density')), value: Number(e.getAttribute('data-value')) })),
    );
    expect(points).toHaveLength(nPoints);
    for (const p of points) {
      const rs = stored(p.kind, p.round);
      expect(rs).toHaveLength(SEEDS.length);
      expect(p.value).toBeCloseTo(mean(rs.map((r) => r.testAccuracy)), 12);
      expect(p.density).toBeCloseTo(mean(rs.map((r) => r.density)), 12);
    }

    // Hover a control's point at the last round: the tooltip shows the stored numbers, per seed too (getRun).
    const target = page.locator(`[data-testid="lottery-accuracy"] [data-testid="lottery-point"][data-kind="random-prune"][data-round="${ROUNDS}"]`);
    const box = (await target.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = page.locator('[data-testid="lottery-accuracy"] [data-testid="lottery-tooltip"]');
    await tip.waitFor();
    const kind = (await tip.getAttribute('data-kind'))!;
    const round = Number(await tip.getAttribute('data-round'));
    // Controls share the ticket's density, so a coinciding point of another kind may win the hover; same round then.
    expect(round).toBe(ROUNDS);
    const rs = stored(kind, round);
    expect(await tip.getByTestId('tt-accuracy').innerText()).toMatch(new RegExp(`^${pct(mean(rs.map((r) => r.testAccuracy))).replace('.', '\\.')}`));
    expect(await tip.getByTestId('tt-density').innerText()).toBe(pct(mean(rs.map((r) => r.density))));
    expect(await tip.getByTestId('tt-n').innerText()).toBe(`n = ${SEEDS.length}`);
    const runIds = detail.runs.filter((r) => r.kind === kind).map((r) => r.runId);
    const tipText = await tip.innerText();
    for (const runId of runIds) {
      const run = await h.call<RunDetail>('getRun', { runId });
      const r = run.rounds.find((x) => x.round === round)!;
      expect(tipText).toContain(pct(r.testAccuracy));
    }
    await page.screenshot({ path: join(SHOTS, 'lottery-plot-hover.png') });
    expect(errors).toEqual([]);
  });

  it('exports each chart as PNG and SVG and the table as CSV', async () => {
    const detail = await h.call<ExperimentDetail>('getExperiment', { experimentId });

    const svg = await downloadOf(page, '[data-testid="export-accuracy-svg"]');
    expect(svg.name).toMatch(/\.svg$/);
    const svgText = svg.bytes.toString('utf8');
    expect(svgText).toMatch(/^<\?xml[^>]*>\s*<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svgText).toContain('weights remaining (% of prunable weights, log scale)');
    expect(svgText).toContain('test accuracy at early stop (%)');
    for (const k of KINDS) expect(svgText).toContain(`(${k})`);
    expect(svgText).not.toContain('no-export');
    expect(svgText.match(/data-testid="lottery-point"/g)).toHaveLength(ROUNDS + 1 + 3 * ROUNDS);

    const es = await downloadOf(page, '[data-testid="export-early-stop-svg"]');
    expect(es.bytes.toString('utf8')).toContain('early-stop iteration (min. validation loss)');

    const png = await downloadOf(page, '[data-testid="export-accuracy-png"]');
    expect(png.name).toMatch(/\.png$/);
    expect([...png.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const width = png.bytes.readUInt32BE(16);
    const height = png.bytes.readUInt32BE(20);
    const chartBox = (await page.locator('[data-testid="lottery-accuracy"] svg').boundingBox())!;
    expect(width).toBe(Math.round(chartBox.width * 2));
    expect(height).toBe(Math.round(chartBox.height * 2));
    expect(png.bytes.length).toBeGreaterThan(20_000);
    const png2 = await downloadOf(page, '[data-testid="export-early-stop-png"]');
    expect(png2.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');

    // CSV: one row per kind and round, the mean of the stored numbers.
    const csv = parseCsv((await downloadOf(page, '[data-testid="export-csv"]')).bytes.toString('utf8'));
    const [header, ...rows] = csv;
    expect(rows).toHaveLength(ROUNDS + 1 + 3 * ROUNDS);
    const col = (name: string) => header!.indexOf(name);
    for (const row of rows) {
      const kind = row[col('kind')]!;
      const round = Number(row[col('round')]);
      const rs = detail.runs.filter((r) => r.kind === kind).map((r) => r.rounds.find((x) => x.round === round)!);
      expect(Number(row[col('n_seeds')])).toBe(SEEDS.length);
      expect(Number(row[col('test_acc_early_stop_mean')])).toBeCloseTo(mean(rs.map((r) => r.testAccuracy)), 12);
      expect(Number(row[col('early_stop_iteration_mean')])).toBeCloseTo(mean(rs.map((r) => r.earlyStopIteration)), 9);
      expect(Number(row[col('density_mean')])).toBeCloseTo(mean(rs.map((r) => r.density)), 12);
      expect(Number(row[col('test_acc_early_stop_min')])).toBe(Math.min(...rs.map((r) => r.testAccuracy)));
    }
    const kindsRounds = rows.map((r) => `${r[col('kind')]}:${r[col('round')]}`).sort();
    const expected = KINDS.flatMap((k) => (k === 'imp' ? [0, 1, 2] : [1, 2]).map((r) => `${k}:${r}`)).sort();
    expect(kindsRounds).toEqual(expected);

    // Per seed: every stored round of every run, exactly.
    const seedCsv = parseCsv((await downloadOf(page, '[data-testid="export-csv-seeds"]')).bytes.toString('utf8'));
    const [sh, ...srows] = seedCsv;
    expect(srows).toHaveLength(detail.runs.reduce((a, r) => a + r.rounds.length, 0));
    for (const row of srows) {
      const run = detail.runs.find((r) => r.runId === row[sh!.indexOf('run_id')])!;
      const r = run.rounds.find((x) => x.round === Number(row[sh!.indexOf('round')]))!;
      expect(Number(row[sh!.indexOf('test_acc_early_stop')])).toBe(r.testAccuracy);
      expect(Number(row[sh!.indexOf('early_stop_iteration')])).toBe(r.earlyStopIteration);
    }

    await page.mouse.move(1, 1);
    const shot = join(SHOTS, 'lottery-plot.png');
    await page.screenshot({ path: shot });
    publishShot(shot, 'screenshots/lottery-plot.png');
    expect(errors).toEqual([]);
  });

  it('renders the lottery plot, builder and runs in the dark theme', async () => {
    const dark = await h.newPage('dark');
    await dark.page.goto(`${h.url}#/lottery/${experimentId}`);
    await dark.page.waitForSelector(`[data-testid="lottery-accuracy"][data-series="4"]`, { timeout: 30_000 });
    await dark.page.screenshot({ path: join(SHOTS, 'lottery-plot-dark.png') });
    await dark.page.goto(`${h.url}#/builder`);
    await dark.page.waitForSelector('[data-testid="view-builder"]');
    await dark.page.screenshot({ path: join(SHOTS, 'builder-dark.png') });
    await dark.page.goto(`${h.url}#/runs`);
    await dark.page.waitForSelector('[data-testid="run-panel"]');
    await dark.page.screenshot({ path: join(SHOTS, 'runs-dark.png') });
    expect(dark.errors).toEqual([]);
    await dark.context.close();
  });
});

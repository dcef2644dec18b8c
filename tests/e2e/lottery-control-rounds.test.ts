// End to end, in Chromium against `ticketscope serve` with the real engine: the builder's "controls at rounds" field
// writes `method.controlRounds` and refuses a list out of order where it is typed; an IMP experiment whose controls
// train rounds 1 and 3 only shows them in the run list and panel with their own round counts, and the lottery plot
// draws the controls at those rounds only: no line or band through the skipped round 2 (a dotted join, a whisker
// for the lone round 1), the caption says so, and the CSV has exactly their rows. Screenshots in test-results/e2e.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ExperimentDetail } from '../../src/shared/contract';
import { downloadOf, parseCsv, SHOTS, TERMINAL, type Harness } from './harness';
import { useHarness } from './use-harness';

const CONTROLS = ['reinit', 'random-prune', 'shuffle'];
const SEEDS = [0, 1];
const RUN_TIMEOUT_MS = 180_000;

let h: Harness;
let page: Page;
let errors: string[];

useHarness((s) => ({ h, page, errors } = s));

const field = (path: string) => page.locator(`[data-field="${path}"] :is(input, select, textarea)`).first();
const shownConfig = async () => JSON.parse(await page.getByTestId('config-json').innerText()) as { method: Record<string, unknown> };

describe('controls at chosen rounds', () => {
  let experimentId = '';

  it('the builder writes controlRounds, refuses a list out of order, and starts the experiment', { timeout: RUN_TIMEOUT_MS + 60_000 }, async () => {
    await page.goto(`${h.url}#/builder`);
    await page.waitForSelector('[data-testid="view-builder"]');
    await page.selectOption('[data-testid="builder-preset"]', 'quick');
    await page.selectOption('[data-testid="method-kind"]', 'imp');
    await field('method.rounds').fill('3');
    await field('method.rates.conv').fill('0.1');
    await field('method.rates.fc').fill('0.5');
    await field('method.rates.output').fill('0.2');
    for (const c of CONTROLS) await page.locator('[data-field="method.controls"] label', { hasText: c }).locator('input').check();
    await field('name').fill('e2e-control-rounds');
    await field('seeds').fill(SEEDS.join(', '));
    await field('validation').fill('300');
    await field('synthetic.train').fill('1500');
    await field('synthetic.test').fill('300');
    await field('iterations').fill('30');
    await field('evalEvery').fill('10');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    expect((await shownConfig()).method).not.toHaveProperty('controlRounds');

    await field('method.controlRounds').fill('3, 1');
    await page.waitForSelector('[data-field="method.controlRounds"] [data-testid="field-error"]');
    expect(await page.locator('[data-field="method.controlRounds"] [data-testid="field-error"]').innerText()).toContain('must be strictly increasing');
    expect(await page.getByTestId('builder-start').isDisabled()).toBe(true);
    await field('method.controlRounds').fill('1, 3');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    expect((await shownConfig()).method).toMatchObject({ kind: 'imp', rounds: 3, controls: CONTROLS, controlRounds: [1, 3] });
    // 2 seeds × (4 ticket rounds + 3 controls × 2 rounds).
    expect(await page.getByTestId('builder-plan').innerText()).toContain('20 trainings');
    await page.locator('[data-field="method.controlRounds"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'builder-control-rounds.png') });

    experimentId = await page.getByTestId('builder-experiment-id').innerText();
    await page.getByTestId('builder-start').click();
    await page.waitForSelector('#root[data-view="runs"]');
    await page.waitForSelector(`[data-testid="experiment-group"][data-experiment-id="${experimentId}"]${TERMINAL}`, { timeout: RUN_TIMEOUT_MS });
    const detail = await h.call<ExperimentDetail>('getExperiment', { experimentId });
    const notDone = detail.runs.filter((r) => r.status !== 'done');
    if (notDone.length) throw new Error(`runs not done: ${notDone.map((r) => `${r.kind}/${r.seed} ${r.status} ${r.error}`).join('; ')}\n${h.log()}`);
    for (const r of detail.runs) expect(r.rounds.map((x) => x.round), r.kind).toEqual(r.kind === 'imp' ? [0, 1, 2, 3] : [1, 3]);

    // The run list counts each run's own rounds; the panel says which rounds a control trains.
    expect(await page.locator('[data-testid="run-item"][data-kind="shuffle"] [data-testid="run-rounds"]').first().innerText()).toBe('rounds 2/2');
    await page.locator('[data-testid="run-item"][data-kind="shuffle"]').first().click();
    await page.locator('[data-testid="run-panel"]', { hasText: 'trains rounds 1 and 3 on the ticket’s masks' }).waitFor();
    await page.mouse.move(1, 1);
    await page.screenshot({ path: join(SHOTS, 'runs-control-rounds.png') });
  });

  it('plots the controls at their rounds only, without a line or band through the skipped round', async () => {
    expect(experimentId).not.toBe('');
    await page.goto(`${h.url}#/lottery/${experimentId}`);
    const nPoints = 4 + CONTROLS.length * 2;
    await page.waitForSelector(`[data-testid="lottery-accuracy"][data-series="4"][data-points="${nPoints}"]`, { timeout: 30_000 });
    const chart = page.getByTestId('lottery-accuracy');
    const rounds = await chart.locator('[data-testid="lottery-point"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kind')}:${e.getAttribute('data-round')}`));
    expect(rounds.sort()).toEqual(['imp:0', 'imp:1', 'imp:2', 'imp:3', ...CONTROLS.flatMap((k) => [`${k}:1`, `${k}:3`])].sort());
    // Each control: one dotted join from round 1 to round 3, its lone round 1 with a whisker, no solid line.
    for (const kind of CONTROLS) {
      const s = chart.locator(`[data-testid="lottery-series"][data-kind="${kind}"]`);
      const gaps = await s.locator('[data-testid="lottery-gap"]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-from-round'), e.getAttribute('data-to-round'), e.getAttribute('stroke-dasharray')]));
      expect(gaps, kind).toEqual([['1', '3', '1.5 4']]);
      expect(await s.locator('[data-testid="lottery-whisker"]').count(), kind).toBe(2);
      expect(await s.locator('path[stroke-width="2"]').count(), kind).toBe(0);
    }
    expect(await chart.locator('[data-testid="lottery-series"][data-kind="imp"] [data-testid="lottery-gap"]').count()).toBe(0);
    const caption = await chart.locator('[data-testid="lottery-caption"]').evaluateAll((els) => els.map((e) => e.textContent).join(' '));
    expect(caption).toContain('dotted: rounds not trained.');
    await page.mouse.move(1, 1);
    await page.screenshot({ path: join(SHOTS, 'lottery-control-rounds.png'), fullPage: true });

    const [header, ...rows] = parseCsv((await downloadOf(page, '[data-testid="export-csv"]')).bytes.toString('utf8'));
    const col = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => `${r[col('kind')]}:${r[col('round')]}`).sort()).toEqual(rounds.sort());
    expect(errors).toEqual([]);
  });
});

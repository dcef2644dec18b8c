// End to end, in Chromium against `ticketscope serve`: the Runs view starts any preset from its select, groups an
// IMP experiment's ticket with its control, and the per-run Cancel and Resume buttons work: a cancelled ticket takes
// its control with it and keeps its committed rounds; Resume continues both from there to the end. A layer pruned to
// nothing shows as a warning on the run. Waits on markers only.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AppInfo, RunDetail, StartRunResult } from '../../src/shared/contract';
import { SHOTS, type Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];

useHarness((s) => ({ h, page, errors } = s));

const item = (runId: string) => page.locator(`[data-testid="run-item"][data-run-id="${runId}"]`);

describe('runs: presets, cancel and resume', () => {
  it('starts a preset from the select and cancels it from the run panel', async () => {
    await page.goto(h.url);
    await page.waitForSelector('#root[data-app-state="ready"]', { timeout: 30_000 });
    const info = await h.call<AppInfo>('getInfo', {});
    const options = await page.locator('[data-testid="preset-select"] option').evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    expect(options.sort()).toEqual(info.presets.map((p) => p.name).sort());

    await page.selectOption('[data-testid="preset-select"]', 'quick');
    const quick = info.presets.find((p) => p.name === 'quick')!;
    expect(await page.getByTestId('preset-description').innerText()).toContain(quick.description.slice(0, 40));
    await page.getByTestId('start-preset').click();
    await page.waitForSelector('[data-testid="run-panel"]', { timeout: 30_000 });
    const runId = (await page.getByTestId('run-panel').getAttribute('data-run-id'))!;
    await item(runId).and(page.locator(':is([data-status="queued"],[data-status="running"])')).waitFor({ timeout: 30_000 });

    await page.locator('[data-testid="run-panel"] [data-testid="cancel-run"]').click();
    await item(runId).and(page.locator('[data-status="cancelled"]')).waitFor({ timeout: 60_000 });
    expect(await item(runId).innerText()).toMatch(/cancelled at it [\d,]+\/1,500/);
    expect((await h.call<RunDetail>('getRun', { runId })).status).toBe('cancelled');
  });

  it('cancels an IMP ticket with its control mid-experiment and resumes both to the end', { timeout: 180_000 }, async () => {
    const started = await h.call<StartRunResult>('startRun', {
      preset: 'quick',
      overrides: [
        'name=e2e-cancel-resume',
        // An output rate this close to 1 prunes the output layer to nothing in round 1: the run must say so.
        'method={"kind":"imp","rounds":2,"rates":{"conv":0.1,"fc":0.5,"output":0.9999},"controls":["reinit"]}',
        'iterations=100',
        'evalEvery=25',
        'seeds=[0]',
        'validation=300',
        'synthetic={"train":1500,"test":300}',
      ],
    });
    const [ticket, control] = started.runIds as [string, string];
    await item(ticket).waitFor({ timeout: 30_000 });
    // Grouped: the control sits under its ticket in the same experiment.
    const group = page.getByTestId('run-group').filter({ has: item(ticket) });
    expect(await group.locator('[data-testid="run-item"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(['imp', 'reinit']);
    await item(ticket).click();

    // Cancel after round 0 is committed, while round 1 trains.
    await item(ticket).and(page.locator('[data-rounds-done="1"][data-status="running"]')).waitFor({ timeout: 90_000 });
    expect(await item(ticket).getByTestId('run-progress').innerText()).toMatch(/\/300 it · ETA/);
    await item(ticket).getByTestId('cancel-run').click();
    await item(ticket).and(page.locator('[data-status="cancelled"]')).waitFor({ timeout: 60_000 });
    await item(control).and(page.locator('[data-status="cancelled"]')).waitFor({ timeout: 30_000 });
    const cancelled = await h.call<RunDetail>('getRun', { runId: ticket });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.rounds.length).toBeGreaterThanOrEqual(1);
    expect(cancelled.rounds.length).toBeLessThan(3);
    expect(await item(ticket).getByTestId('run-rounds').innerText()).toBe(`rounds ${cancelled.rounds.length}/3`);
    await page.mouse.move(1, 1);
    await page.screenshot({ path: join(SHOTS, 'runs-cancelled.png') });

    // Resume continues the ticket and its control from the last committed round, to done.
    await item(ticket).getByTestId('resume-run').click();
    await item(ticket).and(page.locator(':is([data-status="queued"],[data-status="running"])')).waitFor({ timeout: 30_000 });
    await item(control).and(page.locator('[data-status="done"]')).waitFor({ timeout: 150_000 });
    await item(ticket).and(page.locator('[data-status="done"]')).waitFor({ timeout: 30_000 });
    const done = await h.call<RunDetail>('getRun', { runId: ticket });
    expect(done.status).toBe('done');
    expect(done.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    // The rounds committed before the cancel are the same rows, not retrained.
    for (const r of cancelled.rounds) expect(done.rounds.find((x) => x.round === r.round)).toEqual(r);
    expect((await h.call<RunDetail>('getRun', { runId: control })).rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(await item(ticket).getByTestId('run-rounds').innerText()).toBe('rounds 3/3');
    // The warnings the engine recorded are shown on the run in the list and in its panel.
    expect(done.warnings.length).toBeGreaterThan(0);
    await item(ticket).getByTestId('run-warnings').waitFor({ timeout: 30_000 });
    // The element exists since round 1's warning; poll until the list has caught up with the last round's.
    await expect
      .poll(() => item(ticket).getByTestId('run-warnings').getAttribute('title'), { timeout: 30_000, interval: 200 })
      .toBe(done.warnings.join('\n'));
    await page.getByTestId('run-panel-warnings').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('run-panel-warnings').innerText()).toContain('pruned to nothing');
    await page.mouse.move(1, 1);
    await page.screenshot({ path: join(SHOTS, 'runs-resumed.png') });
    expect(errors).toEqual([]);
  });
});

// End to end, in Chromium against `ticketscope serve`: the experiment builder's objective field of a supermask (the
// class-specific supermask of issue #13): the quick-class-supermask preset fills it in, a class the data set lacks is
// refused inline, a class by name or index is written to the config, and choosing the classification loss removes
// the key. Nothing is trained. Screenshot in test-results/e2e.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { RunSummary, StartRunResult } from '../../src/shared/contract';
import { SHOTS, TERMINAL, type Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];

useHarness((s) => ({ h, page, errors } = s));

const classField = () => page.locator('[data-field="method.objective.class"] input').first();
const shownConfig = async () => JSON.parse(await page.getByTestId('config-json').innerText()) as { method: Record<string, unknown> };

describe('builder: a supermask’s objective', () => {
  it('fills, validates and removes the one-vs-rest objective', async () => {
    await page.goto(`${h.url}#/builder`);
    await page.waitForSelector('[data-testid="view-builder"]');
    await page.selectOption('[data-testid="builder-preset"]', 'quick-class-supermask');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    expect(await page.getByTestId('objective-kind').inputValue()).toBe('one-vs-rest');
    expect(await classField().inputValue()).toBe('5');

    await classField().fill('wolf');
    await page.waitForSelector('[data-field="method.objective.class"] [data-testid="field-error"]');
    expect(await page.locator('[data-field="method.objective.class"] [data-testid="field-error"]').innerText()).toMatch(/class "wolf" is not a class of synthetic-mnist/);
    expect(await page.getByTestId('builder-start').isDisabled()).toBe(true);

    await classField().fill('3');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    expect((await shownConfig()).method.objective).toEqual({ kind: 'one-vs-rest', class: '3' });
    await page.locator('[data-field="method.objective"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'builder-objective.png') });

    await page.selectOption('[data-testid="objective-kind"]', '');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    expect((await shownConfig()).method).not.toHaveProperty('objective');
    expect(errors).toEqual([]);
  });
});

describe('runs view: a class-specific supermask says what its accuracy is', () => {
  it('labels the run’s figures as balanced accuracies of the class against the rest', async () => {
    const started = await h.call<StartRunResult>('startRun', {
      preset: 'quick-class-supermask',
      overrides: ['iterations=20', 'evalEvery=10', 'synthetic={"train":600,"test":300}', 'validation=100'],
    });
    const runId = started.runIds[0]!;
    await page.goto(`${h.url}#/runs/${runId}`);
    await page.waitForSelector(`[data-run-id="${runId}"]${TERMINAL}`, { timeout: 120_000 });
    const run = (await h.call<RunSummary[]>('listRuns', {})).find((r) => r.runId === runId)!;
    expect(run.objective).toMatchObject({ kind: 'one-vs-rest', class: 5, metric: 'balanced-accuracy' });
    await page.getByTestId('run-details').waitFor();
    expect(await page.getByTestId('results').innerText()).toContain('test bal. acc. (5 vs rest) at early stop');
    expect(await page.locator(`[data-run-id="${runId}"]`).first().innerText()).toContain('test bal. acc. 5 vs rest');
    await page.screenshot({ path: join(SHOTS, 'runs-class-supermask.png') });
    expect(errors).toEqual([]);
  });
});

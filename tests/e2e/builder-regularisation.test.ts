// End to end, in Chromium against `ticketscope serve`: the experiment builder's augmentation and dropout fields write
// the config fields the schema defines, validate inline, and clearing them removes the fields again; a paper preset
// that uses them (edge-popup-conv4: augmentation; conv4-cifar10-imp-dropout: dropout) fills them in; a validation
// split of 0 is refused where it is typed; one bad value shows one error, on the field it was typed in. Nothing is
// trained. Screenshots in test-results/e2e.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SHOTS, type Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];

useHarness((s) => ({ h, page, errors } = s));

const field = (path: string) => page.locator(`[data-field="${path}"] :is(input, select, textarea)`).first();
const shownConfig = async () => JSON.parse(await page.getByTestId('config-json').innerText()) as Record<string, unknown>;

describe('builder: augmentation and dropout', () => {
  it('writes, validates and removes the regularisation fields', async () => {
    await page.goto(`${h.url}#/builder`);
    await page.waitForSelector('[data-testid="view-builder"]');
    await page.selectOption('[data-testid="builder-preset"]', 'quick');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    expect(await shownConfig()).not.toHaveProperty('augmentation');

    await field('augmentation.randomCrop').fill('4');
    await field('augmentation.horizontalFlip').check();
    await field('dropout.fc').fill('0.5');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    expect(await shownConfig()).toMatchObject({ augmentation: { randomCrop: 4, horizontalFlip: true }, dropout: { fc: 0.5 } });

    // A rate of 1 is refused inline.
    await field('dropout.fc').fill('1');
    await page.waitForSelector('[data-field="dropout.fc"] [data-testid="field-error"]');
    expect(await page.getByTestId('builder-start').isDisabled()).toBe(true);
    await field('dropout.fc').fill('0.5');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    await page.locator('[data-field="augmentation.randomCrop"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'builder-regularisation.png') });

    // Clearing every field of a group removes the group: the config is the plain one again.
    await field('augmentation.randomCrop').fill('');
    await field('augmentation.horizontalFlip').uncheck();
    await field('dropout.fc').fill('');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    const plain = await shownConfig();
    expect(plain).not.toHaveProperty('augmentation');
    expect(plain).not.toHaveProperty('dropout');

    // No validation split: refused where it is typed (early stopping would select on the test set).
    await field('validation').fill('0');
    await page.waitForSelector('[data-field="validation"] [data-testid="field-error"]');
    expect(await page.locator('[data-field="validation"] [data-testid="field-error"]').innerText()).toContain('must be at least 1');
  });

  it('the papers\' presets fill the fields in', async () => {
    await page.selectOption('[data-testid="builder-preset"]', 'edge-popup-conv4');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    expect(await field('augmentation.randomCrop').inputValue()).toBe('4');
    expect(await field('augmentation.horizontalFlip').isChecked()).toBe(true);
    await page.selectOption('[data-testid="builder-preset"]', 'conv4-cifar10-imp-dropout');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    expect(await field('dropout.fc').inputValue()).toBe('0.5');
    expect(await field('augmentation.randomCrop').inputValue()).toBe('');
    expect(errors).toEqual([]);
  });
});

describe('builder: one error for one bad value (issue #15)', () => {
  const fieldErrors = () => page.locator('[data-testid="field-error"]');
  it('a bad iterations shows its own error only; a value that breaks a check across fields shows it where it was typed', async () => {
    await page.selectOption('[data-testid="builder-preset"]', 'quick-imp');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    // The schema has three issues for this one value (iterations, evalEvery, rewindIteration): one is shown.
    await field('iterations').fill('-5');
    await page.waitForSelector('[data-field="iterations"] [data-testid="field-error"]');
    expect(await fieldErrors().count()).toBe(1);
    expect(await fieldErrors().innerText()).toBe('Too small: expected number to be >0');
    expect(await page.getByTestId('builder-validity').innerText()).toContain('1 problem:');
    await page.locator('[data-field="iterations"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'builder-one-error.png') });
    // Valid alone, but below evalEvery (50): the error where it was typed, saying which field it is about.
    await field('iterations').fill('40');
    await page.waitForSelector('[data-field="iterations"] [data-testid="field-error"]:has-text("evalEvery must be at most iterations (40)")');
    expect(await fieldErrors().count()).toBe(1);
    await field('iterations').fill('300');
    await page.waitForSelector('[data-testid="view-builder"][data-valid="true"]');
    expect(await fieldErrors().count()).toBe(0);
    expect(errors).toEqual([]);
  });
});

// End to end, in Chromium against `ticketscope serve`: the run panel exports a round's mask snapshot, and every
// round in bulk, to files on the server; the files are real snapshots that import back with the same density.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail, StartRunResult } from '../../src/shared/contract';
import { readSnapshotFile } from '../../src/main/store/snapshot';
import { SHOTS, TERMINAL, startHarness, type Harness } from './harness';

let h: Harness;
let page: Page;
let errors: string[];

beforeAll(async () => {
  h = await startHarness();
  ({ page, errors } = await h.newPage('light'));
});
afterAll(async () => {
  await h?.close();
});

describe('snapshot export from the run panel', () => {
  it('exports one round and then all rounds of an IMP run as files PyTorch users can load', async () => {
    const started = await h.call<StartRunResult>('startRun', {
      preset: 'quick',
      overrides: ['iterations=30', 'evalEvery=30', 'validation=200', 'synthetic={"train":1000,"test":200}',
        'method={"kind":"imp","rounds":2,"rates":{"conv":0.1,"fc":0.5,"output":0.2}}'],
    });
    const runId = started.runIds[0]!;
    await page.goto(`${h.url}#/runs/${runId}`);
    await page.waitForSelector('#root[data-app-state="ready"]', { timeout: 30_000 });
    await page.locator(`[data-testid="run-item"][data-run-id="${runId}"]${TERMINAL}`).waitFor({ timeout: 120_000 });
    const detail = await h.call<RunDetail>('getRun', { runId });
    expect(detail.status).toBe('done');

    await page.getByTestId('snapshot-export').waitFor();
    const file = join(h.tmp, 'ticket.safetensors');
    await page.getByTestId('snapshot-path').fill(file);
    await page.selectOption('[data-testid="snapshot-round"]', '2');
    await page.getByTestId('snapshot-export-one').click();
    await page.getByTestId('snapshot-message').waitFor();
    expect(await page.getByTestId('snapshot-message').innerText()).toContain(`wrote ${file}`);
    const snap = readSnapshotFile(file, 'lenet-300-100');
    expect(snap.meta).toMatchObject({ run: runId, round: 2, which: 'trained' });
    expect(snap.meta.density).toBeCloseTo(detail.rounds[2]!.density, 6);
    expect(snap.layers.map((l) => l.name)).toEqual(['fc1', 'fc2', 'fc3']);

    await page.selectOption('[data-testid="snapshot-which"]', 'mask');
    await page.selectOption('[data-testid="snapshot-format"]', 'npz');
    const bulk = join(h.tmp, 'masks.npz');
    await page.getByTestId('snapshot-path').fill(bulk);
    await page.getByTestId('snapshot-export-all').click();
    await page.locator('[data-testid="snapshot-message"]', { hasText: 'masks-r2.npz' }).waitFor({ timeout: 30_000 });
    for (const r of [0, 1, 2]) {
      const p = join(h.tmp, `masks-r${r}.npz`);
      expect(existsSync(p)).toBe(true);
      expect(readFileSync(p).subarray(0, 2).toString('latin1')).toBe('PK');
      const s = readSnapshotFile(p, 'lenet-300-100');
      expect(s.meta.round).toBe(r);
      expect(s.layers.every((l) => l.weight === undefined && l.mask !== undefined)).toBe(true);
    }

    // A path the server refuses is one clear line in the panel, and writes nothing.
    await page.getByTestId('snapshot-path').fill('relative/path.safetensors');
    await page.getByTestId('snapshot-export-one').click();
    await page.locator('[data-testid="snapshot-message"][role="alert"]').waitFor();
    expect(await page.getByTestId('snapshot-message').innerText()).toMatch(/absolute/);
    await page.getByTestId('snapshot-export').screenshot({ path: join(SHOTS, 'snapshot-export.png') });
    expect(errors).toEqual([]);
  });
});

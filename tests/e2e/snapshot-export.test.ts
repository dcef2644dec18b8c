// End to end, in Chromium against `ticketscope serve`, opened with the tokened URL serve printed: the page keeps
// the token and removes it from the address bar; the run panel downloads a round's mask snapshot, and every round
// in bulk, as browser downloads (never a path on the server); a downloaded file uploads back as a new run; a
// malformed upload is one clear line; a page without the token is told how to get in.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { RunDetail, RunSummary, StartRunResult } from '../../src/shared/contract';
import { readSnapshot } from '../../src/main/store/snapshot';
import { SHOTS, TERMINAL, downloadOf, type Harness } from './harness';
import { useHarness } from './use-harness';

let h: Harness;
let page: Page;
let errors: string[];

useHarness((s) => ({ h, page, errors } = s));
describe('snapshots in the browser', () => {
  let runId = '';
  let detail: RunDetail;

  it('opens with the tokened URL, keeps the token and takes it out of the address bar', async () => {
    const started = await h.call<StartRunResult>('startRun', {
      preset: 'quick',
      overrides: ['iterations=30', 'evalEvery=30', 'validation=200', 'synthetic={"train":1000,"test":200}',
        'method={"kind":"imp","rounds":2,"rates":{"conv":0.1,"fc":0.5,"output":0.2}}'],
    });
    runId = started.runIds[0]!;
    expect(h.url).toMatch(/\?token=[A-Za-z0-9_-]{43}$/);
    await page.goto(`${h.url}#/runs/${runId}`);
    await page.waitForSelector('#root[data-app-state="ready"]', { timeout: 30_000 });
    expect(page.url()).toBe(`${h.origin}/#/runs/${runId}`);
    await page.locator(`[data-testid="run-item"][data-run-id="${runId}"]${TERMINAL}`).waitFor({ timeout: 120_000 });
    // A reload (same tab, no token in the URL now) still connects: the token is in the tab's session storage.
    await page.reload();
    await page.waitForSelector('#root[data-app-state="ready"]', { timeout: 30_000 });
    detail = await h.call<RunDetail>('getRun', { runId });
    expect(detail.status).toBe('done');
  });

  it('downloads one round and then every round as files PyTorch users can load', async () => {
    await page.getByTestId('snapshot-export').waitFor();
    expect(await page.getByTestId('snapshot-export-one').innerText()).toBe('Download round 2');
    await page.selectOption('[data-testid="snapshot-round"]', '1');
    const one = await downloadOf(page, '[data-testid="snapshot-export-one"]');
    expect(one.name).toBe(`${runId}-r1-trained.safetensors`);
    const snap = readSnapshot(new Uint8Array(one.bytes), 'lenet-300-100', one.name);
    expect(snap.meta).toMatchObject({ run: runId, round: 1, which: 'trained' });
    expect(snap.meta.density).toBeCloseTo(detail.rounds[1]!.density, 6);
    await page.locator('[data-testid="snapshot-message"]', { hasText: `downloaded ${one.name}` }).waitFor();

    await page.selectOption('[data-testid="snapshot-which"]', 'mask');
    await page.selectOption('[data-testid="snapshot-format"]', 'npz');
    const downloads: Download[] = [];
    const onDownload = (d: Download) => downloads.push(d);
    page.on('download', onDownload);
    await page.getByTestId('snapshot-export-all').click();
    await page.locator('[data-testid="snapshot-message"]', { hasText: `${runId}-r2-mask.npz` }).waitFor({ timeout: 30_000 });
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(3);
    page.off('download', onDownload);
    await page.getByTestId('snapshot-export').screenshot({ path: join(SHOTS, 'snapshot-export.png') });
    const dir = join(h.tmp, 'downloads');
    mkdirSync(dir);
    for (const [r, d] of downloads.entries()) {
      expect(d.suggestedFilename()).toBe(`${runId}-r${r}-mask.npz`);
      const path = join(dir, d.suggestedFilename());
      await d.saveAs(path);
      const s = readSnapshot(new Uint8Array(readFileSync(path)), 'lenet-300-100', path);
      expect(s.meta.round).toBe(r);
      expect(s.layers.every((l) => l.weight === undefined && l.mask !== undefined)).toBe(true);
    }
  });

  it('uploads a downloaded snapshot as a new run and shows it; a malformed file is one line, storing nothing', async () => {
    const file = join(h.tmp, 'downloads', `${runId}-r2-mask.npz`);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('snapshot-import').click()]);
    await chooser.setFiles(file);
    const message = page.locator('[data-testid="snapshot-message"][role="status"]', { hasText: 'imported as run' });
    await message.waitFor({ timeout: 30_000 });
    const imported = /imported as run (r[0-9a-f]+)/.exec(await message.innerText())![1]!;
    expect(await message.innerText()).toContain(`(round 2, ${(detail.rounds[2]!.density * 100).toFixed(2)}% of weights remaining, masks only)`);
    await page.getByTestId('snapshot-show-imported').click();
    await page.locator(`[data-testid="run-panel"][data-run-id="${imported}"]`).waitFor();
    expect(page.url()).toBe(`${h.origin}/#/runs/${imported}`);

    const runs = (await h.call<RunSummary[]>('listRuns', {})).length;
    const bad = join(h.tmp, 'bad.safetensors');
    writeFileSync(bad, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x7b]));
    const [again] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('snapshot-import').click()]);
    await again.setFiles(bad);
    const alert = page.locator('[data-testid="snapshot-message"][role="alert"]');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/^snapshot bad\.safetensors: header length \d+ exceeds file size 9 \[invalid\]$/);
    expect((await h.call<RunSummary[]>('listRuns', {})).length).toBe(runs);
    await page.locator(`[data-testid="run-panel"][data-run-id="${imported}"]`).waitFor();
    await page.getByTestId('snapshot-export').screenshot({ path: join(SHOTS, 'snapshot-import.png') });
    // Chromium logs every refused request itself; the 400 of the malformed upload is the one expected.
    expect(errors.filter((e) => e !== 'console: Failed to load resource: the server responded with a status of 400 (Bad Request)')).toEqual([]);
  });

  it('tells a page opened without the token how to get in', async () => {
    const { page: bare, context } = await h.newPage('dark');
    await bare.goto(`${h.origin}/`);
    const banner = bare.getByTestId('disconnected-banner');
    await banner.locator('text=this page has no token').waitFor({ timeout: 30_000 });
    expect(await banner.innerText()).toMatch(/open the URL that ticketscope serve printed/);
    await bare.screenshot({ path: join(SHOTS, 'no-token.png') });
    await context.close();
  });
});

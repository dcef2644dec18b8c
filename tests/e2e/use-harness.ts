// The set-up every e2e file shares, as vitest hooks: before its tests a harness (serve on a fresh temp database,
// Chromium) and a light page; after them the harness closed (browser, server, temp folder). Kept out of harness.ts,
// which the bench scripts bundle without vitest.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startHarness, type Harness } from './harness';

export interface HarnessSession {
  h: Harness;
  /** A 1280x800 light page of its own context. */
  page: Page;
  /** The page's errors and console errors, collected as they come. */
  errors: string[];
}

/**
 * Registers the hooks; `ready` gets the session once it is up (a file assigns it to its own variables, then its
 * own beforeAll hooks, registered after this call, run after it). `db`: a database to start from (copied);
 * `timeoutMs`: the set-up hook's limit, where making that database may take longer than the default.
 */
export function useHarness(ready: (s: HarnessSession) => unknown, opts: { db?: () => Promise<string>; timeoutMs?: number } = {}): void {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await startHarness({ db: opts.db ? await opts.db() : undefined });
    const { page, errors } = await h.newPage('light');
    await ready({ h, page, errors });
  }, opts.timeoutMs);
  afterAll(async () => {
    await h?.close();
  });
}

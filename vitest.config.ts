import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The tiers (vitest projects), run together by `vitest run` (`npm test`) in one pool of two workers, or one at a time
 * with `--project NAME` (`npm run test:fast` is the unit tier):
 *   unit         pure tests: no network trained, no forward pass, no worker process (seconds)
 *   engine       the engine's training and analyses on small nets (tfjs on wasm; minutes)
 *   integration  the core, CLI and serve mode over real databases, with the built app (minutes)
 *   e2e          the UI in Chromium or Electron through Playwright (minutes)
 */
const ENGINE = ['tests/unit/engine-*.test.ts', 'tests/unit/analysis-*.test.ts', 'tests/unit/snapshot-pytorch.test.ts'];
/** In tests/unit, but it packages the app and trains a run with the packaged CLI. */
const PACKAGING = ['tests/unit/electron-builder.test.ts'];

export default defineConfig({
  test: {
    // Guards against a hung test, not a speed check: two files share the two cores, so each runs slower than alone.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // Two files at a time: a file is one process that trains on one core (tfjs's wasm backend runs single-threaded),
    // so two use both cores of the 2-core machines this suite is sized for. TICKETSCOPE_TEST_WORKERS overrides it.
    fileParallelism: true,
    maxWorkers: Number(process.env.TICKETSCOPE_TEST_WORKERS ?? 2),
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ENGINE, ...PACKAGING] } },
      { extends: true, test: { name: 'engine', include: ENGINE } },
      { extends: true, test: { name: 'integration', include: ['tests/integration/**/*.test.ts', ...PACKAGING] } },
      // The e2e fixture runs start training before the first file (tests/e2e/global-setup.ts).
      { extends: true, test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], globalSetup: ['tests/e2e/global-setup.ts'] } },
    ],
  },
});

import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The tiers (vitest projects), run one after the other by `vitest run` (`npm test`), or one at a time with
 * `--project NAME` (`npm run test:fast` is the unit tier):
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
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Engine tests are CPU-heavy and the machine has 2 cores; e2e and integration spawn processes.
    fileParallelism: false,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ENGINE, ...PACKAGING], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'engine', include: ENGINE, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'integration', include: ['tests/integration/**/*.test.ts', ...PACKAGING], sequence: { groupOrder: 2 } } },
      { extends: true, test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], sequence: { groupOrder: 3 } } },
    ],
  },
});

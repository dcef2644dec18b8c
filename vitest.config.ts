import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Engine tests are CPU-heavy and the machine has 2 cores; e2e and integration spawn processes.
    fileParallelism: false,
    reporters: ['default'],
  },
});

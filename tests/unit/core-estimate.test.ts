// What the Runs view shows next to each preset (getInfo): the training time estimated from benchmark throughput
// (core/estimate.ts), checked against the arithmetic done by hand here, and the data set a preset needs when it is
// not installed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BENCHMARK, ROUND_SECONDS, STARTUP_SECONDS, describePresets, estimateBackend, presetEstimate } from '../../src/main/core/estimate';
import { planRuns } from '../../src/main/core/planner';
import { loadPresets } from '../../src/main/core/presets';
import { Core } from '../../src/main/core/service';
import { importDataset } from '../../src/main/engine/data/import';
import { parseExperimentConfig } from '../../src/shared/config';
import type { AppInfo } from '../../src/shared/contract';
import { idxSet, writeFiles } from '../helpers/data-fixtures';
import { ROOT } from '../helpers/paths';

const presets = loadPresets(join(ROOT, 'resources', 'presets'));
const dir = mkdtempSync(join(tmpdir(), 'ts-estimate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wasm = { backend: 'wasm' as const, note: 'backend wasm', workers: 2, dataDir: join(dir, 'none') };

describe('estimate of a preset', () => {
  it('quick: one round of 1,500 steps of 60 at 3,776/s, 30 evaluations of 2,000 + 2,000 images at 25,764/s, plus start-up', () => {
    const e = presetEstimate(presets.get('quick')!.config, wasm);
    const round = ROUND_SECONDS + (1500 * 60) / 3776 + (30 * 4000) / 25764;
    expect(e.roundSeconds).toBeCloseTo(round, 9);
    expect(e.seconds).toBeCloseTo(STARTUP_SECONDS + round, 9);
    expect(e).toMatchObject({ rounds: 1, workers: 2 });
    expect(e.basis).toContain('docs/bench.md');
  });

  it('quick-imp: 5 ticket rounds and 3 controls of 4, two at once, no faster than the ticket chain plus one', () => {
    const c = presets.get('quick-imp')!.config;
    const round = ROUND_SECONDS + (300 * 60) / 3776 + (6 * 2000) / 25764;
    const two = presetEstimate(c, wasm);
    expect(two.rounds).toBe(17);
    expect(two.seconds).toBeCloseTo(STARTUP_SECONDS + (17 / 2) * round, 9);
    // With many workers the chain bounds it: the ticket's 5 rounds, then the controls' last.
    expect(presetEstimate(c, { ...wasm, workers: 64 }).seconds).toBeCloseTo(STARTUP_SECONDS + 6 * round, 9);
  });

  it('seeds multiply the rounds; a conv preset on real CIFAR-10 reads its published 10,000 test images', () => {
    const c = presets.get('conv2-cifar10-imp')!.config;
    const e = presetEstimate(c, wasm);
    const perRound = ROUND_SECONDS + (c.iterations * c.batchSize) / 37.9 + (Math.ceil(c.iterations / c.evalEvery) * (c.validation + 10_000)) / 194;
    const plan = planRuns(c);
    const rounds = plan.reduce((a, r) => a + r.rounds.length, 0) * c.seeds.length;
    expect(e.rounds).toBe(rounds);
    expect(e.roundSeconds).toBeCloseTo(perRound, 6);
    expect(e.seconds).toBeCloseTo(STARTUP_SECONDS + Math.max(plan[0]!.rounds.length + (plan.length > 1 ? 1 : 0), rounds / 2) * perRound, 6);
  });

  it('no figures: another backend, or a network the benchmark did not measure', () => {
    const quick = presets.get('quick')!.config;
    expect(presetEstimate(quick, { ...wasm, backend: 'cuda', note: '--backend cuda' })).toMatchObject({ seconds: null, roundSeconds: null, rounds: 1, basis: 'no benchmark figures for --backend cuda' });
    const conv8 = parseExperimentConfig({ ...quick, arch: 'conv-8', dataset: 'synthetic-cifar' });
    expect(presetEstimate(conv8, wasm)).toMatchObject({ seconds: null, basis: 'no benchmark figures for conv-8' });
    expect(BENCHMARK.rates['conv-8']).toBeUndefined();
  });

  it('auto: the backend the last job ran on, when the core knows it', () => {
    expect(estimateBackend('auto', () => false, { name: 'webgpu', reason: 'first available', skipped: [] })).toEqual({ backend: 'webgpu', note: 'auto, which ran webgpu here' });
    expect(estimateBackend('cuda', () => false, { name: 'wasm', reason: 'requested', skipped: [] }).backend).toBe('cuda');
    expect(presetEstimate(presets.get('quick')!.config, { ...wasm, backend: null, note: 'auto (which picks CUDA here when a GPU works: no figures for it)' }).seconds).toBeNull();
  });
});

describe('missing data sets', () => {
  it('real data sets not in the data folder are named with the command that installs them; synthetic ones never', async () => {
    const dataDir = join(dir, 'data');
    const opts = { choice: 'auto' as const, last: null, workers: 2, dataDir, installed: () => false };
    const before = new Map(describePresets(presets.values(), opts).map((p) => [p.name, p]));
    expect(before.get('quick')!.missingData).toBeNull();
    expect(before.get('lenet-mnist-imp')!.missingData).toEqual({ dataset: 'mnist', install: 'ticketscope data fetch mnist' });
    expect(before.get('conv2-cifar10-imp')!.missingData).toEqual({ dataset: 'cifar10', install: 'ticketscope data fetch cifar10' });
    await importDataset('mnist', writeFiles(join(dir, 'src'), idxSet(50, 20, false)), dataDir);
    const after = new Map(describePresets(presets.values(), opts).map((p) => [p.name, p]));
    expect(after.get('lenet-mnist-imp')!.missingData).toBeNull();
    // The installed set's own test count is what evaluation reads.
    const c = after.get('lenet-mnist-imp')!.config;
    expect(after.get('lenet-mnist-imp')!.estimate!.roundSeconds).toBeCloseTo(
      ROUND_SECONDS + (c.iterations * c.batchSize) / 3776 + (Math.ceil(c.iterations / c.evalEvery) * (c.validation + 20)) / 25764,
      9,
    );
  });

  it('getInfo carries both for every preset', async () => {
    const core = new Core({
      dbPath: join(dir, 'info.db'),
      dataDir: join(dir, 'empty-data'),
      backend: 'wasm',
      presetsDir: join(ROOT, 'resources', 'presets'),
      spawnWorker: () => {
        throw new Error('no training in this test');
      },
      transport: 'websocket',
      concurrency: 2,
    });
    try {
      const info = (await core.call('getInfo', {})) as AppInfo;
      expect(info.presets.length).toBe(presets.size);
      for (const p of info.presets) {
        expect(p.estimate, p.name).toBeDefined();
        expect(p.missingData === null || typeof p.missingData?.install === 'string', p.name).toBe(true);
      }
      expect(info.presets.find((p) => p.name === 'quick')!.estimate!.seconds).toBeGreaterThan(0);
    } finally {
      await core.close();
    }
  });
});

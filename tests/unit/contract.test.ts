import { describe, expect, it } from 'vitest';
import { paramSchemas, METHOD_NAMES, isMethodName } from '../../src/shared/contract';
import { applyOverrides, canonicalJson, identityOfConfig, parseExperimentConfig } from '../../src/shared/config';
import { ValidationError } from '../../src/shared/errors';
import quick from '../../resources/presets/quick.json';

describe('contract validation', () => {
  it('has a schema for every method', () => {
    expect([...METHOD_NAMES].sort()).toEqual([
      'analyzeAblate',
      'analyzeAblationScan',
      'analyzeActivations',
      'analyzeCircuit',
      'analyzeFaithfulness',
      'analyzeInstability',
      'analyzeMultigraph',
      'analyzeOverlap',
      'analyzeOverlapMatrix',
      'analyzeSelectivity',
      'analyzeSubcircuit',
      'analyzeVisualize',
      'cancelRequest',
      'cancelRun',
      'chooseSnapshotPath',
      'exportSnapshot',
      'getExperiment',
      'getInfo',
      'getMetrics',
      'getRun',
      'importSnapshot',
      'listExperiments',
      'listRuns',
      'listStates',
      'maskPixels',
      'reportDog',
      'resumeRun',
      'startRun',
    ]);
    expect(isMethodName('getRun')).toBe(true);
    expect(isMethodName('__proto__')).toBe(false);
    expect(isMethodName(42)).toBe(false);
  });

  it.each([
    ['getRun', {}],
    ['getRun', { runId: 5 }],
    ['getRun', { runId: '../../etc/passwd' }],
    ['getRun', { runId: 'r1', extra: true }],
    ['getInfo', { x: 1 }],
    ['startRun', {}],
    ['startRun', { preset: 'quick', config: {} }],
    ['startRun', { preset: 'quick', overrides: 'iterations=5' }],
    ['cancelRun', null],
    ['analyzeOverlap', { a: 'r1:0:mask' }],
    ['analyzeOverlap', { a: 'r1:0:mask', b: '../x' }],
    ['analyzeOverlapMatrix', { states: ['r1'] }],
    ['analyzeSelectivity', { states: [] }],
    ['analyzeSelectivity', { states: ['r1'], threshold: 0.2 }],
    ['analyzeSelectivity', { states: ['r1'], permutations: -1 }],
    ['analyzeSelectivity', { states: ['r1'], class: 'dog; drop table' }],
    ['analyzeActivations', { states: ['r1'], layer: 'conv1' }],
    ['analyzeActivations', { states: ['r1'], layer: '../x', unit: 1 }],
    ['analyzeSubcircuit', { state: 'r1', edges: 0 }],
    ['analyzeAblate', { state: 'r1' }],
    ['analyzeAblate', { state: 'r1', units: [1] }],
    ['analyzeAblate', { state: 'r1', layer: 'fc1', units: [-1] }],
    ['analyzeAblate', { state: 'r1', layer: 'fc1', units: 'some' }],
    ['analyzeAblate', { state: 'r1', layer: 'fc1', units: [1], ablation: 'noise' }],
    ['analyzeAblationScan', { state: 'r1', layer: 'input' }],
    ['analyzeFaithfulness', { state: 'r1', points: 1 }],
    ['analyzeFaithfulness', { state: 'r1', metric: 'prob' }],
    ['analyzeCircuit', { state: 'r1', circuit: { units: [{ layer: '../fc1', units: [1] }] } }],
    ['analyzeCircuit', { state: 'r1', circuit: { edges: [] } }],
    ['reportDog', { experimentId: '../x' }],
    ['reportDog', { experimentId: 'e0123456789abcdef', permutations: -1 }],
    ['analyzeMultigraph', { kMax: 99 }],
    ['analyzeMultigraph', { target: 'and' }],
    ['analyzeVisualize', { state: 'r1', layer: 'fc1' }],
    ['analyzeVisualize', { state: 'r1', layer: 'fc1', unit: 0, steps: 0 }],
    ['analyzeInstability', { run: 'r1:0', round: 1 }],
    ['analyzeInstability', { run: 'r1', round: 1, points: 1 }],
    ['maskPixels', { a: 'r1', b: 'r2', layer: 'fc1', rows: 5000 }],
    ['listStates', { runId: 'a b' }],
  ] as const)('rejects %s %j', (method, params) => {
    expect(paramSchemas[method].safeParse(params).success).toBe(false);
  });

  it('accepts well-formed params', () => {
    expect(paramSchemas.getRun.safeParse({ runId: 'r0a1b2c3d4e' }).success).toBe(true);
    expect(paramSchemas.startRun.safeParse({ preset: 'quick', overrides: ['iterations=10'] }).success).toBe(true);
    expect(paramSchemas.listRuns.safeParse({}).success).toBe(true);
  });
});

describe('experiment config', () => {
  it('the quick preset is a valid version-1 config', () => {
    const c = parseExperimentConfig(quick);
    expect(c.version).toBe(1);
    expect(c.method.kind).toBe('dense');
    expect(c.dataset).toBe('synthetic-mnist');
  });

  it.each([
    [{ version: 2 }, /config.version/],
    [{ optimizer: { name: 'adam', lr: -1 } }, /config.optimizer.lr/],
    [{ batchSize: 0 }, /config.batchSize/],
    [{ seeds: [] }, /config.seeds/],
    [{ seeds: [1, 1] }, /config.seeds: must not repeat/],
    [{ arch: 'resnet' }, /config.arch/],
    [{ method: { kind: 'magic' } }, /config.method.kind/],
    [{ evalEvery: 1e6 }, /config.evalEvery: must be at most iterations/],
    [{ bogus: 1 }, /config: .*bogus/i],
    // Early stopping selects on the validation loss: no validation split would mean selecting on the test set.
    [{ validation: 0 }, /config.validation: must be at least 1/],
    [{ augmentation: {} }, /config.augmentation: does nothing/],
    [{ augmentation: { randomCrop: 4, rotate: 10 } }, /config.augmentation: .*rotate/i],
    [{ augmentation: { randomCrop: 0 } }, /config.augmentation.randomCrop/],
    [{ dropout: { fc: 1 } }, /config.dropout.fc/],
    [{ dropout: {} }, /config.dropout: does nothing/],
    [{ method: { kind: 'supermask', algorithm: 'bernoulli', roundMask: true, evalMask: 'sampled' } }, /config.method.evalMask: roundMask evaluates the rounded mask/],
    [{ method: { kind: 'supermask', algorithm: 'edge-popup', density: 0.5, roundMask: true } }, /config.method.roundMask: applies to algorithm bernoulli only/],
    [{ method: { kind: 'imp', rounds: 1, rates: { conv: 0.1, fc: 0.2, output: 0.1 }, rewindIteration: 1500 } }, /config.method.rewindIteration: must be less than iterations/],
  ])('rejects %j with a one-line message naming the field', (patch, re) => {
    const bad = { ...quick, ...patch };
    let msg = '';
    try {
      parseExperimentConfig(bad);
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      msg = (e as Error).message;
    }
    expect(msg).toMatch(re);
    expect(msg).not.toContain('\n');
  });

  it('--set overrides parse JSON values and nested paths', () => {
    const o = applyOverrides(quick, ['iterations=2000', 'optimizer.lr=0.01', 'seeds=[0,1]', 'optimizer.name=sgd', 'name=x y']) as typeof quick;
    expect(o.iterations).toBe(2000);
    expect(o.optimizer.lr).toBe(0.01);
    expect(o.optimizer.name).toBe('sgd');
    expect(o.seeds).toEqual([0, 1]);
    expect(o.name).toBe('x y');
    expect(quick.iterations).not.toBe(2000);
    expect(() => applyOverrides(quick, ['iterations'])).toThrow(/expected path=value/);
    expect(() => applyOverrides(quick, ['__proto__.x=1'])).toThrow(/invalid path/);
    expect(() => applyOverrides(quick, ['iterations.x=1'])).toThrow(/not an object/);
  });

  it('accepts augmentation, dropout and roundMask, and adds no defaults for them (old configs keep their identity)', () => {
    const c = parseExperimentConfig({ ...quick, augmentation: { randomCrop: 4, horizontalFlip: true }, dropout: { fc: 0.5 } });
    expect(c.augmentation).toEqual({ randomCrop: 4, horizontalFlip: true });
    expect(c.dropout).toEqual({ fc: 0.5 });
    const plain = parseExperimentConfig(quick);
    expect('augmentation' in plain || 'dropout' in plain).toBe(false);
    const bern = parseExperimentConfig({ ...quick, method: { kind: 'supermask', algorithm: 'bernoulli', roundMask: true } });
    expect(bern.method).toMatchObject({ roundMask: true });
    expect(parseExperimentConfig({ ...quick, method: { kind: 'supermask', algorithm: 'bernoulli' } }).method).not.toHaveProperty('roundMask');
  });

  it('identity ignores the name and key order, so the same config is the same experiment', () => {
    const a = parseExperimentConfig(quick);
    const b = parseExperimentConfig(JSON.parse(canonicalJson({ ...quick, name: 'other' })));
    expect(identityOfConfig(a)).toBe(identityOfConfig(b));
    const c = parseExperimentConfig({ ...quick, iterations: quick.iterations + 1 });
    expect(identityOfConfig(c)).not.toBe(identityOfConfig(a));
  });
});

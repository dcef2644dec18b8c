// The experiment builder's draft (views/builder/draft.ts): path edits, validation with the core's schema, schema
// hints, the plan line, the IMP density schedule, and the experiment id (checked against node:crypto).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { identityOfConfig } from '../../../src/shared/config';
import { experimentId } from '../../../src/shared/refs';
import {
  arrangeIssues,
  getAt,
  impDensities,
  initialValue,
  methodVariants,
  pathKey,
  planText,
  rangeHint,
  setAt,
  validate,
} from '../../../src/renderer/src/views/builder/draft';

const preset = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'resources', 'presets', `${name}.json`), 'utf8'));

describe('paths', () => {
  it('names, reads and writes a path without changing the original', () => {
    const d = { optimizer: { name: 'adam', lr: 0.001 }, seeds: [0, 1] };
    expect(pathKey(['optimizer', 'lr'])).toBe('optimizer.lr');
    expect(pathKey(['seeds', 1])).toBe('seeds.1');
    expect(getAt(d, ['optimizer', 'lr'])).toBe(0.001);
    expect(getAt(d, ['nope', 'deeper'])).toBeUndefined();
    const e = setAt(d, ['optimizer', 'lr'], 0.002);
    expect(e.optimizer.lr).toBe(0.002);
    expect(d.optimizer.lr).toBe(0.001);
    expect(e.seeds).toBe(d.seeds);
    const f = setAt(d, ['seeds', 1], 7);
    expect(Array.isArray(f.seeds)).toBe(true);
    expect(f.seeds).toEqual([0, 7]);
    expect(setAt(d, ['optimizer', 'lr'], undefined).optimizer).toEqual({ name: 'adam' });
    expect(setAt({} as Record<string, unknown>, ['a', 'b'], 1)).toEqual({ a: { b: 1 } });
  });
});

describe('validate', () => {
  it('accepts the presets and names the paths of what is wrong', () => {
    for (const name of ['quick', 'quick-imp', 'lenet-mnist-imp']) expect(validate(preset(name)).ok, name).toBe(true);
    const bad = validate(setAt(preset('quick') as Record<string, unknown>, ['iterations'], -5));
    expect(bad.ok).toBe(false);
    expect(bad.issues.map((i) => i.path)).toContain('iterations');
    expect(validate('not an object').ok).toBe(false);
  });
});

describe('arrangeIssues: one error for one bad value, on the field that holds it (issue #15)', () => {
  const shown = (name: string, path: (string | number)[], value: unknown) => {
    const v = validate(setAt(preset(name) as Record<string, unknown>, path, value));
    return arrangeIssues(v.issues, pathKey(path)).map((i) => `${i.path}: ${i.message}`);
  };

  it('a bad iterations: its own error only, none on evalEvery or rewindIteration that nobody touched', () => {
    // What the schema says: three issues for the one bad value.
    expect(validate(setAt(preset('quick-imp') as Record<string, unknown>, ['iterations'], -5)).issues.map((i) => i.path)).toEqual(['iterations', 'evalEvery', 'method.rewindIteration']);
    expect(shown('quick-imp', ['iterations'], -5)).toEqual(['iterations: Too small: expected number to be >0']);
    expect(shown('quick', ['iterations'], 0)).toEqual(['iterations: Too small: expected number to be >0']);
  });

  it('a value valid alone that breaks a check across fields: the error on the field just edited, naming the other', () => {
    expect(shown('quick-imp', ['iterations'], 40)).toEqual(['iterations: evalEvery must be at most iterations (40)']);
    expect(shown('quick-imp', ['synthetic', 'train'], 10)).toEqual(['synthetic.train: validation must be smaller than synthetic.train (10)']);
    // Edited on the field the check is about: there.
    expect(shown('quick-imp', ['evalEvery'], 100000)).toEqual(['evalEvery: must be at most iterations (300)']);
    expect(shown('quick-imp', ['method', 'rewindIteration'], 400)).toEqual(['method.rewindIteration: must be less than iterations (300): a rewound round trains iterations - rewindIteration steps']);
  });

  it('without an edit (a config loaded as JSON), every issue where the schema puts it', () => {
    const v = validate(setAt(preset('quick-imp') as Record<string, unknown>, ['iterations'], 40));
    expect(arrangeIssues(v.issues, null)).toEqual(v.issues);
  });
});

describe('schema helpers', () => {
  it('lists the methods by kind, with their fields', () => {
    const v = methodVariants();
    expect([...v.keys()]).toEqual(expect.arrayContaining(['dense', 'imp', 'one-shot']));
    expect(Object.keys(v.get('imp')!.properties!)).toEqual(expect.arrayContaining(['kind', 'rounds', 'rates']));
  });

  it('starts a field at its default or a valid-looking value', () => {
    expect(initialValue({ const: 'imp' })).toBe('imp');
    expect(initialValue({ type: 'integer', default: 3, minimum: 1 })).toBe(3);
    expect(initialValue({ type: 'integer', minimum: 1 })).toBe(1);
    expect(initialValue({ type: 'integer', exclusiveMinimum: 0 })).toBe(1);
    expect(initialValue({ type: 'number', exclusiveMinimum: 0 })).toBe(0.1);
    expect(initialValue({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 })).toBe(0.2);
    expect(initialValue({ type: 'number', minimum: 0, maximum: 1 })).toBe(0.2);
    expect(initialValue({ enum: ['layerwise', 'global'] })).toBe('layerwise');
    expect(initialValue({ type: 'object', required: ['a'], properties: { a: { type: 'boolean' }, b: { type: 'string' } } })).toEqual({ a: false });
    const dflt = { conv: 0.1 };
    const v = initialValue({ type: 'object', default: dflt });
    expect(v).toEqual(dflt);
    expect(v).not.toBe(dflt);
  });

  it('says the range of a number field', () => {
    expect(rangeHint({ type: 'integer', minimum: 1, maximum: 40 })).toBe('integer, 1 ≤ x ≤ 40');
    expect(rangeHint({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 })).toBe('0 < x < 1');
    expect(rangeHint({ type: 'number', minimum: 0 })).toBe('x ≥ 0');
    expect(rangeHint({ type: 'integer', minimum: 0, maximum: 2 ** 53 })).toBe('integer, x ≥ 0');
    expect(rangeHint({ type: 'number' })).toBe('');
  });
});

describe('what an experiment trains', () => {
  it('counts runs, trainings and iterations', () => {
    const imp = { seeds: [0, 1], iterations: 100, method: { kind: 'imp', rounds: 3, controls: ['reinit', 'shuffle'] } };
    // 2 seeds × (ticket + 2 controls) runs; per seed 4 ticket rounds and 3 rounds per control.
    expect(planText(imp)).toBe('6 runs (2 seeds × 3: the method + 2 controls), 20 trainings of 100 iterations = 2,000 iterations in all');
    // Controls at chosen rounds: 4 ticket rounds and 2 rounds per control.
    expect(planText({ ...imp, method: { ...imp.method, controlRounds: [1, 3] } })).toBe('6 runs (2 seeds × 3: the method + 2 controls), 16 trainings of 100 iterations = 1,600 iterations in all');
    expect(planText({ seeds: [0], iterations: 1500, method: { kind: 'dense' } })).toBe('1 run (1 seed × 1: the method), 1 training of 1,500 iterations = 1,500 iterations in all');
    expect(planText({ seeds: [0], iterations: 10, method: { kind: 'supermask' } })).toBeNull();
  });

  it('lists the IMP densities per layer role, layerwise only', () => {
    expect(impDensities({ kind: 'imp', rounds: 2, rates: { conv: 0.1, fc: 0.2 } })).toBe('conv 100 → 90 → 81% · fc 100 → 80 → 64%');
    expect(impDensities({ kind: 'imp', rounds: 20, rates: { fc: 0.5 } })).toMatch(/^fc 100 → 50 → 25 → .* → 0\.0244% …$/);
    expect(impDensities({ kind: 'imp', rounds: 2, rates: { fc: 0.2 }, ranking: 'global' })).toBeNull();
    expect(impDensities({ kind: 'dense' })).toBeNull();
    expect(impDensities(null)).toBeNull();
  });

  it('gives a draft the experiment id the core gives its config: the first 16 hex digits of the identity’s SHA-256', () => {
    const r = validate(preset('quick-imp'));
    if (!r.ok) throw new Error('quick-imp is invalid');
    const identity = identityOfConfig(r.config);
    expect(experimentId(r.config)).toBe(createHash('sha256').update(identity).digest('hex').slice(0, 16));
  });
});

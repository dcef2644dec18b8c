// `ticketscope analyze ablate|faithfulness|circuit` end to end (issue #12): the built CLI, the core's cache and the
// engine worker, on a quick-imp LeNet-300-100 trained briefly on the synthetic MNIST-shaped set (class "3").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, cli, tempDir } from '../helpers/cli';

const tmp = tempDir('ticketscope-causal-');
const common = ['--db', join(tmp.dir, 'runs.db'), '--data-dir', join(tmp.dir, 'data')];
const json = (args: string[]) => {
  const r = cli([...args, '--json', ...common]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

// Circuit files for the refusals (the state is filled in where it matters).
const circuitFile = (name: string, body: string) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, body);
  return path;
};
const pinned = (circuit: object) => JSON.stringify({ format: 'ticketscope.circuit/1', circuit });
const BAD = {
  malformed: circuitFile('malformed.json', '{"format": "ticketscope.circuit/1", "circuit": '),
  other: circuitFile('other.json', JSON.stringify({ format: 'ticketscope.mask/1', circuit: {} })),
  field: circuitFile('field.json', pinned({ connections: [{ layer: 'fc2', from: 'a', to: 1 }] })),
  range: circuitFile('range.json', pinned({ connections: [{ layer: 'fc2', from: 300, to: 1 }] })),
  conv: circuitFile('conv.json', pinned({ connections: [{ layer: 'conv2', from: 0, to: 1 }] })),
  empty: circuitFile('empty.json', pinned({})),
};

let run = '';
beforeAll(() => {
  assertBuilt();
  const out = json(['run', '--preset', 'quick-imp', '--set', 'iterations=150', '--set', 'method.rounds=1', '--set', 'method.controls=[]']);
  run = out.runs[0].runId;
  expect(out.runs[0].testAccuracy).toBeGreaterThan(0.6);
}, 300_000);
afterAll(() => tmp.cleanup());

describe('analyze ablate', () => {
  it('mean-ablating every unit of a hidden layer gives chance accuracy; one unit barely changes it', () => {
    const all = json(['analyze', 'ablate', `${run}:1`, '--layer', 'fc1', '--units', 'all', '--class', '3']);
    expect(all).toMatchObject({ class: { index: 3, name: '3' }, ablation: 'mean', layer: 'fc1', images: { class: expect.any(Number), other: expect.any(Number) } });
    expect(all.units).toHaveLength(300);
    expect(all.accuracy.before).toBeGreaterThan(0.6);
    // With fc1 replaced by its mean the logits no longer depend on the image: one class for every image, so the
    // accuracy is that class's share of the test images (10 balanced classes).
    expect(all.accuracy.after).toBeLessThan(0.15);
    expect(all.targetLogitDrop).toBeGreaterThan(1);

    const one = json(['analyze', 'ablate', `${run}:1`, '--layer', 'fc1', '--units', '5', '--class', '3']);
    for (const k of ['class', 'ablation', 'units', 'targetLogitDrop', 'otherLogitDrop', 'targetAccuracy', 'accuracy']) expect(one).toHaveProperty(k);
    expect(one.units).toEqual([5]);
    expect(Math.abs(one.accuracy.before - one.accuracy.after)).toBeLessThan(0.02);
    expect(Math.abs(one.targetLogitDrop)).toBeLessThan(0.1 * all.targetLogitDrop);
    expect(one.targetLogit.before - one.targetLogit.after).toBeCloseTo(one.targetLogitDrop, 6);
    // The second call is answered from the cache.
    expect(json(['analyze', 'ablate', `${run}:1`, '--layer', 'fc1', '--units', '5', '--class', '3']).meta.cached).toBe(true);
  }, 120_000);

  it('--scan ablates each unit alone, with the same numbers as ablating it by itself; human output has a table', () => {
    const scan = json(['analyze', 'ablate', `${run}:1`, '--layer', 'fc1', '--scan', '--class', '3']);
    expect(scan.units).toHaveLength(300);
    const one = json(['analyze', 'ablate', `${run}:1`, '--layer', 'fc1', '--units', '5', '--class', '3']);
    expect(scan.units[5].targetLogitDrop).toBeCloseTo(one.targetLogitDrop, 4);
    expect(scan.units[5].accuracy).toBeCloseTo(one.accuracy.after, 6);
    const text = cli(['analyze', 'ablate', `${run}:1`, '--layer', 'fc1', '--units', '5,7', '--class', '3', ...common]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/MEASURE\s+BEFORE\s+AFTER\s+DROP/);
    expect(text.stdout).toContain('ablated 2 unit(s) of fc1 (5, 7)');
  }, 120_000);
});

describe('analyze faithfulness', () => {
  it('has the points at fraction 0 (F 0, completeness 1) and 1 (F 1, completeness 0), and the budget point', () => {
    const r = json(['analyze', 'faithfulness', `${run}:1`, '--class', '3', '--points', '6', '--budget', '1000']);
    expect(r).toMatchObject({ class: { index: 3 }, ablation: 'mean', metric: 'logit' });
    const first = r.points[0];
    const last = r.points[r.points.length - 1];
    expect(first).toMatchObject({ edges: 0, fraction: 0, faithfulness: 0, completeness: 1 });
    expect(last).toMatchObject({ edges: r.edges, fraction: 1, faithfulness: 1, completeness: 0 });
    expect(r.budget).toMatchObject({ edges: 1000 });
    expect(r.points.map((p: { edges: number }) => p.edges)).toContain(1000);
    // m(C) at the ends is m(∅), resp. m(M).
    expect(first.circuit).toBe(r.empty);
    expect(last.circuit).toBe(r.full);
  }, 120_000);
});

describe('analyze circuit', () => {
  it('round trip: the budget circuit written by analyze faithfulness scores as the curve’s point at the budget', () => {
    const file = join(tmp.dir, 'budget.json');
    // The same parameters as the faithfulness test above: its cached curve, now with the budget's circuit.
    const curve = json(['analyze', 'faithfulness', `${run}:1`, '--class', '3', '--points', '6', '--budget', '1000', '--circuit-out', file]);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toMatchObject({ format: 'ticketscope.circuit/1', state: `${run}:1:trained`, class: { index: 3 } });
    expect(written.circuit.weights).toHaveLength(1000);
    const r = json(['analyze', 'circuit', `${run}:1`, '--circuit', file]);
    expect(r).toMatchObject({ class: { index: 3 }, ablation: 'mean', metric: 'logit', units: 0, edges: 1000 });
    expect(r.full).toBeCloseTo(curve.full, 5);
    expect(r.empty).toBeCloseTo(curve.empty, 5);
    expect(r.circuit).toBeCloseTo(curve.budget.circuit, 5);
    expect(r.faithfulness).toBeCloseTo(curve.budget.faithfulness, 5);
    expect(r.completeness).toBeCloseTo(curve.budget.completeness, 5);
    const text = cli(['analyze', 'circuit', `${run}:1`, '--circuit', file, ...common]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/faithfulness\s+-?\d\.\d{3}/);
    expect(text.stdout).toMatch(/m\(empty\), everything ablated\s+-?\d/);
  }, 180_000);

  it('scores a hand-written circuit of units and connections; zero ablation is an option', () => {
    const file = circuitFile('hand.json', pinned({ units: [{ layer: 'fc2', units: [0, 1, 2] }], connections: [{ layer: 'fc3', from: 0, to: 3 }] }));
    const r = json(['analyze', 'circuit', `${run}:1`, '--circuit', file, '--class', '3', '--ablation', 'zero']);
    expect(r).toMatchObject({ ablation: 'zero', units: 3, edges: 1 });
    for (const k of ['faithfulness', 'completeness', 'circuit', 'complement', 'full', 'empty']) expect(r).toHaveProperty(k);
  }, 120_000);
});

describe('refusals', () => {
  it.each([
    [['analyze', 'ablate', 'STATE:1', '--layer', 'fc1', '--units', '3,x', '--class', '3'], /--units 3,x: expected comma-separated/],
    [['analyze', 'ablate', 'STATE:1', '--layer', 'fc1', '--class', '3'], /either --units LIST\|all or --scan/],
    [['analyze', 'ablate', 'STATE:1', '--units', '3'], /needs --layer L/],
    [['analyze', 'ablate', 'STATE:1', '--layer', 'fc1', '--units', '3', '--ablation', 'bogus'], /ablation/],
    [['analyze', 'ablate', 'STATE:1', '--layer', 'fc1', '--units', '999', '--class', '3'], /unit 999 out of range: fc1 has 300 units/],
    [['analyze', 'ablate', 'STATE:1', '--layer', 'fc3', '--units', 'all', '--class', '3'], /units "all" needs a hidden layer/],
    [['analyze', 'ablate', 'STATE:1', '--layer', 'fc1', '--scan', '--class', 'dog'], /--class dog: synthetic-mnist's classes are/],
    [['analyze', 'ablate', 'STATE:1:mask', '--layer', 'fc1', '--units', '3', '--class', '3'], /a mask without weights/],
    [['analyze', 'ablate', 'rnope00000:1', '--layer', 'fc1', '--units', '3', '--class', '3'], /unknown run rnope00000/],
    [['analyze', 'faithfulness', 'STATE:1', '--points', '1', '--class', '3'], /points/],
    [['analyze', 'faithfulness', 'STATE:1', 'STATE:0', '--class', '3'], /exactly one STATE/],
    [['analyze', 'faithfulness', 'STATE:1', '--class', '3', '--circuit-out', join(tmp.dir, 'x.json')], /--circuit-out FILE needs --budget N/],
    [['analyze', 'circuit', 'STATE:1', '--class', '3'], /needs --circuit FILE\.json/],
    [['analyze', 'circuit', 'STATE:1', '--circuit', join(tmp.dir, 'none.json')], /--circuit .*none\.json: no such file$/],
    [['analyze', 'circuit', 'STATE:1', '--circuit', BAD.malformed], /malformed\.json is not JSON$/],
    [['analyze', 'circuit', 'STATE:1', '--circuit', BAD.other], /other\.json is not a pinned circuit/],
    [['analyze', 'circuit', 'STATE:1', '--circuit', BAD.field], /field\.json: circuit\.connections\.0\.from: /],
    [['analyze', 'circuit', 'STATE:1', '--circuit', BAD.empty, '--class', '3'], /names no unit, connection or weight/],
    [['analyze', 'circuit', 'STATE:1', '--circuit', BAD.range, '--class', '3'], /connection source 300 out of range: fc2 has 300 sources/],
    [['analyze', 'circuit', 'STATE:1', '--circuit', BAD.conv, '--class', '3'], /layer conv2 does not exist in/],
    [['analyze', 'circuit', 'STATE:1:mask', '--circuit', BAD.range, '--class', '3'], /a mask without weights/],
  ])('%j exits 2 with one line', (args, message) => {
    const r = cli(args.map((a) => a.replace('STATE', run)).concat(common));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    // Progress stages may come first (stderr); the error is one line, the last.
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('ticketscope: '))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(message);
  }, 60_000);

  it('--help documents the three commands', () => {
    for (const kind of ['ablate', 'faithfulness', 'circuit']) {
      const r = cli(['analyze', kind, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: ticketscope analyze ${kind} STATE`);
      expect(r.stdout).toContain('--ablation KIND');
    }
    expect(cli(['analyze', '--help']).stdout).toMatch(/ablate\s+ablate units of a layer/);
  });
});

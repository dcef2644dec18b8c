// Route arguments of the analysis views and the states a comparison opens with (analysis/view-args.ts).
import { describe, expect, it } from 'vitest';
import { comparisonStates, comparisonWith, parseViewArg, refOfArg, stateArg, statesForArg, unitArg } from '../../../src/renderer/src/analysis/view-args';
import { impStates, stateInfo } from './fixtures';

describe('view arguments', () => {
  it('writes a state reference with dots and reads it back', () => {
    expect(stateArg('r29b4b9c345:3:trained')).toBe('r29b4b9c345.3.trained');
    const p = parseViewArg(stateArg('r29b4b9c345:3:ticket-at-init'));
    expect(p).toEqual({ runId: 'r29b4b9c345', round: 3, which: 'ticket-at-init', layer: null, unit: null, classIndex: null });
    expect(refOfArg(p)).toBe('r29b4b9c345:3:ticket-at-init');
  });

  it('writes a unit with and without its class and reads it back', () => {
    expect(unitArg('r1:2:trained', 'conv2', 17, 5)).toBe('r1.2.trained.conv2.17.5');
    expect(unitArg('r1:2:trained', 'fc1', 0)).toBe('r1.2.trained.fc1.0');
    expect(unitArg('r1:2:trained', 'fc1', 0, null)).toBe('r1.2.trained.fc1.0');
    expect(parseViewArg('r1.2.trained.conv2.17.5')).toEqual({ runId: 'r1', round: 2, which: 'trained', layer: 'conv2', unit: 17, classIndex: 5 });
    expect(parseViewArg('r1.2.trained.fc1.0')).toMatchObject({ layer: 'fc1', unit: 0, classIndex: null });
  });

  it('reads a state reference written with colons too', () => {
    expect(parseViewArg('r1:2:mask')).toEqual({ runId: 'r1', round: 2, which: 'mask', layer: null, unit: null, classIndex: null });
    expect(refOfArg(parseViewArg('r1:2:ticket-at-init'))).toBe('r1:2:ticket-at-init');
  });

  it('accepts a bare run id, naming no state', () => {
    const p = parseViewArg('r29b4b9c345');
    expect(p).toEqual({ runId: 'r29b4b9c345', round: null, which: null, layer: null, unit: null, classIndex: null });
    expect(refOfArg(p)).toBeNull();
    expect(refOfArg(null)).toBeNull();
  });

  it('rejects anything else', () => {
    for (const bad of [
      null,
      undefined,
      '',
      'r1.x.trained',
      'r1.2.weights',
      'r1.2',
      'r1.2.trained.Conv2.1',
      'r1.2.trained.conv2',
      'r1.2.trained.conv2.-1',
      'r1.2.trained.conv2.1.dog',
      'r1.2.trained.conv2.1.5.7',
      'r:1',
      `${'r'.repeat(65)}`,
    ]) {
      expect(parseViewArg(bad), String(bad)).toBeNull();
    }
  });
});

describe('comparison states', () => {
  const states = [...impStates('r1', 3), ...impStates('r2', 1, { seed: 1 })];

  it('compares a supermask with its unmasked init, its initial random mask and another run trained', () => {
    const sm = { kind: 'supermask', density: 0.5 } as const;
    const supermask = [stateInfo('s1', 0, 'trained', sm), stateInfo('s1', 0, 'init', sm), stateInfo('s1', 0, 'dense-init', { ...sm, density: 1 }), stateInfo('s1', 0, 'mask', sm)];
    const other = [...impStates('c1', 1, { arch: 'conv-2' }), stateInfo('d1', 0, 'trained', { kind: 'dense' })];
    expect(comparisonStates([...states, ...other, ...supermask], 's1').map((s) => s.ref)).toEqual(['s1:0:dense-init', 's1:0:init', 's1:0:trained', 'd1:0:trained']);
    // No trained run of that architecture and data set: the three states of the supermask.
    expect(comparisonStates([...impStates('c1', 1, { arch: 'conv-2' }), ...supermask], 's1').map((s) => s.ref)).toEqual(['s1:0:dense-init', 's1:0:init', 's1:0:trained']);
  });

  it('picks init, ticket at init and trained of the last round, and dense trained, in that order', () => {
    expect(comparisonStates(states, 'r1').map((s) => s.ref)).toEqual(['r1:0:init', 'r1:3:ticket-at-init', 'r1:3:trained', 'r1:0:trained']);
    expect(comparisonStates(states, 'r1', 2).map((s) => s.ref)).toEqual(['r1:0:init', 'r1:2:ticket-at-init', 'r1:2:trained', 'r1:0:trained']);
  });

  it('has no dense repeat for round 0 and nothing for states without weights', () => {
    expect(comparisonStates(states, 'r1', 0).map((s) => s.ref)).toEqual(['r1:0:init', 'r1:0:trained']);
    expect(comparisonStates([stateInfo('m', 1, 'mask')], 'm')).toEqual([]);
    expect(comparisonStates(states, 'nope')).toEqual([]);
  });

  it('falls back to the run’s last state with weights when none of the four is stored', () => {
    const odd = [stateInfo('x', 2, 'trained', { kind: 'supermask' })];
    expect(comparisonStates(odd, 'x', 5).map((s) => s.ref)).toEqual(['x:2:trained']);
  });

  it('keeps a named state, first when it is not one of the comparison', () => {
    expect(comparisonWith(states, 'r1:3:trained')).toEqual(['r1:0:init', 'r1:3:ticket-at-init', 'r1:3:trained', 'r1:0:trained']);
    expect(comparisonWith(states, 'r1:2:trained', 3)).toEqual(['r1:0:init', 'r1:2:ticket-at-init', 'r1:2:trained']);
    expect(comparisonWith(states, 'r1:3:mask')).toEqual(['r1:3:mask', 'r1:0:init', 'r1:3:ticket-at-init', 'r1:3:trained']);
    expect(comparisonWith(states, 'zz:1:trained')).toEqual(['zz:1:trained']);
  });

  it('statesForArg: a state, a run, or the newest run with a ticket when nothing is picked', () => {
    expect(statesForArg(states, parseViewArg('r2.1.trained'), 0)).toEqual(['r2:0:init', 'r2:1:ticket-at-init', 'r2:1:trained', 'r2:0:trained']);
    expect(statesForArg(states, parseViewArg('r2'), 0, 2)).toEqual(['r2:0:init', 'r2:1:ticket-at-init', 'r2:1:trained', 'r2:0:trained']);
    expect(statesForArg(states, parseViewArg('r1.3.trained'), 0)).toEqual(['r1:0:init', 'r1:3:ticket-at-init', 'r1:3:trained', 'r1:0:trained']);
    // listStates lists the oldest run first: r2 is the newest.
    expect(statesForArg(states, null, 0)).toEqual(['r2:0:init', 'r2:1:ticket-at-init', 'r2:1:trained', 'r2:0:trained']);
    // A run or state that is not stored, or a mask without weights: the default run's comparison.
    expect(statesForArg(states, parseViewArg('gone'), 0)).toEqual(['r2:0:init', 'r2:1:ticket-at-init', 'r2:1:trained', 'r2:0:trained']);
    expect(statesForArg(states, parseViewArg('r1.9.trained'), 0)).toEqual(['r1:0:init', 'r1:3:ticket-at-init', 'r1:3:trained', 'r1:0:trained']);
    expect(statesForArg(states, parseViewArg('r1.2.mask'), 0)).toEqual(['r1:0:init', 'r1:3:ticket-at-init', 'r1:3:trained', 'r1:0:trained']);
    // Something is picked already and the argument names nothing stored: nothing to change.
    expect(statesForArg(states, parseViewArg('gone'), 2)).toEqual([]);
    expect(statesForArg(states, null, 1)).toEqual([]);
  });
});

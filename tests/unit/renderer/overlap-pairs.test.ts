// The pair of states the mask overlap view opens with (views/overlap/pairs.ts).
import { describe, expect, it } from 'vitest';
import { defaultPair, pairForRoute } from '../../../src/renderer/src/views/overlap/pairs';
import { impStates, stateInfo } from './fixtures';

describe('defaultPair', () => {
  it('needs two states', () => {
    expect(defaultPair([], null)).toBeNull();
    expect(defaultPair([stateInfo('r1', 0, 'trained')], null)).toBeNull();
  });

  it('a named state against its run’s first pruned round (trained preferred over the mask)', () => {
    const states = impStates('r1', 3);
    expect(defaultPair(states, 'r1:3:mask')).toEqual(['r1:3:mask', 'r1:1:trained']);
    expect(defaultPair(states, 'r1:1:trained')).toEqual(['r1:1:trained', 'r1:2:trained']);
  });

  it('a named state written as the views write it (dots), a mask included', () => {
    const states = impStates('r1', 3);
    expect(defaultPair(states, 'r1.1.mask')).toEqual(['r1:1:mask', 'r1:2:trained']);
    expect(defaultPair(states, 'r1.3.ticket-at-init')).toEqual(['r1:3:ticket-at-init', 'r1:1:trained']);
  });

  it('a named run: its last round against its first pruned round', () => {
    expect(defaultPair(impStates('r1', 3), 'r1')).toEqual(['r1:3:trained', 'r1:1:trained']);
  });

  it('a named run with one pruned round, alone in the database: against its dense round (issue #15: this threw)', () => {
    const one = impStates('r1', 1);
    expect(defaultPair(one, 'r1')).toEqual(['r1:1:trained', 'r1:0:trained']);
    expect(defaultPair(one, 'r1.1.mask')).toEqual(['r1:1:mask', 'r1:0:trained']);
    // Round 0 named: any other state of the run.
    expect(defaultPair(impStates('d', 0, { kind: 'dense' }), 'd.0.trained')).toEqual(['d:0:trained', 'd:0:init']);
  });

  it('a route naming nothing stored: the default pair', () => {
    expect(defaultPair(impStates('r1', 3), 'nosuchrun')).toEqual(['r1:1:trained', 'r1:3:trained']);
  });

  it('a pruning-at-init mask against the IMP ticket of the nearest density on the same network and data', () => {
    const pai = [stateInfo('p', 0, 'init', { kind: 'prune-at-init', density: 0.3 }), stateInfo('p', 1, 'mask', { kind: 'prune-at-init', density: 0.3 })];
    const imp = impStates('r1', 4); // densities 0.8, 0.64, 0.512, 0.41
    const other = impStates('c', 6, { arch: 'conv-2' }); // 0.26 is nearer, but another network
    expect(defaultPair([...pai, ...imp, ...other], null)).toEqual(['p:1:mask', 'r1:4:trained']);
  });

  it('else the first and last pruned round of the newest IMP run (listStates lists the oldest first)', () => {
    expect(defaultPair([...impStates('d', 0, { kind: 'dense' }), ...impStates('r1', 3)], null)).toEqual(['r1:1:trained', 'r1:3:trained']);
    expect(defaultPair([...impStates('old', 2), ...impStates('r1', 3), ...impStates('d', 0, { kind: 'dense' })], null)).toEqual(['r1:1:trained', 'r1:3:trained']);
  });

  it('one pruned round: against another run at that round, else the dense round', () => {
    const one = impStates('r1', 1);
    expect(defaultPair(one, null)).toEqual(['r1:1:trained', 'r1:0:trained']);
    const shuffled = stateInfo('s', 1, 'mask', { kind: 'shuffle' });
    expect(defaultPair([...one, shuffled], null)).toEqual(['r1:1:trained', 's:1:mask']);
  });

  it('else the first and last mask, or state', () => {
    const masks = [stateInfo('a', 1, 'mask', { kind: 'imported' }), stateInfo('b', 2, 'mask', { kind: 'imported' }), stateInfo('c', 0, 'trained', { kind: 'imported' })];
    expect(defaultPair(masks, null)).toEqual(['a:1:mask', 'b:2:mask']);
    const dense = impStates('d', 0, { kind: 'dense' });
    expect(defaultPair(dense, null)).toEqual(['d:0:init', 'd:0:trained']);
  });
});

describe('pairForRoute', () => {
  const states = [...impStates('r1', 3), ...impStates('r2', 2)];

  it('keeps the shown pair while the address agrees with it or names nothing stored', () => {
    const shown: [string, string] = ['r1:2:mask', 'r2:2:mask'];
    expect(pairForRoute(states, shown, 'r1:2:mask')).toBe(shown);
    expect(pairForRoute(states, shown, 'r1.2.mask')).toBe(shown);
    expect(pairForRoute(states, shown, 'r1')).toBe(shown);
    expect(pairForRoute(states, shown, null)).toBe(shown);
    expect(pairForRoute(states, shown, 'nosuchrun')).toBe(shown);
  });

  it('follows an address that names another state or run (a selection made in the view does not hold it back)', () => {
    const shown: [string, string] = ['r1:2:mask', 'r2:2:mask'];
    expect(pairForRoute(states, shown, 'r2.1.trained')).toEqual(['r2:1:trained', 'r2:2:trained']);
    expect(pairForRoute(states, shown, 'r2')).toEqual(['r2:2:trained', 'r2:1:trained']);
    expect(pairForRoute(states, shown, 'r1.3.trained')).toEqual(['r1:3:trained', 'r1:1:trained']);
  });

  it('replaces a pair whose states are gone; the first pair from nothing', () => {
    expect(pairForRoute(states, ['gone:1:mask', 'r1:1:mask'], null)).toEqual(['r2:1:trained', 'r2:2:trained']);
    expect(pairForRoute(states, null, 'r1.1.mask')).toEqual(['r1:1:mask', 'r1:2:trained']);
    expect(pairForRoute([], null, null)).toBeNull();
  });
});

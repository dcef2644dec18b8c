// What an analysis view opens on without a usable route argument, and the notice it shows for one it cannot use
// (analysis/route-defaults.ts).
import { describe, expect, it } from 'vitest';
import { defaultRunId, describeStates, routeNoticeText, routeProblem } from '../../../src/renderer/src/analysis/route-defaults';
import { parseViewArg } from '../../../src/renderer/src/analysis/view-args';
import { impStates, stateInfo } from './fixtures';

describe('defaultRunId', () => {
  it('the newest run with a ticket at init, not a control, not an older quick run', () => {
    // Oldest first, as listStates lists them: a quick dense run, an IMP experiment with a control, a newer dense run.
    const states = [
      ...impStates('quick', 0, { kind: 'dense' }),
      ...impStates('imp1', 2),
      ...impStates('ctl', 2, { kind: 'reinit' }).filter((s) => s.round > 0),
      ...impStates('dense2', 0, { kind: 'dense' }),
    ];
    expect(defaultRunId(states)).toBe('imp1');
    expect(defaultRunId([...states, ...impStates('imp2', 1)])).toBe('imp2');
  });

  it('else the newest run with weights; null without one', () => {
    expect(defaultRunId([...impStates('a', 0, { kind: 'dense' }), ...impStates('b', 0, { kind: 'dense' })])).toBe('b');
    expect(defaultRunId([stateInfo('m', 1, 'mask', { kind: 'imported' })])).toBeNull();
    expect(defaultRunId([])).toBeNull();
  });
});

describe('routeProblem', () => {
  const states = impStates('r1', 2);
  const problem = (arg: string | null, needWeights = true) => routeProblem(arg, parseViewArg(arg), states, needWeights);

  it('none for no argument or one that names a stored run or state', () => {
    expect(problem(null)).toBeNull();
    expect(problem('r1')).toBeNull();
    expect(problem('r1.2.trained')).toBeNull();
    expect(problem('r1:2:ticket-at-init')).toBeNull();
    expect(problem('r1.2.mask', false)).toBeNull();
  });

  it('says what was not found, or why it cannot be shown', () => {
    expect(problem('nosuchrun')).toBe('run nosuchrun is not in this database');
    expect(problem('r1.7.trained')).toBe('state r1:7:trained is not stored');
    expect(problem('r1.2.mask')).toBe('state r1:2:mask is a mask without weights, which this view cannot analyse');
    expect(problem('r1.2')).toMatch(/^“r1\.2” in the address is not a run or a state/);
    expect(routeProblem('m', parseViewArg('m'), [stateInfo('m', 1, 'mask')], true)).toBe('run m has no stored state with weights');
  });

  it('the notice says what is shown instead', () => {
    const shown = describeStates([stateInfo('r1', 0, 'init'), stateInfo('r1', 2, 'trained'), stateInfo('r2', 1, 'trained', { experimentName: 'other', arch: 'conv-2' })]);
    expect(shown).toBe('exp run r1 (lenet-300-100 on synthetic-mnist): r1 r0 init, r1 r2 trained; other run r2 (conv-2 on synthetic-mnist): r2 r1 trained');
    expect(routeNoticeText('run x is not in this database', 'exp run r1 (…): r1 r0 init')).toBe('Run x is not in this database; showing exp run r1 (…): r1 r0 init instead.');
    expect(routeNoticeText('run x is not in this database', '')).toBe('Run x is not in this database; pick a state below.');
  });
});

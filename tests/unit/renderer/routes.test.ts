// The hash routes of the renderer (app/routes.ts): `#/<view>[/<arg>]`, read back exactly as written.
import { describe, expect, it } from 'vitest';
import { hrefOf, parseHash, unknownViewOf, VIEWS } from '../../../src/renderer/src/app/routes';

describe('parseHash', () => {
  it('reads the view and its argument', () => {
    expect(parseHash('#/lottery/e23de3a2f58854e5')).toEqual({ view: 'lottery', arg: 'e23de3a2f58854e5' });
    expect(parseHash('#/runs/r29b4b9c345')).toEqual({ view: 'runs', arg: 'r29b4b9c345' });
    expect(parseHash('#/activations/r1.3.trained.conv2.17.5')).toEqual({ view: 'activations', arg: 'r1.3.trained.conv2.17.5' });
    expect(parseHash('#/builder')).toEqual({ view: 'builder', arg: null });
    expect(parseHash('#overlap')).toEqual({ view: 'overlap', arg: null });
  });

  it('opens the Runs view for an empty or unknown hash', () => {
    expect(parseHash('')).toEqual({ view: 'runs', arg: null });
    expect(parseHash('#/')).toEqual({ view: 'runs', arg: null });
    expect(parseHash('#/no-such-view')).toEqual({ view: 'runs', arg: null });
    // The argument was meant for another view: not a run id.
    expect(parseHash('#/no-such-view/r1')).toEqual({ view: 'runs', arg: null });
  });

  it('names an unknown view, so the app can say so', () => {
    expect(unknownViewOf('#/no-such-view/r1')).toBe('no-such-view');
    expect(unknownViewOf('#/runs/r1')).toBeNull();
    expect(unknownViewOf('#/')).toBeNull();
    expect(unknownViewOf('')).toBeNull();
  });

  it('decodes the argument and drops one that is malformed, too long or has other characters', () => {
    expect(parseHash('#/overlap/r1%3A2%3Atrained').arg).toBe('r1:2:trained');
    expect(parseHash('#/runs/%E0%A4%A').arg).toBeNull();
    expect(parseHash('#/runs/a%20b').arg).toBeNull();
    expect(parseHash('#/runs/<script>').arg).toBeNull();
    expect(parseHash(`#/runs/${'x'.repeat(100)}`).arg).toBe('x'.repeat(100));
    expect(parseHash(`#/runs/${'x'.repeat(101)}`).arg).toBeNull();
  });

  it('reads back what hrefOf writes, for every view', () => {
    for (const v of VIEWS) {
      expect(parseHash(hrefOf(v.id, 'r1:2:ticket-at-init'))).toEqual({ view: v.id, arg: 'r1:2:ticket-at-init' });
      expect(parseHash(hrefOf(v.id))).toEqual({ view: v.id, arg: null });
    }
    expect(hrefOf('runs')).toBe('#/runs');
    expect(hrefOf('overlap', 'a:b')).toBe('#/overlap/a%3Ab');
  });

  it('gives every view its own shortcut key', () => {
    expect(new Set(VIEWS.map((v) => v.key)).size).toBe(VIEWS.length);
  });
});

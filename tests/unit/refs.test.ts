// The one vocabulary of ids and state references (src/shared/refs.ts).
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/shared/errors';
import { canonicalRef, experimentIdSchema, formatStateRef, isId, parseCanonicalRef, parseStateRef, runIdSchema, stateRefSchema, WHICH } from '../../src/shared/refs';

describe('ids', () => {
  it('accepts letters, digits, _ and - up to 64 characters, nothing else', () => {
    for (const ok of ['r1a2b3c4d5', 'e23de3a2f58854e5', 'A_b-9', 'x'.repeat(64)]) expect(isId(ok), ok).toBe(true);
    for (const bad of ['', 'x'.repeat(65), 'r1.2', 'r1:2', 'r 1', '../x', 'r1/2']) expect(isId(bad), bad).toBe(false);
    expect(runIdSchema.safeParse('r1.2').success).toBe(false);
    expect(experimentIdSchema.safeParse('e1').success).toBe(true);
  });
});

describe('state references', () => {
  it('reads RUN[:ROUND][:WHICH] in any order after the run, defaulting to the trained weights of the last round', () => {
    expect(parseStateRef('r1')).toEqual({ runId: 'r1', which: 'trained' });
    expect(parseStateRef('r1:3')).toEqual({ runId: 'r1', round: 3, which: 'trained' });
    expect(parseStateRef('r1:3:mask')).toEqual({ runId: 'r1', round: 3, which: 'mask' });
    expect(parseStateRef('r1:init')).toEqual({ runId: 'r1', which: 'init' });
    expect(parseStateRef('r1:ticket-at-init:2')).toEqual({ runId: 'r1', round: 2, which: 'ticket-at-init' });
  });

  it('refuses anything else with one line naming the part at fault', () => {
    expect(() => parseStateRef('r1:zz')).toThrow(/"zz" is neither a round number nor one of trained, init, mask, ticket-at-init/);
    expect(() => parseStateRef('r1:1:2')).toThrow(ValidationError);
    expect(() => parseStateRef('r.1')).toThrow(/expected RUN\[:ROUND\]\[:WHICH\]/);
    expect(() => parseStateRef('r1:1:mask:x')).toThrow(/expected RUN/);
    expect(stateRefSchema.safeParse('r1:3:mask').success).toBe(true);
    expect(stateRefSchema.safeParse('r1:zz').success).toBe(false);
  });

  it('writes what it reads', () => {
    for (const text of ['r1:trained', 'r1:3:mask', 'r1:0:ticket-at-init']) expect(formatStateRef(parseStateRef(text))).toBe(text);
    expect(formatStateRef({ runId: 'r1' })).toBe('r1:trained');
    for (const which of WHICH) {
      const ref = canonicalRef('r9', 4, which);
      expect(parseCanonicalRef(ref)).toEqual({ runId: 'r9', round: 4, which });
      expect(parseCanonicalRef(ref.split(':').join('.'), '.')).toEqual({ runId: 'r9', round: 4, which });
    }
  });

  it('reads a canonical reference only when it has all three parts in order', () => {
    for (const bad of ['r1', 'r1:3', 'r1:trained:3', 'r1:3:trained:x', 'r1:x:trained', 'r.1:3:trained']) expect(parseCanonicalRef(bad), bad).toBeNull();
  });
});

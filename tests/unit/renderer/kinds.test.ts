// How a method is described in the lottery plot's subtitle, the run list and the preset list (app/kinds.ts).
import { describe, expect, it } from 'vitest';
import { methodText } from '../../../src/renderer/src/app/kinds';
import type { ExperimentConfig } from '../../../src/shared/config';

const imp = (arch: string, extra: object = {}) =>
  ({ arch, method: { kind: 'imp', rounds: 3, rates: { conv: 0.1, fc: 0.2, output: 0.1 }, ranking: 'layerwise', rewindIteration: 0, controls: [], ...extra } }) as unknown as ExperimentConfig;

describe('methodText', () => {
  it('names only the roles the network has: no conv rate for LeNet-300-100 (issue #15)', () => {
    expect(methodText(imp('lenet-300-100'))).toBe('IMP, 3 rounds, prune fc 20% / output 10% per round');
    expect(methodText(imp('conv-2'))).toBe('IMP, 3 rounds, prune conv 10% / fc 20% / output 10% per round');
  });

  it('adds global ranking and rewinding', () => {
    expect(methodText(imp('conv-4', { ranking: 'global', globalRate: 0.2, rewindIteration: 500 }))).toBe(
      'IMP, 3 rounds, prune conv 10% / fc 20% / output 10% per round, global ranking (20%), rewind to it 500',
    );
  });
});

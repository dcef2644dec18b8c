// IMP's per-round rates default to Frankle & Carbin's (conv 10%, hidden fc 20%, output 10%): a config names only
// what it changes, and a config that spells the defaults out is the same experiment.
import { describe, expect, it } from 'vitest';
import { DEFAULT_IMP_RATES, identityOfConfig, parseExperimentConfig } from '../../src/shared/config';
import quick from '../../resources/presets/quick.json';

const withMethod = (method: unknown) => parseExperimentConfig({ ...quick, method });

describe('IMP rates', () => {
  it('default to the paper\'s when left out, wholly or in part', () => {
    expect(DEFAULT_IMP_RATES).toEqual({ conv: 0.1, fc: 0.2, output: 0.1 });
    expect(withMethod({ kind: 'imp', rounds: 3 }).method).toEqual({
      kind: 'imp', rounds: 3, rates: { conv: 0.1, fc: 0.2, output: 0.1 }, ranking: 'layerwise', rewindIteration: 0, controls: [],
    });
    expect(withMethod({ kind: 'imp', rounds: 3, rates: { fc: 0.5 } }).method).toMatchObject({ rates: { conv: 0.1, fc: 0.5, output: 0.1 } });
  });

  it('give the same experiment whether spelled out or not', () => {
    const short = withMethod({ kind: 'imp', rounds: 3 });
    const spelled = withMethod({ kind: 'imp', rounds: 3, rates: { conv: 0.1, fc: 0.2, output: 0.1 }, ranking: 'layerwise', rewindIteration: 0, controls: [] });
    expect(identityOfConfig(short)).toBe(identityOfConfig(spelled));
    // Each parse gets its own rates object: changing one config cannot change the defaults.
    (short.method as { rates: { fc: number } }).rates.fc = 0.9;
    expect(withMethod({ kind: 'imp', rounds: 3 }).method).toMatchObject({ rates: { fc: 0.2 } });
  });

  it('still refuse a rate outside (0, 1) and an unknown role', () => {
    expect(() => withMethod({ kind: 'imp', rounds: 3, rates: { fc: 1 } })).toThrow(/config\.method\.rates\.fc/);
    expect(() => withMethod({ kind: 'imp', rounds: 3, rates: { attention: 0.2 } })).toThrow(/config\.method\.rates/);
    expect(() => withMethod({ kind: 'imp' })).toThrow(/config\.method\.rounds/);
  });
});

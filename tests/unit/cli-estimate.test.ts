// The presets' time estimate (src/main/core/estimate.ts, used by `ticketscope presets` and the Runs view) on planted
// cases whose answer is worked out by hand.
import { describe, expect, it } from 'vitest';
import { BENCHMARK, ROUND_SECONDS, STARTUP_SECONDS, estimateBackend, estimateExperiment, evaluationsPerRound } from '../../src/main/core/estimate';
import { parseExperimentConfig } from '../../src/shared/config';
import quick from '../../resources/presets/quick.json';

const config = (over: Record<string, unknown>) => parseExperimentConfig({ ...quick, iterations: 1000, batchSize: 60, evalEvery: 100, seeds: [0, 1], ...over });

describe('estimateExperiment', () => {
  it('adds training, evaluation and a little overhead per round, spread over the workers, and start-up once', () => {
    const c = config({});
    expect(evaluationsPerRound(c)).toBe(10);
    expect(evaluationsPerRound({ iterations: 1050, evalEvery: 100 })).toBe(11);
    // 1000 x 60 / 600 = 100 s of steps, 10 evaluations x 500 images / 1000 per s = 5 s, plus the round's overhead;
    // the workers start once.
    const rates = { train: 600, infer: 1000 };
    const round = ROUND_SECONDS + 100 + 5;
    // IMP with 4 rounds and one control: 5 + 4 rounds per seed, 18 in all for two seeds.
    const imp = [{ rounds: 5, isControl: false }, { rounds: 4, isControl: true }];
    // Two workers: 18 / 2 = 9 rounds in a row.
    expect(estimateExperiment(c, imp, rates, 2, 500)).toEqual({ seconds: STARTUP_SECONDS + 9 * round, roundSeconds: round, rounds: 18, workers: 2 });
    // Eight workers: no faster than the chain, the ticket's 5 rounds and its control's last one after them.
    expect(estimateExperiment(c, imp, rates, 8, 500).seconds).toBeCloseTo(STARTUP_SECONDS + 6 * round, 9);
    // A dense run: one round, however many workers.
    expect(estimateExperiment(config({ seeds: [0] }), [{ rounds: 1, isControl: false }], rates, 8, 500).seconds).toBeCloseTo(STARTUP_SECONDS + round, 9);
  });

  it('has figures for wasm only, and says what auto means here', () => {
    expect(BENCHMARK.backend).toBe('wasm');
    expect(Object.keys(BENCHMARK.rates).sort()).toEqual(['conv-2', 'conv-4', 'conv-6', 'lenet-300-100']);
    expect(estimateBackend('auto', () => false).backend).toBe('wasm');
    expect(estimateBackend('auto', (p) => p === '@tensorflow/tfjs-node-gpu').backend).toBeNull();
    expect(estimateBackend('cuda', () => true)).toEqual({ backend: 'cuda', note: '--backend cuda' });
  });
});

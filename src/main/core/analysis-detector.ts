// The analysis registry's entries for issue #13 (shared/detector.ts): feature visualisation of one unit and the
// instability of an IMP round, both computed in an engine worker (engine/analysis/detector.ts) and cached like every
// entry of analysis-kinds.ts.
import { DETECTOR_DEFAULTS } from '../../shared/detector';
import { ValidationError } from '../../shared/errors';
import { deriveSeed } from '../engine/rng';
import type { AnalysisEntry } from './analysis-kinds';

const FORWARD = { needWeights: true, sameArch: true, sameData: true } as const;

export const visualizeEntry: AnalysisEntry<'analyzeVisualize'> = {
  kind: 'visualize',
  version: 1,
  refs: (p) => [p.state],
  ...FORWARD,
  prepare: (p) => {
    const options = { layer: p.layer, unit: p.unit, steps: p.steps ?? DETECTOR_DEFAULTS.steps, seed: p.seed ?? DETECTOR_DEFAULTS.seed };
    return {
      key: options,
      stored: p,
      compute: async (c, states, signal) => (await c.worker({ kind: 'visualize', states: c.loaded(states), data: c.data(states[0]!), options }, signal)) as never,
    };
  },
};

/** Methods whose rounds train weights from a rewind point (not supermasks, whose weights never train). */
const TRAINS_WEIGHTS = new Set(['dense', 'imp', 'one-shot', 'prune-at-init', 'reinit', 'random-prune', 'shuffle']);

export const instabilityEntry: AnalysisEntry<'analyzeInstability'> = {
  kind: 'instability',
  version: 1,
  // The round's `init` state: its rewind point (the init, or the weights at the rewind iteration) under its mask.
  refs: (p) => [`${p.run}:${p.round}:init`],
  ...FORWARD,
  prepare: (p) => {
    const options = { points: p.points ?? DETECTOR_DEFAULTS.points, iterations: p.iterations ?? null, seed: p.seed ?? DETECTOR_DEFAULTS.seed };
    return {
      key: options,
      stored: p,
      compute: async (c, [s], signal) => {
        const info = s!.info;
        if (!TRAINS_WEIGHTS.has(info.kind)) {
          throw new ValidationError(`instability trains the weights of a round from its rewind point; run ${info.runId} is ${info.kind}, whose weights do not train`);
        }
        const m = s!.config.method;
        const rewind = 'rewindIteration' in m ? m.rewindIteration : 0;
        const iterations = options.iterations ?? s!.config.iterations - (p.round > 0 ? rewind : 0);
        const config = { ...s!.config, iterations, evalEvery: Math.min(s!.config.evalEvery, iterations) };
        const seeds: [number, number] = [deriveSeed(info.seed, `instability/${options.seed}/copy1`), deriveSeed(info.seed, `instability/${options.seed}/copy2`)];
        const request = { kind: 'instability' as const, states: c.loaded([s!]), data: c.data(s!), options: { config, seeds, round: p.round, points: options.points } };
        return (await c.worker(request, signal)) as never;
      },
    };
  },
};

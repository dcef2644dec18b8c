// The dog report's supermask rows (core/dog-report.ts): a one-vs-rest supermask experiment gives three stages on the
// same frozen weights, unmasked (RUN:0:dense-init), under the initial random mask (RUN:0:init) and under the learned
// mask, each read by the analyses under its own reference; a one-vs-rest state's accuracy column is its balanced
// accuracy, and the unmasked init stands for "the random network" in the answer when no IMP init is given. The
// analyses are stand-ins (their own tests check them): this checks which states the report reads and how it labels them.
import { describe, expect, it } from 'vitest';
import type { StateInfo } from '../../src/shared/analysis';
import type { ExperimentConfig } from '../../src/shared/config';
import { dogReport, type ReportDeps } from '../../src/main/core/dog-report';
import { dogReportHtml } from '../../src/shared/dog-report-html';

const objective = { kind: 'one-vs-rest', class: 5, className: '5', metric: 'balanced-accuracy' } as const;
const st = (which: StateInfo['which'], density: number): StateInfo => ({
  ref: `rsm0000001:0:${which}`, runId: 'rsm0000001', round: 0, which, kind: 'supermask', seed: 0, experimentName: 'sm', arch: 'lenet-300-100',
  dataset: 'synthetic-mnist', density, hasWeights: which !== 'mask', label: `supermask 5-vs-rest s0 r0 ${which}`, objective,
});
const states = [st('trained', 0.5), st('init', 0.5), st('dense-init', 1), st('mask', 0.5)];
// Best hidden AUROC per state: the supermask finds a detector, the unmasked init and the random mask do not.
const AUROC: Record<string, number> = { trained: 0.98, init: 0.8, 'dense-init': 0.81 };
const which = (ref: string) => ref.split(':')[2]!;

const deps: ReportDeps = {
  listStates: () => states,
  config: () => ({ method: { kind: 'supermask', objective: { kind: 'one-vs-rest', class: 5 } } }) as unknown as ExperimentConfig,
  run: (async (method: string, p: { states?: string[]; state?: string }) => {
    const ref = p.states?.[0] ?? p.state!;
    const pool = (auroc: number, pValue: number) => ({ pooling: 'none', best: { unit: 3, auroc }, pValue, nullBest: [0.6, 0.62], detectors: 0, auroc: [] });
    if (method === 'analyzeSelectivity') {
      const a = AUROC[which(ref)]!;
      const layers = [
        { layer: 'fc1', kind: 'dense', units: 300, pools: [pool(a, a > 0.9 ? 0.01 : 0.5)], probe: null },
        { layer: 'fc3', kind: 'dense', units: 10, pools: [pool(0.5, 1)], probe: null },
      ];
      return { states: [{ state: states.find((s) => s.ref === ref)!, layers, accuracy: 0.1, objectiveAccuracy: which(ref) === 'trained' ? 0.93 : 0.5 }] };
    }
    if (method === 'analyzeAblate') return { class: { index: 5, name: '5' }, targetLogitDrop: 1, otherLogitDrop: 0, targetAccuracy: { before: 0.9, after: 0.5 } };
    if (method === 'analyzeFaithfulness') return { full: 3, empty: 0, budget: { edges: 2000, faithfulness: 0.6, completeness: 0.1 } };
    throw new Error(`unexpected ${method}`);
  }) as ReportDeps['run'],
};

describe('dog report: a one-vs-rest supermask and its baselines', () => {
  it('reads the unmasked init, the initial random mask and the supermask, in that order, with the balanced accuracy', async () => {
    const r = await dogReport(deps, { experimentId: 'e1', permutations: 100 });
    expect(r.stages.map((s) => [s.stage, s.seeds[0]!.state.ref])).toEqual([
      ['supermask-dense-init', 'rsm0000001:0:dense-init'],
      ['supermask-initial-mask', 'rsm0000001:0:init'],
      ['supermask', 'rsm0000001:0:trained'],
    ]);
    expect(r.stages[0]!.source).toContain('unmasked');
    expect(r.stages.map((s) => s.seeds[0]!.objectiveAccuracy)).toEqual([0.5, 0.5, 0.93]);
    // The unmasked init is the random network: no detector there, one selected by the mask.
    expect(r.verdict.at(-1)).toMatch(/^Answer: the init network as a whole shows no 5 detector, but the supermask contains one/);
    const html = dogReportHtml(r);
    expect(html).toContain('93.0% balanced, 5 vs rest (chance 50%)');
    expect(html).not.toMatch(/<td>10\.0%<\/td>/);
  });
});

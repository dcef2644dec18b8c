// The dog report's stages from the runs it is given (core/dog-report.ts, with hand-made states and analysis results
// in place of the database and the engine): a supermask run, a class-specific (one-vs-rest) supermask run and a
// random-features run each become a stage of the report, with its own row in the table (the HTML page), a sentence of
// the verdict, and an overlap against the ticket of the same seed for the supermasks.
import { describe, expect, it } from 'vitest';
import type { StateInfo } from '../../src/shared/analysis';
import type { ExperimentConfig } from '../../src/shared/config';
import { dogReportHtml } from '../../src/shared/dog-report-html';
import { STAGE_LABELS } from '../../src/shared/dog-report';
import { dogReport, type ReportDeps } from '../../src/main/core/dog-report';

const SEEDS = [0, 1, 2];
const state = (exp: string, kind: StateInfo['kind'], seed: number, round: number, which: StateInfo['which']): StateInfo => {
  const runId = `r${exp}${kind.slice(0, 3)}${seed}`.padEnd(11, '0');
  return { ref: `${runId}:${round}:${which}`, runId, round, which, kind, seed, experimentName: exp, arch: 'conv-2', dataset: 'cifar10', density: round ? 0.2 : 1, hasWeights: which !== 'mask', label: `${kind} s${seed} r${round} ${which}` };
};
const imp = SEEDS.flatMap((s) => [state('e1', 'imp', s, 0, 'init'), state('e1', 'imp', s, 0, 'mask'), state('e1', 'imp', s, 2, 'ticket-at-init'), state('e1', 'imp', s, 2, 'trained'), state('e1', 'imp', s, 2, 'mask')]);
const supermask = (exp: string) => SEEDS.flatMap((s) => [state(exp, 'supermask', s, 0, 'trained'), state(exp, 'supermask', s, 0, 'mask')]);
const randomFeatures = SEEDS.flatMap((s) => [state('e4', 'random-features', s, 0, 'trained')]);
const EXPERIMENTS: Record<string, { states: StateInfo[]; method: object }> = {
  e1: { states: imp, method: { kind: 'imp' } },
  e2: { states: supermask('e2'), method: { kind: 'supermask' } },
  e3: { states: supermask('e3'), method: { kind: 'supermask', objective: { kind: 'one-vs-rest', class: 'dog' } } },
  e4: { states: randomFeatures, method: { kind: 'random-features' } },
};
const expOf = (ref: string) => Object.keys(EXPERIMENTS).find((e) => EXPERIMENTS[e]!.states.some((s) => s.ref === ref))!;

/**
 * Planted statistics per experiment and stage: the supermasks and the trained ticket hold a detector (AUROC 0.95,
 * p 0.001) whose ablation removes 40% of the dog logit; random features and init do not (AUROC 0.6, p 0.5).
 */
function planted(ref: string): { auroc: number; p: number; drop: number; faith: number } {
  const e = expOf(ref);
  if (e === 'e2' || e === 'e3' || ref.endsWith(':trained')) return e === 'e4' ? { auroc: 0.6, p: 0.5, drop: 0.1, faith: 0.2 } : { auroc: 0.95, p: 0.001, drop: 1.2, faith: 0.8 };
  return { auroc: 0.6, p: 0.5, drop: 0.1, faith: 0.2 };
}

const deps: ReportDeps = {
  listStates: ({ experimentId }) => EXPERIMENTS[experimentId!]!.states,
  config: (id) => ({ method: EXPERIMENTS[id]!.method }) as unknown as ExperimentConfig,
  run: (async (method: string, p: Record<string, unknown>) => {
    const cls = { index: 5, name: 'dog' };
    if (method === 'analyzeSelectivity') {
      const x = planted((p.states as string[])[0]!);
      const pool = (auroc: number) => ({ pooling: 'mean', best: { unit: 3, auroc }, pValue: x.p, nullBest: [0.6, 0.62] });
      return { states: [{ accuracy: 0.7, layers: [{ layer: 'conv1', pools: [pool(x.auroc - 0.1)] }, { layer: 'fc1', pools: [pool(x.auroc)] }, { layer: 'fc2', pools: [pool(0.99)] }] }] };
    }
    if (method === 'analyzeAblate') {
      const x = planted(p.state as string);
      return { class: cls, targetLogitDrop: x.drop, otherLogitDrop: 0.05, targetAccuracy: { before: 0.8, after: 0.5 } };
    }
    if (method === 'analyzeFaithfulness') {
      const x = planted(p.state as string);
      return { full: 4, empty: 1, budget: { edges: 2000, faithfulness: x.faith, completeness: 0.1 } };
    }
    if (method === 'analyzeOverlapMatrix') {
      const n = (p.states as string[]).length;
      const m = (v: number) => Array.from({ length: n }, () => Array.from({ length: n }, () => v));
      return { jaccard: m(0.3), expectedJaccard: m(0.1), jaccardRatio: m(3) };
    }
    if (method === 'analyzeOverlap') return { overall: { jaccard: 0.12, expectedJaccard: 0.11, jaccardRatio: 1.09 } };
    throw new Error(`unexpected ${method}`);
  }) as ReportDeps['run'],
};

describe('dog report stages', () => {
  it('a supermask run becomes the supermask stage: its row, its verdict sentence, its overlap with the ticket', async () => {
    const r = await dogReport(deps, { experimentId: 'e1', with: ['e2'] });
    expect(r.stages.map((s) => s.stage)).toEqual(['init', 'ticket-at-init', 'supermask', 'trained']);
    const sm = r.stages.find((s) => s.stage === 'supermask')!;
    expect(sm.source).toBe('supermask round 0');
    expect(sm.seeds.map((s) => s.state.ref)).toEqual(supermask('e2').filter((s) => s.which === 'trained').map((s) => s.ref));
    expect(sm.significant).toBe(3);
    // Best unit among hidden layers only (fc2 is the output layer here), p corrected for the 2 (layer, pooling) pairs.
    expect(sm.seeds[0]!.best).toMatchObject({ layer: 'fc1', unit: 3, auroc: 0.95 });
    expect(sm.seeds[0]!.pValue).toBeCloseTo(0.002, 12);
    expect(sm.fraction.mean).toBeCloseTo(0.4, 12);
    expect(r.verdict).toContainEqual(expect.stringMatching(/^the supermask: a unit beats the null in each of 3 seeds .*its ablation removes 40% of the dog logit/));
    expect(r.verdict.at(-1)).toBe("Answer: the init network as a whole shows no dog detector, but the supermask contains one that its dog logit uses: the mask selects it from the random weights.");
    expect(r.overlaps.map((o) => o.what)).toEqual(['ticket masks across 3 seeds', 'ticket vs supermask, same seed (3 seeds)']);
    expect(r.verdict).toContainEqual(expect.stringMatching(/^ticket vs supermask, same seed \(3 seeds\): Jaccard 0\.12 .*\(1\.09x chance\)\.$/));
    expect(r.missing).toEqual([`${STAGE_LABELS['random-features']}: no random-features run (add its experiment with --with EXPERIMENT)`]);
    // The HTML page: its row over seeds (source, seeds, seeds beating the null) and a row per seed.
    const html = dogReportHtml(r);
    expect(html).toContain('<tr><td>the supermask</td><td>supermask round 0</td><td>3</td><td>3</td>');
    expect(html.match(/<tr><td>the supermask<\/td><td>\d<\/td>/g)).toHaveLength(3);
  });

  it('a one-vs-rest supermask is labelled class-specific, for its class', async () => {
    const r = await dogReport(deps, { experimentId: 'e1', with: ['e3'] });
    const sm = r.stages.find((s) => s.stage === 'supermask')!;
    expect(sm.source).toBe('supermask (class-specific: one-vs-rest for dog) round 0');
    expect(sm.seeds).toHaveLength(3);
    expect(r.verdict).toContainEqual(expect.stringMatching(/^the supermask: a unit beats the null in each of 3 seeds/));
    expect(dogReportHtml(r)).toContain('class-specific: one-vs-rest for dog');
  });

  it('a random-features run becomes its own stage, after trained, and is not read as a mask of the random weights', async () => {
    const r = await dogReport(deps, { experimentId: 'e1', with: ['e4'] });
    expect(r.stages.map((s) => s.stage)).toEqual(['init', 'ticket-at-init', 'trained', 'random-features']);
    const rf = r.stages.at(-1)!;
    expect(rf.source).toBe('random-features round 0');
    expect(rf.significant).toBe(0);
    expect(r.verdict).toContainEqual(expect.stringMatching(/^random features \(frozen layers, trained readout\): no unit beats the null \(smallest p = 1\.00 of 3 seeds/));
    expect(r.verdict.at(-1)).toBe('Answer: these figures do not show a dog detector in the random weights (training makes one).');
    const html = dogReportHtml(r);
    expect(html).toContain('<tr><td>random features (frozen layers, trained readout)</td><td>random-features round 0</td><td>3</td><td>0</td>');
    expect(html.match(/<tr><td>random features \(frozen layers, trained readout\)<\/td><td>\d<\/td>/g)).toHaveLength(3);
    expect(r.missing).toEqual([`${STAGE_LABELS.supermask}: no supermask run (add its experiment with --with EXPERIMENT)`]);
  });

  it('all three together: every stage once, nothing missing', async () => {
    const r = await dogReport(deps, { experimentId: 'e1', with: ['e2', 'e3', 'e4'] });
    expect(r.stages.map((s) => s.stage)).toEqual(['init', 'ticket-at-init', 'supermask', 'trained', 'random-features']);
    const sm = r.stages.find((s) => s.stage === 'supermask')!;
    // Both supermask experiments join the one stage, their sources listed.
    expect(sm.source).toBe('supermask round 0, supermask (class-specific: one-vs-rest for dog) round 0');
    expect(r.missing).toEqual([]);
  });
});

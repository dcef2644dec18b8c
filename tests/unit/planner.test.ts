// The planner with controls at chosen rounds (`method.controlRounds` of IMP): the config's validation and identity,
// which rounds each run trains, when a round is ready, and which masks a random-prune round starts from.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { identityOfConfig, parseExperimentConfig, type ExperimentConfig } from '../../src/shared/config';
import { ValidationError } from '../../src/shared/errors';
import type { NetState, StateKind } from '../../src/shared/tensors';
import { buildSpec, isReady, nextRound, plannedRounds, planRuns, type StateSource } from '../../src/main/core/planner';

const rates = { conv: 0.1, fc: 0.2, output: 0.1 };
const base = {
  version: 1,
  name: 'imp',
  dataset: 'fashion-mnist',
  arch: 'lenet-300-100',
  optimizer: { name: 'adam', lr: 0.0012 },
  batchSize: 60,
  iterations: 50000,
  evalEvery: 500,
  validation: 5000,
  seeds: [0, 1, 2],
};
const imp = (extra: Record<string, unknown> = {}): ExperimentConfig =>
  parseExperimentConfig({ ...base, method: { kind: 'imp', rounds: 12, rates, controls: ['reinit', 'random-prune', 'shuffle'], ...extra } });

function refusal(method: Record<string, unknown>): string {
  try {
    parseExperimentConfig({ ...base, method: { kind: 'imp', rounds: 12, rates, controls: ['reinit'], ...method } });
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  return 'accepted';
}

describe('controlRounds in the config', () => {
  it.each([
    [{ controlRounds: [3, 7, 13] }, /^config\.method\.controlRounds: round 13 is past the last round \(rounds is 12\)$/],
    [{ controlRounds: [7, 3] }, /^config\.method\.controlRounds: must be strictly increasing, each round once \(7 then 3\)$/],
    [{ controlRounds: [3, 3, 7] }, /^config\.method\.controlRounds: must be strictly increasing, each round once \(3 then 3\)$/],
    [{ controlRounds: [] }, /^config\.method\.controlRounds: must list at least one round/],
    [{ controlRounds: [0, 3] }, /^config\.method\.controlRounds\.0: /],
    [{ controlRounds: [2.5] }, /^config\.method\.controlRounds\.0: /],
    [{ controlRounds: '3,7' }, /^config\.method\.controlRounds: /],
    [{ controlRounds: [3], controls: [] }, /^config\.method\.controlRounds: applies only with controls/],
  ])('refuses %j with one line naming the field', (method, re) => {
    const msg = refusal(method);
    expect(msg).toMatch(re);
    expect(msg).not.toContain('\n');
  });

  it('accepts chosen rounds and fills in no default', () => {
    expect(imp({ controlRounds: [3, 7, 12] }).method).toMatchObject({ controlRounds: [3, 7, 12] });
    expect(imp().method).not.toHaveProperty('controlRounds');
  });

  it('keeps the experiment id of a config without controlRounds; listing every round is the same experiment', () => {
    const id = (c: ExperimentConfig) => createHash('sha256').update(identityOfConfig(c)).digest('hex').slice(0, 16);
    // Computed with the code before controlRounds existed (commit 21ec766), for this exact config.
    expect(id(imp())).toBe('330388441ac36456');
    expect(id(imp({ controlRounds: Array.from({ length: 12 }, (_, i) => i + 1) }))).toBe('330388441ac36456');
    expect(id(imp({ controlRounds: [3, 7, 12] }))).not.toBe('330388441ac36456');
    expect(id(imp({ controlRounds: [3, 7, 12] }))).not.toBe(id(imp({ controlRounds: [3, 7, 11] })));
  });
});

describe('planRuns', () => {
  it('gives the ticket every round and the controls every round 1 .. rounds by default', () => {
    const plan = planRuns(imp());
    expect(plan.map((p) => [p.kind, p.isControl])).toEqual([['imp', false], ['reinit', true], ['random-prune', true], ['shuffle', true]]);
    expect(plan[0]!.rounds).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const c of plan.slice(1)) expect(c.rounds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('gives the controls only the chosen rounds, the ticket still all', () => {
    const plan = planRuns(imp({ controlRounds: [3, 7, 12] }));
    expect(plan[0]!.rounds).toHaveLength(13);
    for (const c of plan.slice(1)) expect(c.rounds).toEqual([3, 7, 12]);
    expect(plannedRounds(imp({ controlRounds: [3, 7, 12] }), 'shuffle', { firstRound: 3, roundsTotal: 3 })).toEqual([3, 7, 12]);
  });

  it('one-shot and pruning at init keep their single control round; an imported run has its stored rounds', () => {
    const oneShot = parseExperimentConfig({ ...base, method: { kind: 'one-shot', density: 0.1, controls: ['reinit'] } });
    expect(planRuns(oneShot).map((p) => p.rounds)).toEqual([[0, 1], [1]]);
    const pai = parseExperimentConfig({ ...base, method: { kind: 'prune-at-init', density: 0.1, criterion: 'snip', controls: ['shuffle'] } });
    expect(planRuns(pai).map((p) => p.rounds)).toEqual([[0], [0]]);
    expect(plannedRounds(oneShot, 'imported', { firstRound: 4, roundsTotal: 1 })).toEqual([4]);
  });
});

describe('nextRound and isReady over a non-contiguous list', () => {
  const own = (committed: number[]) => ({ rounds: [3, 7, 12], committed });
  const ticket = (upTo: number) => ({ rounds: [...Array(13).keys()], committed: [...Array(upTo + 1).keys()] });

  it('the next round skips the rounds the run does not train', () => {
    expect(nextRound(own([]))).toBe(3);
    expect(nextRound(own([3]))).toBe(7);
    expect(nextRound(own([3, 7]))).toBe(12);
    expect(nextRound(own([3, 7, 12]))).toBeNull();
  });

  it('a round is ready when the ticket has committed the same round and the run its previous chosen round', () => {
    expect(isReady(3, own([]), ticket(2))).toBe(false);
    expect(isReady(3, own([]), ticket(3))).toBe(true);
    expect(isReady(7, own([3]), ticket(6))).toBe(false);
    expect(isReady(7, own([3]), ticket(7))).toBe(true);
    // Its own previous chosen round (3), not round 6, which it never trains.
    expect(isReady(7, own([]), ticket(12))).toBe(false);
    expect(isReady(12, own([3, 7]), ticket(12))).toBe(true);
    expect(isReady(12, own([3]), ticket(12))).toBe(false);
    // A round the run does not train is never ready.
    expect(isReady(5, own([3]), ticket(12))).toBe(false);
  });

  it('the ticket (no parent) needs only its own previous round', () => {
    expect(isReady(4, { rounds: [0, 1, 2, 3, 4], committed: [0, 1, 2, 3] }, null)).toBe(true);
    expect(isReady(4, { rounds: [0, 1, 2, 3, 4], committed: [0, 1, 2] }, null)).toBe(false);
  });
});

describe('buildSpec with chosen rounds', () => {
  // One 16-weight layer that keeps 16 - round weights (of either run), so a mask's count says which round it is.
  const state = (round: number): NetState => ({
    arch: 'lenet-300-100',
    layers: [{ name: 'fc1', kind: 'dense', shape: [4, 4], weight: new Float32Array(16), bias: new Float32Array(4), mask: Uint8Array.from({ length: 16 }, (_, j) => (j < 16 - round ? 1 : 0)) }],
  });
  const OWN = 1;
  const PARENT = 2;
  function source(): { src: StateSource; reads: [number, number, StateKind][] } {
    const reads: [number, number, StateKind][] = [];
    const src: StateSource = {
      own: (round, s) => (reads.push([OWN, round, s]), state(round)),
      parent: (round, s) => (reads.push([PARENT, round, s]), state(round)),
      parentHasRewind: () => false,
      ownHasRewind: () => false,
    };
    return { src, reads };
  }
  const config = imp({ controlRounds: [3, 7, 12] });

  it('random-prune prunes its own previous chosen round (the dense round 0 for the first) to the ticket\'s counts', () => {
    const first = source();
    const s3 = buildSpec(config, 'random-prune', 3, first.src);
    expect(s3.mask).toMatchObject({ kind: 'random-prune', keep: [13], stream: 'random-prune/round3' });
    expect(first.reads).toContainEqual([PARENT, 0, 'trained']);
    expect(first.reads.filter(([who]) => who === OWN)).toEqual([]);
    expect((s3.mask as { from: Uint8Array[] }).from[0]!.reduce((a, b) => a + b, 0)).toBe(16);

    const next = source();
    const s7 = buildSpec(config, 'random-prune', 7, next.src);
    expect(s7.mask).toMatchObject({ kind: 'random-prune', keep: [9], stream: 'random-prune/round7' });
    expect(next.reads).toContainEqual([OWN, 3, 'trained']);
    expect(next.reads).not.toContainEqual([OWN, 6, 'trained']);
    expect(next.reads).toContainEqual([PARENT, 7, 'trained']);
    expect((s7.mask as { from: Uint8Array[] }).from[0]!.reduce((a, b) => a + b, 0)).toBe(13);

    expect(() => buildSpec(config, 'random-prune', 5, source().src)).toThrow(/does not train round 5: its rounds are 3, 7, 12/);
  });

  it('by default random-prune still nests round r in its own round r - 1', () => {
    const { src, reads } = source();
    buildSpec(imp(), 'random-prune', 7, src);
    expect(reads).toContainEqual([OWN, 6, 'trained']);
  });

  it('reinit and shuffle depend only on the ticket\'s round-r mask', () => {
    for (const kind of ['reinit', 'shuffle'] as const) {
      const { src, reads } = source();
      const spec = buildSpec(config, kind, 7, src);
      expect(spec.round).toBe(7);
      expect(reads.filter(([who]) => who === OWN)).toEqual([]);
      expect(reads).toContainEqual([PARENT, 7, 'trained']);
      if (kind === 'shuffle') expect(spec.mask).toMatchObject({ kind: 'shuffle', stream: 'shuffle/round7' });
      else expect(spec.mask).toMatchObject({ kind: 'given' });
    }
  });
});

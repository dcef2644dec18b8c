// The training methods, one registry entry each (as open_lth keeps one per pruning strategy): the rounds the method's
// own run (the ticket) trains, and the spec of each round of its experiment's runs: the ticket's and its controls'.
// planner.ts reads them; the method's schema is config.ts's, its label and colours shared/run-kinds.ts's, and its
// engine code turns a spec into a trained round (engine/rounds.ts). docs/architecture.md says what a new method touches.
import {
  controlRoundsOf,
  type ImpMethod,
  type MethodConfig,
  type MethodKind,
  type OneShotMethod,
  type PruneAtInitMethod,
  type RunKind,
  type SupermaskMethod,
} from '../../shared/config';
import type { NetState } from '../../shared/tensors';
import type { InitKind } from '../engine/init';
import { countKept } from '../engine/prune';
import type { RoundSpec } from '../engine/rounds';
import type { StateSource } from './planner';

export interface MethodEntry<M extends MethodConfig> {
  /** The rounds the method's own run trains, in order. */
  ticketRounds(m: M): number[];
  /** The spec of `round` of a run of `kind` (the method's own run, or one of its controls). */
  spec(m: M, kind: RunKind, round: number, src: StateSource): RoundSpec;
}

type Entries = { [K in MethodKind]: MethodEntry<Extract<MethodConfig, { kind: K }>> };

const masksOf = (s: NetState): Uint8Array[] => s.layers.map((l) => l.mask);
/** The net's own init, drawn from the seed (a new object each time: specs travel to workers). */
const fresh = () => ({ kind: 'seed', stream: 'init' }) as const;
const roundZero = () => [0];

/** The weight init a supermask trains on: `signed-constant` is each algorithm's own paper's constant. */
export function supermaskInit(m: Pick<SupermaskMethod, 'algorithm' | 'weightInit'>): InitKind {
  if (m.weightInit === 'signed-constant') return m.algorithm === 'bernoulli' ? 'signed-glorot-constant' : 'signed-kaiming-constant';
  return m.weightInit;
}

/**
 * Magnitude pruning with rewinding (IMP and one-shot): round 0 trains dense; every later round prunes the previous
 * round's trained weights (`mask`) and trains from the rewound weights. Rewinding to iteration k > 0 (Frankle et al.
 * 2020, as open_lth runs it): round 0 is open_lth's pretraining to k (captured) followed by its level 0, i.e. a fresh
 * optimizer from step k on; every later round, the controls' included, starts at step k from the rewound weights and
 * trains T - k steps, the schedule and data order going on from step k.
 */
function rewoundSpec<M extends ImpMethod | OneShotMethod>(mask: (m: M, previous: NetState) => RoundSpec['mask']) {
  return (m: M, kind: RunKind, round: number, src: StateSource): RoundSpec => {
    const k = m.rewindIteration;
    const rewound = k > 0 ? { startIteration: k } : {};
    if (kind !== m.kind) return rewoundControlSpec(m, kind, round, src, rewound);
    if (round === 0) return { round, weights: fresh(), mask: { kind: 'ones' }, ...(k > 0 ? { captureAt: k, restartOptimizerAt: k } : {}) };
    const rewind = src.ownHasRewind() ? src.own(0, 'rewind') : src.own(0, 'init');
    return { round, weights: { kind: 'state', state: rewind }, mask: mask(m, src.own(round - 1, 'trained')), ...rewound };
  };
}

/** A control of a rewound method, paired with the ticket's round. */
function rewoundControlSpec(m: ImpMethod | OneShotMethod, kind: RunKind, round: number, src: StateSource, rewound: { startIteration?: number }): RoundSpec {
  const ticket = masksOf(src.parent(round, 'trained'));
  const rewind = src.parentHasRewind() ? src.parent(0, 'rewind') : src.parent(0, 'init');
  switch (kind) {
    case 'reinit':
      // open_lth's randomly_reinitialize branch also starts at the rewind step (fresh weights, schedule from k).
      return { round, weights: { kind: 'seed', stream: 'reinit' }, mask: { kind: 'given', masks: ticket }, ...rewound };
    case 'shuffle':
      return { round, weights: { kind: 'state', state: rewind }, mask: { kind: 'shuffle', of: ticket, stream: `shuffle/round${round}` }, ...rewound };
    case 'random-prune': {
      // Nested: the control's own previous round (with controlRounds, its previous chosen round) is pruned further
      // to the ticket's per-layer counts; its first round starts from the ticket's dense round 0.
      const rounds = controlRoundsOf(m);
      const i = rounds.indexOf(round);
      if (i < 0) throw new Error(`random-prune does not train round ${round}: its rounds are ${rounds.join(', ')}`);
      const from = i === 0 ? masksOf(src.parent(0, 'trained')) : masksOf(src.own(rounds[i - 1]!, 'trained'));
      return {
        round,
        weights: { kind: 'state', state: rewind },
        mask: { kind: 'random-prune', from, keep: ticket.map(countKept), stream: `random-prune/round${round}` },
        ...rewound,
      };
    }
    default:
      throw new Error(`run kind ${kind} does not belong to method ${m.kind}`);
  }
}

/**
 * Pruning at initialisation: the ticket's round 0 prunes the fresh net (its own init) and trains it. The controls
 * pair with that round 0: reinit keeps the mask with fresh weights; shuffle and random-prune keep the ticket's init
 * weights (regenerated from the seed, unpruned) and each layer's number of kept weights, at other positions.
 */
function pruneAtInitSpec(m: PruneAtInitMethod, kind: RunKind, _round: number, src: StateSource): RoundSpec {
  if (kind === 'prune-at-init') {
    const { kind: _kind, controls: _controls, ...atInit } = m;
    return { round: 0, weights: fresh(), mask: { kind: 'at-init', ...atInit } };
  }
  const ticket = masksOf(src.parent(0, 'trained'));
  switch (kind) {
    case 'reinit':
      return { round: 0, weights: { kind: 'seed', stream: 'reinit' }, mask: { kind: 'given', masks: ticket } };
    case 'shuffle':
      return { round: 0, weights: fresh(), mask: { kind: 'shuffle', of: ticket, stream: 'shuffle/round0' } };
    case 'random-prune':
      return {
        round: 0,
        weights: fresh(),
        mask: { kind: 'random-prune', from: ticket.map((t) => new Uint8Array(t.length).fill(1)), keep: ticket.map(countKept), stream: 'random-prune/round0' },
      };
    default:
      throw new Error(`run kind ${kind} does not belong to method prune-at-init`);
  }
}

export const METHODS: Entries = {
  dense: {
    ticketRounds: roundZero,
    spec: () => ({ round: 0, weights: fresh(), mask: { kind: 'ones' } }),
  },
  imp: {
    // Round 0 dense, then each pruning round 1 .. rounds.
    ticketRounds: (m) => Array.from({ length: m.rounds + 1 }, (_, i) => i),
    spec: rewoundSpec<ImpMethod>((m, from) => ({
      kind: 'magnitude',
      from,
      rates: m.rates,
      ranking: m.ranking,
      ...(m.globalRate !== undefined ? { globalRate: m.globalRate } : {}),
    })),
  },
  'one-shot': {
    ticketRounds: () => [0, 1],
    spec: rewoundSpec<OneShotMethod>((m, from) => ({ kind: 'one-shot', from, density: m.density, ranking: m.ranking })),
  },
  'prune-at-init': {
    ticketRounds: roundZero,
    spec: pruneAtInitSpec,
  },
  supermask: {
    ticketRounds: roundZero,
    spec: (m) => {
      const { kind: _kind, weightInit: _weightInit, ...sm } = m;
      return { round: 0, weights: { ...fresh(), init: supermaskInit(m) }, mask: { kind: 'ones' }, training: { kind: 'supermask', ...sm } };
    },
  },
  'random-features': {
    ticketRounds: roundZero,
    spec: () => ({ round: 0, weights: fresh(), mask: { kind: 'ones' }, training: { kind: 'random-features' } }),
  },
};

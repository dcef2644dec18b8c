// One round of a lottery-ticket experiment: build the net, set its starting weights and its mask, train, and return
// the round's result with the states the store keeps. The core chains rounds (and controls) into experiments, so a
// round is also the unit of resumption: everything it needs arrives in its spec.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../shared/config';
import type { RoundResult, Normalisation } from '../../shared/contract';
import type { NetState } from '../../shared/tensors';
import { ensureBackend } from './backend';
import { loadDataset } from './data/index';
import { createNet } from './index';
import { emptyLayers, magnitudePrune, randomPruneTo, shuffleMasks, type PruneRates } from './prune';
import { deriveSeed, streamRng } from './rng';
import { captureState } from './state';
import { trainRound } from './train';
import type { TrainCallbacks } from './types';

export type WeightsSpec =
  /** Fresh weights from the run seed: `init` is the run's own init, `reinit` an independent draw (the control). */
  | { kind: 'seed'; stream: 'init' | 'reinit' }
  /** Given weights (and biases), e.g. the rewind point; their masks are ignored. */
  | { kind: 'state'; state: NetState };

export type MaskSpec =
  | { kind: 'ones' }
  | { kind: 'given'; masks: Uint8Array[] }
  /** Magnitude pruning of `from` (trained weights and their mask) at per-round rates. */
  | { kind: 'magnitude'; from: NetState; rates: PruneRates; ranking: 'layerwise' | 'global'; globalRate?: number }
  /** One-shot magnitude pruning of `from` to a target density (every layer at that density, or ranked globally). */
  | { kind: 'one-shot'; from: NetState; density: number; ranking: 'layerwise' | 'global' }
  /** Random pruning: remove weights at random from `from` until each layer keeps `keep[i]`. */
  | { kind: 'random-prune'; from: Uint8Array[]; keep: number[]; stream: string }
  /** Layerwise shuffle of `of`. */
  | { kind: 'shuffle'; of: Uint8Array[]; stream: string };

export interface RoundSpec {
  round: number;
  weights: WeightsSpec;
  mask: MaskSpec;
  /** Capture the weights after this many steps (the rewind point of IMP with rewinding). */
  captureAt?: number;
}

export interface RoundOutput {
  result: RoundResult;
  normalisation: Normalisation;
  states: { init: NetState; trained: NetState; rewind?: NetState };
  warnings: string[];
}

/** Computes the round's masks from the spec; pure but for the rng streams named in the spec. */
export function resolveMasks(spec: MaskSpec, seed: number): Uint8Array[] | null {
  switch (spec.kind) {
    case 'ones':
      return null;
    case 'given':
      return spec.masks.map((m) => Uint8Array.from(m));
    case 'magnitude':
      return magnitudePrune(spec.from.layers, spec.rates, spec.ranking, spec.globalRate ?? spec.rates.fc);
    case 'one-shot': {
      const r = 1 - spec.density;
      return magnitudePrune(spec.from.layers, { conv: r, fc: r, output: r }, spec.ranking, r);
    }
    case 'random-prune': {
      const rng = streamRng(seed, spec.stream);
      return spec.from.map((m, i) => randomPruneTo(m, spec.keep[i]!, rng));
    }
    case 'shuffle':
      return shuffleMasks(spec.of, streamRng(seed, spec.stream));
  }
}

export async function runRound(
  config: ExperimentConfig,
  seed: number,
  spec: RoundSpec,
  callbacks: TrainCallbacks,
  opts: { dataDir?: string } = {},
): Promise<RoundOutput> {
  await ensureBackend();
  const data = loadDataset(config, opts);
  const netSeed = spec.weights.kind === 'seed' && spec.weights.stream === 'reinit' ? deriveSeed(seed, 'reinit') : seed;
  const net = createNet(config, netSeed, data.inputShape, data.numClasses);
  try {
    if (spec.weights.kind === 'state') {
      const given = spec.weights.state.layers;
      if (given.length !== net.layers.length) throw new Error(`starting state has ${given.length} layers, the net ${net.layers.length}`);
      net.layers.forEach((l, i) => {
        const g = given[i]!;
        if (g.weight.length !== l.weight.size) throw new Error(`starting state layer ${g.name} has ${g.weight.length} weights, the net ${l.weight.size}`);
        tf.tidy(() => {
          l.weight.assign(tf.tensor(g.weight, l.weight.shape) as typeof l.weight);
          l.bias.assign(tf.tensor(g.bias, l.bias.shape) as typeof l.bias);
        });
      });
    }
    const masks = resolveMasks(spec.mask, seed);
    if (masks) net.layers.forEach((l, i) => l.setMask(masks[i]!));
    const init = captureState(net);
    const warnings = emptyLayers(init.layers.map((l) => l.name), init.layers.map((l) => l.mask)).map(
      (name) => `round ${spec.round}: layer ${name} is pruned to nothing (0 weights remaining)`,
    );
    let rewind: NetState | undefined;
    const { result } = await trainRound({
      net,
      data,
      config,
      seed,
      round: spec.round,
      callbacks,
      onStep: spec.captureAt ? (it) => {
        if (it === spec.captureAt) rewind = captureState(net);
      } : undefined,
    });
    return {
      result,
      normalisation: { ...data.normalisation },
      states: { init, trained: captureState(net), ...(rewind ? { rewind } : {}) },
      warnings,
    };
  } finally {
    net.dispose();
  }
}

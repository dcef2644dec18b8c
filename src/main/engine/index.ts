// The engine: backends, nets with masks, data and training. Pure computation: no store, no electron.
import type { ExperimentConfig } from '../../shared/config';
import { ensureBackend, selectBackend, versions } from './backend';
import { loadDataset } from './data/index';
import { buildNet } from './nets/factory';
import type { MaskedNet } from './nets/lenet';
import { runRound } from './rounds';
import { captureState } from './state';
import { trainRound } from './train';
import type { DenseRunResult, Engine, TrainCallbacks } from './types';

export { CancelledError } from './types';
export type { DenseRunResult, Engine, TrainCallbacks } from './types';

/**
 * The masked net of `config.arch` (nets/factory.ts) with Glorot weights from `seed`. `input` is the data set's
 * inputShape [h, w, c] (conv nets need it); a bare feature count means a flat input and suits LeNet-300-100 only.
 */
export function createNet(config: Pick<ExperimentConfig, 'arch'>, seed: number, input: number | readonly [number, number, number], numClasses: number): MaskedNet {
  const inputShape: readonly [number, number, number] = typeof input === 'number' ? [1, 1, input] : input;
  return buildNet({ arch: config.arch, seed, inputShape, numClasses });
}

/** Train the dense network (round 0) of one seed: Glorot init and batch order from the seed, data from the data set. */
export async function runDense(config: ExperimentConfig, seed: number, callbacks: TrainCallbacks): Promise<DenseRunResult> {
  await ensureBackend();
  const data = loadDataset(config);
  const net = createNet(config, seed, data.inputShape, data.numClasses);
  try {
    const init = await captureState(net);
    const { result } = await trainRound({ net, data, config, seed, round: 0, callbacks });
    return { round: result, normalisation: { ...data.normalisation }, states: { init, trained: await captureState(net) } };
  } finally {
    net.dispose();
  }
}

export const engine: Engine = { selectBackend, versions, runDense, runRound };

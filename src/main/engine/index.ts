// The engine: backends, nets with masks, data and training. Pure computation: no store, no electron.
import type { ExperimentConfig } from '../../shared/config';
import { ensureBackend, selectBackend, versions } from './backend';
import { loadDataset } from './data/index';
import { createLenet300100 } from './nets/lenet';
import type { MaskedNet } from './nets/lenet';
import { captureState } from './state';
import { trainRound } from './train';
import type { DenseRunResult, Engine, TrainCallbacks } from './types';

export { CancelledError } from './types';
export type { DenseRunResult, Engine, TrainCallbacks } from './types';

export function createNet(config: Pick<ExperimentConfig, 'arch'>, seed: number, inputSize: number, numClasses: number): MaskedNet {
  switch (config.arch) {
    case 'lenet-300-100':
      return createLenet300100(seed, 'glorot-normal', inputSize, numClasses);
    default:
      throw new Error(`arch ${String(config.arch)} is not implemented yet`);
  }
}

/** Train the dense network (round 0) of one seed: Glorot init and batch order from the seed, data from the data set. */
export async function runDense(config: ExperimentConfig, seed: number, callbacks: TrainCallbacks): Promise<DenseRunResult> {
  await ensureBackend();
  const data = loadDataset(config);
  const net = createNet(config, seed, data.features, data.numClasses);
  try {
    const init = captureState(net);
    const { result } = await trainRound({ net, data, config, seed, round: 0, callbacks });
    return { round: result, normalisation: { ...data.normalisation }, states: { init, trained: captureState(net) } };
  } finally {
    net.dispose();
  }
}

export const engine: Engine = { selectBackend, versions, runDense };

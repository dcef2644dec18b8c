// The engine side of the contract's feature visualisation and instability analyses (shared/detector.ts): one state's
// unit visualised (visualize.ts), or two copies of an IMP round trained from its rewind point (instability.ts).
import type { ExperimentConfig } from '../../../shared/config';
import type { InstabilityAnalysisResult, VisualizeAnalysisResult } from '../../../shared/detector';
import type { Dataset } from '../data/index';
import { runInstability } from './instability';
import { netFromState } from './net';
import type { AnalysisProgressFn, LoadedState } from './types';
import { visualizeUnit } from './visualize';

export interface VisualizeRequestOptions {
  layer: string;
  unit: number;
  steps: number;
  seed: number;
}

export interface InstabilityRequestOptions {
  /** The experiment's config with `iterations` set to the steps each copy trains. */
  config: ExperimentConfig;
  seeds: [number, number];
  round: number;
  points: number;
}

export type DetectorRequest =
  | { kind: 'visualize'; states: LoadedState[]; options: VisualizeRequestOptions }
  | { kind: 'instability'; states: LoadedState[]; options: InstabilityRequestOptions };

export type DetectorResult = Omit<VisualizeAnalysisResult, 'meta'> | Omit<InstabilityAnalysisResult, 'meta'>;

export async function runDetectorAnalysis(req: DetectorRequest, data: Dataset, progress: AnalysisProgressFn): Promise<DetectorResult> {
  const [s] = req.states;
  if (!s) throw new Error(`${req.kind} needs one state`);
  if (req.kind === 'visualize') {
    const net = await netFromState(s.state, data);
    try {
      const r = await visualizeUnit(net, data.normalisation, req.options, { progress });
      return {
        state: s.info,
        layer: r.layer,
        unit: r.unit,
        steps: r.steps,
        seed: r.seed,
        objective: r.objective,
        trace: r.trace,
        final: r.final,
        image: { shape: r.image.shape, rgba: Buffer.from(r.image.rgba.buffer, r.image.rgba.byteOffset, r.image.rgba.byteLength).toString('base64') },
      };
    } finally {
      net.dispose();
    }
  }
  const o = req.options;
  const r = await runInstability({ start: s.state, data, config: o.config, seeds: o.seeds, round: o.round, points: o.points }, { progress });
  return {
    state: s.info,
    round: o.round,
    iterations: o.config.iterations,
    seeds: r.seeds,
    barrier: r.barrier,
    linearBarrier: r.linearBarrier,
    lossBarrier: r.lossBarrier,
    linearLossBarrier: r.linearLossBarrier,
    points: r.points,
    copies: r.copies,
  };
}

// The engine's analyses of stored states: loads the data set the states were trained on, resolves the class of
// interest, and dispatches. Runs in an engine worker (src/main/worker/entry.ts), never in the process serving the UI.
import { ensureBackend } from '../backend';
import { loadDataset } from '../data/index';
import { runActivations } from './activations';
import { resolveClass } from './net';
import { collectStateFeatures, runSelectivity, selectivityFromFeatures, selectivityImages } from './selectivity';
import { runSubcircuit } from './subcircuit';
import type { AnalysisContext, AnalysisProgressFn, EngineAnalysisRequest, EngineAnalysisResult } from './types';

export async function runAnalysis(req: EngineAnalysisRequest, progress: AnalysisProgressFn = () => {}): Promise<EngineAnalysisResult> {
  await ensureBackend();
  progress('loading data', 0, 1);
  const data = loadDataset(req.data.config, req.data.dataDir ? { dataDir: req.data.dataDir } : {});
  const ctx: AnalysisContext = { data, cls: resolveClass(req.class, data), progress };
  switch (req.kind) {
    case 'selectivity':
      return runSelectivity(req.states, ctx, req.options);
    case 'selectivity-features': {
      const n = selectivityImages(ctx, req.options);
      const { index, count } = req.shard;
      return collectStateFeatures(req.states, ctx, req.options, [Math.floor((n * index) / count), Math.floor((n * (index + 1)) / count)]);
    }
    case 'selectivity-stats':
      return selectivityFromFeatures(req.states, ctx, req.options, req.features);
    case 'activations':
      return runActivations(req.states, ctx, req.options);
    case 'subcircuit':
      return runSubcircuit(req.states, ctx, req.options);
  }
}

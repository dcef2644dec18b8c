// The engine's analyses of stored states: loads the data set the states were trained on, resolves the class of
// interest, and dispatches. Runs in an engine worker (src/main/worker/entry.ts), never in the process serving the UI.
import { ensureBackend } from '../backend';
import { loadDataset, type Dataset } from '../data/index';
import { runActivations } from './activations';
import { runCausal } from './causal';
import { runDetectorAnalysis } from './detector';
import { resolveClass } from './net';
import { collectStateFeatures, runSelectivity, selectivityFromFeatures, selectivityImages } from './selectivity';
import { runSubcircuit } from './subcircuit';
import type { AnalysisContext, AnalysisProgressFn, EngineAnalysisRequest, EngineAnalysisResult } from './types';

export async function runAnalysis(req: EngineAnalysisRequest, progress: AnalysisProgressFn = () => {}): Promise<EngineAnalysisResult> {
  await ensureBackend();
  if (req.kind === 'selectivity-stats') {
    // Only the labels of the split are read (selectivity.ts, classLabels): no need to load the data set again.
    const split = { x: new Float32Array(0), y: req.labels, n: req.labels.length };
    const data = { [req.options.split]: split } as unknown as Dataset;
    return selectivityFromFeatures(req.states, { data, cls: req.cls, progress }, { ...req.options, limit: req.labels.length }, req.features);
  }
  progress('loading data', 0, 1);
  const data = loadDataset(req.data.config, req.data.dataDir ? { dataDir: req.data.dataDir } : {});
  const ctx: AnalysisContext = { data, cls: resolveClass('class' in req ? req.class : undefined, data), progress };
  switch (req.kind) {
    case 'selectivity':
      return runSelectivity(req.states, ctx, req.options);
    case 'selectivity-features': {
      const n = selectivityImages(ctx, req.options);
      const { index, count } = req.shard;
      const features = await collectStateFeatures(req.states, ctx, req.options, [Math.floor((n * index) / count), Math.floor((n * (index + 1)) / count)]);
      const labels = index === 0 ? Uint8Array.from(data[req.options.split].y.subarray(0, n)) : null;
      return { features, labels, cls: ctx.cls };
    }
    case 'activations':
      return runActivations(req.states, ctx, req.options);
    case 'subcircuit':
      return runSubcircuit(req.states, ctx, req.options);
    case 'causal':
      return runCausal(req.states[0], ctx, req.options);
    case 'visualize':
    case 'instability':
      return runDetectorAnalysis(req, data, progress);
  }
}

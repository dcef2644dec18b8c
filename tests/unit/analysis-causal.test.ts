// The causal analyses' entry points for a stored state (src/main/engine/analysis/causal.ts): they give what the
// functions below them give, report progress, stop on cancellation, and refuse states without weights.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateInfo } from '../../src/shared/analysis';
import { selectBackend } from '../../src/main/engine/backend';
import { loadDataset } from '../../src/main/engine/data/index';
import { causalImages, runAblation } from '../../src/main/engine/analysis/ablate';
import { runAblate, runCircuitScore, runFaithfulness, runLayerScan, runVisualize, type CausalOptions } from '../../src/main/engine/analysis/causal';
import { Intervener } from '../../src/main/engine/analysis/intervene';
import { netFromState } from '../../src/main/engine/analysis/net';
import type { AnalysisContext, LoadedState } from '../../src/main/engine/analysis/types';
import { CancelledError } from '../../src/main/engine/types';
import { CLS, SYN, detectorLenet } from './causal-fixtures';

const OPTS: CausalOptions = { ablation: 'mean', convMean: 'position', reference: 100, evaluation: 200, seed: 3 };

beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(() => {
  tf.disposeVariables();
});

describe('causal analyses of a stored state', () => {
  it('run ablation, scans, faithfulness, circuits and visualisation from a loaded state, leaking no tensor', async () => {
    const data = loadDataset(SYN);
    const tensors = tf.memory().numTensors;
    const { net, state } = await detectorLenet(data, 3, 7, 13, 1);
    const info = { ref: 'r:0:trained', label: 'planted', hasWeights: true } as StateInfo;
    const stages = new Set<string>();
    const ctx: AnalysisContext = { data, cls: CLS, progress: (stage) => stages.add(stage) };
    const loaded: LoadedState = { info, state };
    const res = await runAblate(loaded, ctx, { ...OPTS, target: { layer: 'fc2', units: [13] } });
    const iv = await Intervener.create(net, causalImages(data, 3, { reference: 100, evaluation: 200, seed: 3 }), { kind: 'mean', seed: 3 });
    const direct = await runAblation(iv, CLS, { layer: 'fc2', units: [13] });
    expect(res).toEqual(direct);
    iv.dispose();
    const scan = await runLayerScan(loaded, ctx, { ...OPTS, layer: 'fc2' });
    expect(scan.units[13]!.targetLogitDrop).toBeCloseTo(res.targetLogitDrop, 4);
    const faith = await runFaithfulness(loaded, ctx, { ...OPTS, metric: 'logit', points: 4, attribution: 30 });
    expect(faith.images.attribution).toBe(30);
    expect(faith.points.map((p) => p.faithfulness).slice(0, 1)).toEqual([0]);
    const score = await runCircuitScore(loaded, ctx, { ...OPTS, metric: 'logit', circuit: { units: [{ layer: 'fc2', units: [13] }] } });
    // Keeping only the detector unit of fc2 keeps the class logit whole: nothing else of fc2 reaches it.
    expect(score.faithfulness!).toBeCloseTo(1, 5);
    const vis = await runVisualize(loaded, ctx, { layer: 'fc1', unit: 7, steps: 3, seed: 1 });
    expect(vis.trace).toHaveLength(3);
    expect([...stages]).toEqual(expect.arrayContaining(['reference means', 'attribution', 'faithfulness', 'ablating fc2', 'feature visualisation']));
    net.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('stops when cancelled and refuses a state without weights', async () => {
    const data = loadDataset(SYN);
    const { net, state } = await detectorLenet(data, 3, 7, 13, 1);
    net.dispose();
    const ctx: AnalysisContext = { data, cls: CLS, progress: () => {} };
    const loaded: LoadedState = { info: { ref: 'r:0:trained', label: 'planted', hasWeights: true } as StateInfo, state };
    await expect(runLayerScan(loaded, ctx, { ...OPTS, layer: 'fc1' }, { isCancelled: () => true })).rejects.toThrow(CancelledError);
    await expect(runVisualize(loaded, ctx, { layer: 'fc1', unit: 0, steps: 5, seed: 1 }, { isCancelled: () => true })).rejects.toThrow(CancelledError);
    const mask: LoadedState = { info: { ref: 'r:0:mask', label: 'r:0:mask', hasWeights: false } as StateInfo, state };
    await expect(runAblate(mask, ctx, { ...OPTS, target: { layer: 'fc1', units: [0] } })).rejects.toThrow(/has no weights/);
    await expect(runFaithfulness(loaded, ctx, { ...OPTS, evaluation: 1, metric: 'logit', points: 4, attribution: 5 })).rejects.toThrow(/no image of class 3/);
  });
});

describe('the clean pass and reference means kept between analyses of one state', () => {
  it('reuses them for the same net, images and ablation (same results, no second pass) and not for another net', async () => {
    const data = loadDataset(SYN);
    const { net, state } = await detectorLenet(data, 3, 7, 13, 1);
    net.dispose();
    const info = { ref: 'r:0:trained', label: 'planted', hasWeights: true } as StateInfo;
    const opts = { ...OPTS, seed: 17, target: { layer: 'fc2', units: [13] } };
    const run = async (s: LoadedState) => {
      const stages = new Set<string>();
      const res = await runAblate(s, { data, cls: CLS, progress: (stage) => stages.add(stage) }, opts);
      return { res, meansPass: stages.has('reference means') };
    };
    const first = await run({ info, state });
    const again = await run({ info: { ...info, ref: 'another:0:trained' }, state });
    expect(first.meansPass).toBe(true);
    expect(again.meansPass).toBe(false);
    expect(again.res).toEqual(first.res);
    // What a fresh Intervener (no memo) computes.
    const fresh = await netFromState(state, data);
    const iv = await Intervener.create(fresh, causalImages(data, 3, { reference: 100, evaluation: 200, seed: 17 }), { kind: 'mean', seed: 17 });
    expect(again.res).toEqual(await runAblation(iv, CLS, opts.target));
    iv.dispose();
    fresh.dispose();
    // The output layer's bias of class 3 one higher: another net, computed again; its class logit is one higher.
    const last = state.layers.length - 1;
    const changed = { ...state, layers: state.layers.map((l, k) => (k === last ? { ...l, bias: l.bias.map((b, i) => (i === CLS.index ? b + 1 : b)) } : l)) };
    const other = await run({ info, state: changed });
    expect(other.meansPass).toBe(true);
    expect(other.res.targetLogit.before).toBeCloseTo(first.res.targetLogit.before + 1, 4);
  });
});

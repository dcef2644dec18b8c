// Ablation of units and edges (issue "Causal verdicts"): what the class logit, the other classes' logits and the
// accuracy lose when chosen units or edges are ablated (zero, mean or resample; intervene.ts defines the values).
//
// Definitions (docs/analysis.md, "Ablation", repeats them). The evaluation images are held-out test images of every
// class (the first `evaluation` of the test split, so the classes come in their natural mix), the reference images a
// seeded sample of training images (all classes), so the two sets are disjoint. Over the evaluation images:
// - targetLogitDrop: the mean over the class's images of y_c(before) − y_c(after), y_c the class logit;
// - otherLogitDrop: the mean over the other images of y_l(before) − y_l(after), y_l the logit of the image's own label
//   (null when every evaluation image is of the class);
// - targetAccuracy: the fraction of the class's images whose largest logit is the class, before and after;
// - accuracy: the same over all evaluation images.
// A positive drop means the ablation lowered the logit.
import type { ClassRef } from '../../../shared/analysis';
import type { AblationBody as AblationResult, LayerScanBody as LayerScanResult, LogitEffects } from '../../../shared/causal';
import { ValidationError } from '../../../shared/errors';
import type { DataSplit, Dataset } from '../data/index';
import type { MaskedNet } from '../nets/masked';
import { streamRng } from '../rng';
import { ablationSet, hiddenLayerIndex, type AblationSet, type AblationTarget } from './geometry';
import type { Intervener } from './intervene';

/** Images of a causal analysis: reference (training images), evaluation (test), attribution (training, the class). */
export interface CausalImages {
  reference: DataSplit;
  evaluation: DataSplit;
  attribution: DataSplit;
}

function take(split: DataSplit, idx: ArrayLike<number>, features: number): DataSplit {
  const n = idx.length;
  const x = new Float32Array(n * features);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    x.set(split.x.subarray(j * features, (j + 1) * features), i * features);
    y[i] = split.y[j]!;
  }
  return { x, y, n };
}

/**
 * The images of a causal analysis of class `cls`: `reference` training images drawn at random without replacement
 * (stream "ablation/reference" of `seed`), the first `evaluation` test images, and the first `attribution` training
 * images of the class that are not reference images (in split order).
 */
export function causalImages(
  data: Pick<Dataset, 'train' | 'test' | 'features'>,
  cls: number,
  o: { reference: number; evaluation: number; attribution?: number; seed: number },
): CausalImages {
  const { train, test, features } = data;
  const perm = streamRng(o.seed, 'ablation/reference').permutation(train.n);
  const refIdx = perm.subarray(0, Math.min(o.reference, train.n));
  const inRef = new Uint8Array(train.n);
  for (const j of refIdx) inRef[j] = 1;
  const attIdx: number[] = [];
  for (let j = 0; j < train.n && attIdx.length < (o.attribution ?? 0); j++) if (train.y[j] === cls && !inRef[j]) attIdx.push(j);
  const evalIdx = Array.from({ length: Math.min(o.evaluation, test.n) }, (_, i) => i);
  return { reference: take(train, refIdx, features), evaluation: take(test, evalIdx, features), attribution: take(train, attIdx, features) };
}

/** The images of `split` with label `cls` (or, with `other`, every other label). */
export function classSubset(split: DataSplit, cls: number, features: number, other = false): DataSplit {
  const idx: number[] = [];
  for (let i = 0; i < split.n; i++) if ((split.y[i] === cls) !== other) idx.push(i);
  return take(split, idx, features);
}

/** Surviving weights among the ablated edges of a set. */
export async function survivingEdges(net: MaskedNet, set: AblationSet): Promise<number> {
  let n = 0;
  for (const [k, e] of set.edges.entries()) {
    if (!e) continue;
    const mask = await net.layers[k]!.mask.data();
    for (let i = 0; i < e.length; i++) if (e[i] && mask[i] !== 0) n++;
  }
  return n;
}

const argmax = (l: Float32Array, off: number, classes: number): number => {
  let best = 0;
  for (let j = 1; j < classes; j++) if (l[off + j]! > l[off + best]!) best = j;
  return best;
};

/** The header's measures from the logits before and after ([n × classes] each). */
export function logitEffects(before: Float32Array, after: Float32Array, labels: Uint8Array, cls: number, classes: number): LogitEffects {
  const n = labels.length;
  let nClass = 0;
  let dropClass = 0;
  let dropOther = 0;
  let logitBefore = 0;
  const hits = { classBefore: 0, classAfter: 0, before: 0, after: 0 };
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    const off = i * classes;
    const a = argmax(before, off, classes) === y;
    const b = argmax(after, off, classes) === y;
    hits.before += +a;
    hits.after += +b;
    if (y === cls) {
      nClass++;
      dropClass += before[off + cls]! - after[off + cls]!;
      logitBefore += before[off + cls]!;
      hits.classBefore += +a;
      hits.classAfter += +b;
    } else {
      dropOther += before[off + y]! - after[off + y]!;
    }
  }
  if (nClass === 0) throw new ValidationError(`the evaluation images have no image of class ${cls}`);
  return {
    targetLogitDrop: dropClass / nClass,
    otherLogitDrop: n > nClass ? dropOther / (n - nClass) : null,
    targetLogit: { before: logitBefore / nClass, after: (logitBefore - dropClass) / nClass },
    targetAccuracy: { before: hits.classBefore / nClass, after: hits.classAfter / nClass },
    accuracy: { before: hits.before / n, after: hits.after / n },
  };
}

export type { AblationResult, LayerScanResult, LogitEffects };

function imageCounts(iv: Intervener, cls: number): AblationResult['images'] {
  let c = 0;
  for (const y of iv.evaluation.y) c += +(y === cls);
  return { class: c, other: iv.evaluation.n - c, reference: iv.ablation.kind === 'zero' ? 0 : iv.reference.n };
}

/** Ablate `target` on the intervener's evaluation images (see the header). */
export async function runAblation(iv: Intervener, cls: ClassRef, target: AblationTarget): Promise<AblationResult> {
  const set = ablationSet(iv.net, target);
  const after = await iv.logits(set);
  return {
    class: cls,
    ablation: iv.ablation.kind,
    convMean: iv.ablation.convMean ?? 'position',
    layer: target.units && target.units.length > 0 ? target.layer! : null,
    units: [...(target.units ?? [])],
    edges: await survivingEdges(iv.net, set),
    images: imageCounts(iv, cls.index),
    ...logitEffects(iv.clean, after, iv.evaluation.y, cls.index, iv.classes),
  };
}

/** Every unit of hidden layer `layer` ablated one at a time (Intervener.scanUnits: the prefix is computed once). */
export async function scanLayer(iv: Intervener, cls: ClassRef, layer: string): Promise<LayerScanResult> {
  const k = hiddenLayerIndex(iv.net, layer);
  const size = iv.net.layers[k]!.outSize;
  const classes = iv.classes;
  const labels = iv.evaluation.y;
  const c = cls.index;
  // Before the scan: fails at once when the evaluation images have no image of the class.
  const base = logitEffects(iv.clean, iv.clean, labels, c, classes);
  const acc = Array.from({ length: size }, () => ({ dropClass: 0, dropOther: 0, hitClass: 0, hit: 0 }));
  await iv.scanUnits(
    k,
    Array.from({ length: size }, (_, u) => u),
    (units, start, end, logits) => {
      const b = end - start;
      units.forEach((u, j) => {
        const a = acc[u]!;
        for (let i = 0; i < b; i++) {
          const y = labels[start + i]!;
          const off = (j * b + i) * classes;
          const before = (start + i) * classes;
          const hit = argmax(logits, off, classes) === y;
          a.hit += +hit;
          if (y === c) {
            a.dropClass += iv.clean[before + c]! - logits[off + c]!;
            a.hitClass += +hit;
          } else {
            a.dropOther += iv.clean[before + y]! - logits[off + y]!;
          }
        }
      });
    },
  );
  const images = imageCounts(iv, c);
  return {
    class: cls,
    ablation: iv.ablation.kind,
    convMean: iv.ablation.convMean ?? 'position',
    layer,
    images,
    before: { targetAccuracy: base.targetAccuracy.before, accuracy: base.accuracy.before },
    units: acc.map((a, unit) => ({
      unit,
      targetLogitDrop: a.dropClass / images.class,
      otherLogitDrop: images.other > 0 ? a.dropOther / images.other : null,
      targetAccuracy: a.hitClass / images.class,
      accuracy: a.hit / iv.evaluation.n,
    })),
  };
}

// What a supermask is trained for. The default is the full classification loss (softmax cross-entropy over every
// class); `one-vs-rest` trains a class-specific supermask (issue #13, "looking for the detector in the random
// weights"): a binary cross-entropy on ONE class's logit (engine/one-vs-rest.ts, docs/methods.md). Its runs report
// BALANCED accuracy of the decision "class logit > 0" ((TPR + TNR) / 2, chance 0.5), not 10-way accuracy, which
// means nothing when nine logits are unconstrained.
import { z } from 'zod';
import type { DatasetName } from './config';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;
const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/** Each data set's class names, index = label (the synthetic sets use their real counterparts' names as labels). */
export const DATASET_CLASSES: Readonly<Record<DatasetName, readonly string[]>> = {
  'synthetic-mnist': DIGITS,
  mnist: DIGITS,
  'fashion-mnist': FASHION,
  'synthetic-cifar': CIFAR10_CLASSES,
  cifar10: CIFAR10_CLASSES,
};

export const objectiveSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('classification') }).strict(),
  z
    .object({
      kind: z.literal('one-vs-rest'),
      /** The class: its name in the data set (e.g. "dog") or its index. */
      class: z.union([z.string().min(1).max(100), z.number().int().min(0)]),
      /** w₊ of the positives: 'balanced' (default) = (N − N_c) / N_c over the training labels, or a number (1 = plain BCE). */
      positiveWeight: z.union([z.literal('balanced'), z.number().positive().max(1e6)]).optional(),
    })
    .strict(),
]);
export type ObjectiveConfig = z.infer<typeof objectiveSchema>;

/** The class index an objective names on a data set, or a one-line problem. */
export function objectiveClass(dataset: DatasetName, cls: string | number): { index: number } | { problem: string } {
  const names = DATASET_CLASSES[dataset];
  if (typeof cls === 'number') {
    return cls < names.length ? { index: cls } : { problem: `class ${cls} is out of range: ${dataset} has classes 0 .. ${names.length - 1}` };
  }
  const index = names.indexOf(cls);
  if (index >= 0) return { index };
  // A digit string names the class index on every data set ("5" is dog on CIFAR-10).
  if (/^\d+$/.test(cls) && +cls < names.length) return { index: +cls };
  return { problem: `class "${cls}" is not a class of ${dataset} (classes: ${names.join(', ')})` };
}

/** How a run's objective reads in summaries: null for the full classification loss. */
export interface RunObjective {
  kind: 'one-vs-rest';
  class: number;
  className: string;
  /** What the run's `accuracy` figures are. */
  metric: 'balanced-accuracy';
}

/** The objective a supermask config trains for, resolved for summaries (null: the full classification loss). */
export function runObjectiveOf(dataset: DatasetName, method: { kind: string; objective?: ObjectiveConfig }): RunObjective | null {
  const o = method.objective;
  if (method.kind !== 'supermask' || !o || o.kind !== 'one-vs-rest') return null;
  const r = objectiveClass(dataset, o.class);
  if (!('index' in r)) return null;
  return { kind: 'one-vs-rest', class: r.index, className: DATASET_CLASSES[dataset][r.index]!, metric: 'balanced-accuracy' };
}

/** The label of a run's accuracy figures: "accuracy", or e.g. "balanced accuracy, dog vs rest". */
export function accuracyLabel(o: RunObjective | null | undefined): string {
  return o ? `balanced accuracy, ${o.className} vs rest` : 'accuracy';
}

/** The short label of a run's test accuracy in tables: "test acc." or e.g. "test bal. acc. (dog vs rest)". */
export function accuracyShort(o: RunObjective | null | undefined): string {
  return o ? `test bal. acc. (${o.className} vs rest)` : 'test acc.';
}

/**
 * A state's accuracy on the images an analysis read, as its objective measures it: the 10-way accuracy of a network
 * trained on all classes ("test acc. 91.20%"), or for a one-vs-rest state the balanced accuracy of "class logit > 0"
 * ("bal. acc. dog vs rest 78.40% (one-vs-rest, chance 50%)"), never the 10-way accuracy of a net whose nine other
 * logits were never trained. `objectiveAccuracy` is null or absent in results computed before it existed.
 */
export function stateAccuracyText(s: { state: { objective?: RunObjective | null }; accuracy: number; objectiveAccuracy?: number | null }, split = 'test'): string {
  const o = s.state.objective;
  if (!o) return `${split} acc. ${(s.accuracy * 100).toFixed(2)}%`;
  const v = s.objectiveAccuracy;
  return v === null || v === undefined
    ? `one-vs-rest ${o.className}: balanced acc. not in this (older) result`
    : `bal. acc. ${o.className} vs rest ${(v * 100).toFixed(2)}% (one-vs-rest, chance 50%)`;
}

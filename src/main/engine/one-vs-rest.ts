// The one-vs-rest objective for class-specific supermasks (issue "Looking for the detector in the random weights"):
// a binary cross-entropy on ONE logit, the class's, against "the image is of the class".
//
//   loss = mean over the batch of  w₊ · t · softplus(−z) + (1 − t) · softplus(z),   z = y_c, t = [label = c]
//
// which is PyTorch's BCEWithLogitsLoss(pos_weight = w₊) on the column z (computed as PyTorch does, in the stable form
// (1 − t)·z + (1 + (w₊ − 1)·t)·(log1p(exp(−|z|)) + max(−z, 0))). Choices (docs/methods.md repeats them):
// - Only the class logit enters the loss. The question is whether the random weights hold a detector of the class
//   that a mask can reveal; the analyses that judge the result (the class logit's AUROC, its subcircuit, ablation of
//   its units) all read that one logit. A softmax restricted to the class against the rest (y_c against
//   logsumexp_{j≠c} y_j, or cross-entropy over the 10 logits with the labels merged) can be lowered by pushing the
//   other logits down on the class's images, so the "detector" it finds may live in the other outputs, where the
//   class-logit analyses do not look. The other nine logits are left unconstrained: the mask's 10-class accuracy
//   means nothing under this objective.
// - Positives are weighted by w₊ = (N − N_c) / N_c over the training labels ("balanced", the default: 9 on
//   CIFAR-10), so that both sides weigh the same in the loss. The frozen random weights have no bias to learn the
//   prior with (supermask biases stay at their zero init), and with w₊ = 1 the cheapest improvement early on is to
//   push z down on every image (90% negatives), which a mask can do without detecting anything. AUROC, what the
//   analyses measure, does not depend on the prior. A number overrides it (1 = the plain BCE).
import * as tf from '@tensorflow/tfjs';
import type { TrainObjective } from './train';

export interface OneVsRestObjective {
  kind: 'one-vs-rest';
  /** The class index (the config's name is resolved to its index before training). */
  class: number;
  /** w₊: 'balanced' = (N − N_c) / N_c over the training labels, or a number. */
  positiveWeight?: 'balanced' | number;
}

/** w₊ = (N − N_c) / N_c over the labels; throws when the class has no example. */
export function balancedPositiveWeight(labels: ArrayLike<number>, cls: number): number {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += +(labels[i] === cls);
  if (pos === 0) throw new Error(`one-vs-rest: the training set has no example of class ${cls}`);
  return (labels.length - pos) / pos;
}

/** The positive weight of an objective for these training labels. */
export function positiveWeightOf(o: OneVsRestObjective, labels: ArrayLike<number>): number {
  const w = o.positiveWeight ?? 'balanced';
  return w === 'balanced' ? balancedPositiveWeight(labels, o.class) : w;
}

/** The one-vs-rest loss of a batch: logits [n, classes], labels int32 [n] (see the header). */
export function oneVsRestLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, cls: number, positiveWeight: number): tf.Scalar {
  return tf.tidy(() => {
    const z = tf.squeeze(tf.slice(logits, [0, cls], [-1, 1]), [1]);
    const t = tf.cast(tf.equal(labels, cls), 'float32');
    const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(z)))), tf.relu(tf.neg(z)));
    const perImage = tf.add(tf.mul(tf.sub(1, t), z), tf.mul(tf.add(1, tf.mul(positiveWeight - 1, t)), softplusNeg));
    return tf.mean(perImage);
  });
}

/** Correct one-vs-rest decisions of a batch (z > 0 means "of the class"), for the trainer's running accuracy. */
export function oneVsRestHits(logits: tf.Tensor2D, labels: tf.Tensor1D, cls: number): tf.Scalar {
  return tf.tidy(() => {
    const z = tf.squeeze(tf.slice(logits, [0, cls], [-1, 1]), [1]);
    return tf.sum(tf.cast(tf.equal(tf.greater(z, 0), tf.equal(labels, cls)), 'float32'));
  });
}

/**
 * The one-vs-rest objective for trainRound: the loss above (so early stopping keys on the validation value of the
 * same loss), and BALANCED accuracy of the decision z > 0, (TP / P + TN / N) / 2 over the split (chance 0.5), from the
 * tally [TP, P, TN, N]. A split without positives (or negatives) counts only its other side.
 */
export function oneVsRestObjective(cls: number, positiveWeight: number): TrainObjective {
  return {
    loss: (logits, b) => oneVsRestLoss(logits, b.labels, cls, positiveWeight),
    tally: (logits, b) =>
      tf.tidy(() => {
        const pos = tf.cast(tf.greater(tf.squeeze(tf.slice(logits, [0, cls], [-1, 1]), [1]), 0), 'float32');
        const t = tf.cast(tf.equal(b.labels, cls), 'float32');
        const neg = tf.sub(1, t);
        return tf.stack([tf.sum(tf.mul(pos, t)), tf.sum(t), tf.sum(tf.mul(tf.sub(1, pos), neg)), tf.sum(neg)]) as tf.Tensor1D;
      }),
    accuracy: (t) => balancedAccuracy(t[0]!, t[1]!, t[2]!, t[3]!),
  };
}

/** (TP / P + TN / N) / 2; one side alone where the other is empty; NaN for an empty split. */
export function balancedAccuracy(tp: number, p: number, tn: number, n: number): number {
  if (p > 0 && n > 0) return (tp / p + tn / n) / 2;
  if (p > 0) return tp / p;
  return n > 0 ? tn / n : NaN;
}

// The input preprocessing a snapshot records (metadata key `preprocessing`, JSON): how the run turned a raw image into
// the network's input, so a PyTorch user need not guess. x = (raw / scale - mean[c]) / std[c] per input channel c (in
// the data set's channel order: RGB for CIFAR-10), the constants computed on the run's training split (the validation
// hold-out excluded). docs/formats.md and docs/pytorch.md describe it.

export interface SnapshotPreprocessing {
  /** Raw values are divided by this first: 255 for the uint8 pixels of the real data sets, 1 for the generated sets (already in [0, 1]). */
  scale: number;
  /** Per input channel, on the scaled values. */
  mean: number[];
  std: number[];
  /** How the constants were computed, in words. */
  source: string;
}

/** The metadata string of a snapshot's preprocessing. */
export function preprocessingToString(p: SnapshotPreprocessing): string {
  return JSON.stringify({ scale: p.scale, mean: p.mean, std: p.std, source: p.source });
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The preprocessing a metadata string describes for an input of `channels` channels, or why it is not one (a clause
 * for "metadata preprocessing ..." messages).
 */
export function parsePreprocessing(text: string, channels: number): SnapshotPreprocessing | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return `is not valid JSON (${(err as Error).message.split('\n')[0]})`;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'is not a JSON object';
  const o = v as Record<string, unknown>;
  if (!finite(o.scale) || o.scale <= 0) return `scale ${JSON.stringify(o.scale ?? null)} is not a positive number`;
  for (const key of ['mean', 'std'] as const) {
    const a = o[key];
    if (!Array.isArray(a) || a.length !== channels || !a.every(finite)) return `${key} is not a list of ${channels} number${channels === 1 ? '' : 's'} (one per input channel)`;
  }
  if (!(o.std as number[]).every((s) => s > 0)) return 'std has a value that is not positive';
  if (o.source !== undefined && typeof o.source !== 'string') return 'source is not a string';
  return { scale: o.scale, mean: [...(o.mean as number[])], std: [...(o.std as number[])], source: (o.source as string | undefined) ?? '' };
}

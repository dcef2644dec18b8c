// The Runs view's preset list: what runs here first (its data set installed or generated), quickest first by the
// core's estimate (getInfo's presets[i].estimate), then the presets whose data set is missing; the default pick is
// the synthetic first lottery experiment (quick-imp), else the quickest preset that runs here.
import type { PresetSummary } from '../../../shared/contract';
import { formatRoughDuration } from '../app/format';

export const DEFAULT_PRESET = 'quick-imp';

export function orderPresets(presets: readonly PresetSummary[]): PresetSummary[] {
  const secs = (p: PresetSummary) => p.estimate?.seconds ?? Infinity;
  return [...presets].sort((a, b) => Number(!!a.missingData) - Number(!!b.missingData) || secs(a) - secs(b) || a.name.localeCompare(b.name));
}

export function defaultPreset(presets: readonly PresetSummary[]): string {
  const runs = presets.filter((p) => !p.missingData);
  return (runs.find((p) => p.name === DEFAULT_PRESET) ?? orderPresets(runs)[0] ?? presets[0])?.name ?? '';
}

/** The estimate in a few words, for the preset list: "~1 min here", or "" without figures. */
export function estimateShort(p: PresetSummary): string {
  const s = p.estimate?.seconds;
  return s === null || s === undefined ? '' : `~${formatRoughDuration(s)} here`;
}

/** Runs longer than this get the advice to use a GPU. */
const LONG_SECONDS = 3 * 3600;

/** The estimate in a sentence, under the list (its basis goes in the tooltip). */
export function estimateLong(p: PresetSummary): string {
  const e = p.estimate;
  if (!e) return '';
  if (e.seconds === null || e.roundSeconds === null) return `No time estimate (${e.basis}).`;
  const rounds = `${e.rounds} round${e.rounds === 1 ? '' : 's'} of about ${formatRoughDuration(e.roundSeconds)}, ${e.workers} at once`;
  const gpu = e.seconds > LONG_SECONDS ? ' A run this long needs a GPU.' : '';
  return `Estimated time here: ~${formatRoughDuration(e.seconds)} (${rounds}; derived from benchmark figures, not measured).${gpu}`;
}

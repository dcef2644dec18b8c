// The Runs view's preset list (views/preset-order.ts): what runs here first, quickest first; the default pick; the
// estimate as the list and the line under it say it.
import { describe, expect, it } from 'vitest';
import { formatRoughDuration } from '../../../src/renderer/src/app/format';
import { defaultPreset, estimateLong, estimateShort, orderPresets } from '../../../src/renderer/src/views/preset-order';
import type { PresetSummary } from '../../../src/shared/contract';

const preset = (name: string, seconds: number | null, missing = false): PresetSummary =>
  ({
    name,
    description: '',
    config: {} as PresetSummary['config'],
    estimate: { seconds, roundSeconds: seconds === null ? null : seconds / 4, rounds: 4, workers: 2, basis: 'backend wasm; samples/s from bench' },
    missingData: missing ? { dataset: 'cifar10', install: 'ticketscope data fetch cifar10' } : null,
  }) as PresetSummary;

describe('preset order', () => {
  // Alphabetical, as the core lists them: the paper-length CIFAR-10 preset came first and was the default.
  const listed = [preset('conv2-cifar10-imp', 9 * 3600, true), preset('conv8-x', null), preset('lenet-mnist-imp', 600, true), preset('quick', 30), preset('quick-imp', 65), preset('supermask-conv4', 3 * 3600)];

  it('what runs here first, quickest first, no estimate last; missing data sets after', () => {
    expect(orderPresets(listed).map((p) => p.name)).toEqual(['quick', 'quick-imp', 'supermask-conv4', 'conv8-x', 'lenet-mnist-imp', 'conv2-cifar10-imp']);
  });

  it('defaults to the synthetic first lottery experiment, else the quickest that runs here', () => {
    expect(defaultPreset(listed)).toBe('quick-imp');
    expect(defaultPreset(listed.filter((p) => p.name !== 'quick-imp'))).toBe('quick');
    expect(defaultPreset([preset('a', 5, true)])).toBe('a');
    expect(defaultPreset([])).toBe('');
  });

  it('says the estimate, derived and not measured', () => {
    expect(estimateShort(preset('quick', 30))).toBe('~30 s here');
    expect(estimateShort(preset('x', null))).toBe('');
    expect(estimateLong(preset('quick-imp', 65))).toBe('Estimated time here: ~65 s (4 rounds of about 16 s, 2 at once; derived from benchmark figures, not measured).');
    expect(estimateLong(preset('conv', 9 * 3600))).toBe('Estimated time here: ~9 h (4 rounds of about 2.3 h, 2 at once; derived from benchmark figures, not measured). A run this long needs a GPU.');
    expect(estimateLong(preset('x', null))).toBe('No time estimate (backend wasm; samples/s from bench).');
  });

  it('rough durations', () => {
    expect(formatRoughDuration(0.2)).toBe('1 s');
    expect(formatRoughDuration(89)).toBe('89 s');
    expect(formatRoughDuration(95)).toBe('2 min');
    expect(formatRoughDuration(3 * 3600)).toBe('3 h');
    expect(formatRoughDuration(9.25 * 3600)).toBe('9.3 h');
    expect(formatRoughDuration(5 * 86400)).toBe('5 days');
    expect(formatRoughDuration(null)).toBe('—');
  });
});

// The selectivity view's numbers (charts/selectivity-data.ts): AUROC histograms and null summaries against counts
// and quantiles computed here, the panels per layer, and the CSV tables.
import { describe, expect, it } from 'vitest';
import type { LayerSelectivity, PoolSelectivity, SelectivityResult } from '../../../src/shared/analysis';
import { textWidth } from '../../../src/renderer/src/charts/axes';
import { BIN_WIDTH, BINS, csvLine, formatP, histogram, nullSummary, panelCountText, panelsOf, panelYLabel, poolOf, selectivityCsv, unitAurocCsv } from '../../../src/renderer/src/charts/selectivity-data';
import { stateInfo } from './fixtures';

/** Bin k holds [k·w, (k+1)·w); 1 goes in the last bin: the number of inner edges at or below the value. */
function binsByHand(values: number[]): number[] {
  const out = new Array<number>(40).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    let k = 0;
    for (let j = 1; j < 40; j++) if (j * 0.025 <= v) k = j;
    out[k]!++;
  }
  return out;
}

const pool = (pooling: PoolSelectivity['pooling'], auroc: number[], nullBest: number[] = []): PoolSelectivity => {
  const best = auroc.reduce((b, a, i) => (a > auroc[b]! ? i : b), 0);
  return { pooling, auroc, best: { unit: best, auroc: auroc[best]! }, nullBest, pValue: 0.5, detectors: auroc.filter((a) => a >= 0.9).length };
};
const dense = (name: string, auroc: number[]): LayerSelectivity => ({ layer: name, kind: 'dense', units: auroc.length, pools: [pool('none', auroc)], probe: null });
const conv = (name: string, mean: number[], max: number[]): LayerSelectivity => ({
  layer: name,
  kind: 'conv',
  units: mean.length,
  pools: [pool('mean', mean), pool('max', max)],
  probe: { accuracy: 0.9, balancedAccuracy: 0.8, auroc: 0.85, trainN: 100, testN: 100, chance: 0.9 },
});

describe('histogram', () => {
  it('has 40 bins of 0.025 and counts every finite AUROC once', () => {
    expect(BINS).toBe(40);
    expect(BIN_WIDTH).toBe(0.025);
    const values = [0, 0.01, 0.025, 0.05, 0.3, 0.49, 0.5, 0.5, 0.51, 0.74, 0.9, 0.98, 0.99, 1, NaN, Infinity];
    const h = histogram(values);
    expect(h).toHaveLength(40);
    expect(h).toEqual(binsByHand(values));
    expect(h.reduce((a, b) => a + b, 0)).toBe(14);
    expect(h[0]).toBe(2);
    expect(h[20]).toBe(3);
    expect(h[39]).toBe(3);
  });

  it('matches counting by hand on many values', () => {
    let x = 0.123;
    const values = Array.from({ length: 2000 }, () => (x = (x * 9301 + 0.49297) % 1));
    expect(histogram(values)).toEqual(binsByHand(values));
  });
});

describe('nullSummary', () => {
  it('gives min, 5%, median, 95% and max (linear interpolation) of the finite values', () => {
    const values = Array.from({ length: 101 }, (_, i) => (100 - i) / 100);
    expect(nullSummary([...values, NaN])).toEqual({ min: 0, q05: 0.05, median: 0.5, q95: 0.95, max: 1 });
    const s = nullSummary([0.6, 0.8])!;
    expect(s.median).toBeCloseTo(0.7, 15);
    expect(s.q05).toBeCloseTo(0.61, 15);
    expect(nullSummary([])).toBeNull();
    expect(nullSummary([NaN])).toBeNull();
  });
});

describe('panels and tables', () => {
  const result: SelectivityResult = {
    class: { index: 5, name: 'dog, mostly' },
    threshold: 0.9,
    permutations: 20,
    split: 'test',
    images: 1000,
    positives: 100,
    states: [
      { state: stateInfo('r1', 0, 'init'), accuracy: 0.1, layers: [conv('conv1', [0.5, 0.6], [0.7, 0.95]), dense('fc1', [0.4, 0.92, 0.5])] },
      { state: stateInfo('r1', 1, 'trained'), accuracy: 0.8, layers: [dense('fc1', [0.99, 0.5, 0.5]), dense('fc2', [0.6])] },
    ],
    meta: { kind: 'selectivity', key: 'k', cached: true, computeMs: 5, computedAt: '2026-01-01T00:00:00Z', version: 1 },
  };

  it('poolOf: a dense layer’s only pool, a conv layer’s chosen pooling', () => {
    const c = result.states[0]!.layers[0]!;
    expect(poolOf(c, 'max')!.pooling).toBe('max');
    expect(poolOf(c, 'mean')!.pooling).toBe('mean');
    expect(poolOf(result.states[0]!.layers[1]!, 'max')!.pooling).toBe('none');
    expect(poolOf({ ...c, pools: [] }, 'max')).toBeNull();
  });

  it('one panel per layer in order of first appearance, each with the states that have it', () => {
    const panels = panelsOf(result, 'max');
    expect(panels.map((p) => [p.layer, p.states.map((s) => s.si)])).toEqual([
      ['conv1', [0]],
      ['fc1', [0, 1]],
      ['fc2', [1]],
    ]);
    expect(panels[0]!.states[0]!.pool.best).toEqual({ unit: 1, auroc: 0.95 });
    expect(panels[1]!.states[1]!.counts).toEqual(binsByHand([0.99, 0.5, 0.5]));
  });

  it('selectivityCsv: a row per state, layer and pooling, every row as long as the header', () => {
    const rows = selectivityCsv(result).trimEnd().split('\n');
    expect(rows).toHaveLength(1 + 2 + 1 + 1 + 1);
    const head = rows[0]!.split(',');
    expect(head).toContain('probe_balanced_accuracy');
    expect(rows[1]).toContain('"dog, mostly"');
    for (const r of rows.slice(1)) expect(r.replace('"dog, mostly"', 'dog').split(',')).toHaveLength(head.length);
  });

  it('unitAurocCsv: a row per state, layer, pooling and unit', () => {
    const rows = unitAurocCsv(result).trimEnd().split('\n');
    expect(rows).toHaveLength(1 + (2 + 2 + 3) + (3 + 1));
    expect(rows[1]).toBe('r1:0:init,conv1,mean,0,0.5,5,"dog, mostly"');
  });

  it('prints p-values with 3 decimals, the smallest ones (1/1001) in exponent form', () => {
    expect(formatP(1 / 21)).toBe('0.048');
    expect(formatP(0.001)).toBe('0.001');
    expect(formatP(1 / 1001)).toBe('1.0e-3');
    expect(formatP(NaN)).toBe('—');
  });

  it('csvLine leaves missing and non-finite cells empty', () => {
    expect(csvLine(['a', 1, null, undefined, NaN, 'x"y'])).toBe('a,1,,,,"x""y"');
  });
});

describe('panel labels (issue #15: the rotated y label ran into the best-unit lines of small panels)', () => {
  it('the y label never runs past the plot, for one to four states, either layout and either scale', () => {
    for (const rows of [true, false]) {
      for (const sqrt of [true, false]) {
        for (const kind of ['conv', 'dense'] as const) {
          for (const plotH of [34, 68, 102, 112, 136]) {
            const label = panelYLabel(plotH, kind, sqrt, rows);
            expect(textWidth(label, 10), `${plotH} ${label}`).toBeLessThanOrEqual(plotH - 4);
          }
        }
      }
    }
  });

  it('says as much as fits: the full label in a tall plot, a short one in a one-state strip', () => {
    expect(panelYLabel(112, 'dense', false, false)).toBe('units per bin');
    expect(panelYLabel(112, 'conv', true, false)).toBe('channels/bin (√)');
    expect(panelYLabel(136, 'conv', true, true)).toBe('channels/bin (√)');
    expect(panelYLabel(34, 'conv', true, true)).toBe('√ n');
    expect(panelYLabel(34, 'dense', false, true)).toBe('n');
  });

  it('the bars’ height and count range under the x axis', () => {
    expect(panelCountText('conv', true, true, 12)).toBe('bar height: channels per bin (√ scale), 0–12 per row');
    expect(panelCountText('dense', false, false, 40)).toBe('bar height: units per bin');
  });
});

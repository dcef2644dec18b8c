// The mask-overlap view's pure helpers (charts/overlap-data.ts): code colours, base64 windows, number formats, CSV.
import { describe, expect, it } from 'vitest';
import type { LayerOverlap, OverlapMatrixResult, OverlapResult, OverlapStats } from '../../../src/shared/analysis';
import {
  CODE_NAMES,
  codeColours,
  codeRgb,
  decodeBase64,
  fmt4,
  fmtPct,
  fmtRatio,
  layerRows,
  matrixCsv,
  overlapCsv,
  shortStateLabel,
  toCsv,
  unitsCsv,
} from '../../../src/renderer/src/charts/overlap-data';
import { stateInfo } from './fixtures';

const stats = (size: number, keptA: number, keptB: number, both: number): OverlapStats => {
  const union = keptA + keptB - both;
  const pA = keptA / size;
  const pB = keptB / size;
  const expectedJaccard = (pA * pB) / (pA + pB - pA * pB);
  return {
    size,
    keptA,
    keptB,
    both,
    union,
    expectedBoth: pA * pB * size,
    jaccard: both / union,
    overlapCoefficient: both / Math.min(keptA, keptB),
    expectedJaccard,
    expectedOverlapCoefficient: Math.max(pA, pB),
    jaccardRatio: both / union / expectedJaccard,
    signAgreement: null,
  };
};
const layer = (name: string, size: number, units: number, codes: number[]): LayerOverlap => ({
  ...stats(size, size / 2, size / 4, size / 8),
  layer: name,
  kind: 'dense',
  units,
  aliveA: codes.filter((c) => c === 1 || c === 3).length,
  aliveB: codes.filter((c) => c >= 2).length,
  aliveBoth: codes.filter((c) => c === 3).length,
  unitCodes: codes,
});

describe('codes and windows', () => {
  it('has four distinct code colours per theme and the same colours as bytes', () => {
    for (const dark of [false, true]) {
      const hex = codeColours(dark);
      expect(new Set(hex).size).toBe(4);
      expect(codeRgb(dark).map((rgb) => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`)).toEqual(hex);
    }
    expect(CODE_NAMES[3]).toBe('kept in both');
  });

  it('decodes a base64 window to its bytes', () => {
    const bytes = [0, 1, 2, 3, 255, 128, 7];
    expect([...decodeBase64(Buffer.from(bytes).toString('base64'))]).toEqual(bytes);
    expect(decodeBase64('')).toHaveLength(0);
  });
});

describe('formats', () => {
  it('prints fractions, ratios and percentages, a dash for nothing', () => {
    expect(fmt4(0.5)).toBe('0.5000');
    expect(fmt4(1 / 3)).toBe('0.3333');
    expect(fmtRatio(3.2149)).toBe('×3.21');
    expect(fmtRatio(12.34)).toBe('×12.3');
    expect(fmtPct(0.1234)).toBe('12.34%');
    expect(fmtPct(0.5, 1)).toBe('50.0%');
    for (const f of [fmt4, fmtRatio, fmtPct]) {
      expect(f(null)).toBe('—');
      expect(f(undefined)).toBe('—');
      expect(f(NaN)).toBe('—');
      expect(f(Infinity)).toBe('—');
    }
  });

  it('writes CSV cells: quoted when needed, empty for null and non-finite numbers', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], [null, true], [NaN, 1.5]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n,true\r\n,1.5\r\n');
  });

  it('labels matrix states by round, and seed when seeds differ; a layer has size / units rows', () => {
    const s = stateInfo('r1', 3, 'mask', { seed: 2 });
    expect(shortStateLabel(s, false)).toBe('r3');
    expect(shortStateLabel(s, true)).toBe('s2 r3');
    expect(layerRows(layer('fc1', 784 * 300, 300, []))).toBe(784);
    expect(layerRows({ ...layer('fc1', 0, 0, []) })).toBe(0);
  });
});

describe('CSV files', () => {
  const a = stateInfo('r1', 1, 'mask');
  const b = stateInfo('r1', 2, 'mask');
  const result: OverlapResult = {
    a,
    b,
    layers: [layer('fc1', 800, 4, [0, 1, 2, 3]), layer('fc2', 80, 2, [3, 3])],
    overall: stats(880, 440, 220, 110),
    meta: { kind: 'overlap', key: 'k', cached: false, computeMs: 1, computedAt: '2026-01-01T00:00:00Z', version: 1 },
  };

  it('overlapCsv: a row per layer and one overall, with densities', () => {
    const rows = overlapCsv(result).trimEnd().split('\r\n').map((r) => r.split(','));
    expect(rows).toHaveLength(1 + 2 + 1);
    const head = rows[0]!;
    const col = (r: string[], n: string) => r[head.indexOf(n)];
    expect(rows.map((r) => col(r, 'layer'))).toEqual(['layer', 'fc1', 'fc2', 'overall']);
    expect(Number(col(rows[1]!, 'density_a'))).toBe(0.5);
    expect(Number(col(rows[1]!, 'density_b'))).toBe(0.25);
    expect(Number(col(rows[3]!, 'jaccard'))).toBeCloseTo(110 / 550, 15);
    expect(col(rows[3]!, 'units')).toBe('');
    expect(col(rows[1]!, 'alive_both')).toBe('1');
    for (const r of rows) expect(r).toHaveLength(head.length);
  });

  it('unitsCsv: a row per unit with its code and meaning', () => {
    const rows = unitsCsv(result).trimEnd().split('\r\n');
    expect(rows).toEqual(['layer,unit,code,meaning', 'fc1,0,0,dead in both', 'fc1,1,1,alive only in A', 'fc1,2,2,alive only in B', 'fc1,3,3,alive in both', 'fc2,0,3,alive in both', 'fc2,1,3,alive in both']);
  });

  it('matrixCsv: one row per ordered pair with per-layer columns', () => {
    const m: OverlapMatrixResult = {
      states: [a, b],
      jaccard: [
        [1, 0.25],
        [0.25, 1],
      ],
      expectedJaccard: [
        [0.5, 0.1],
        [0.1, 0.5],
      ],
      jaccardRatio: [
        [2, 2.5],
        [2.5, 2],
      ],
      layers: [{ layer: 'fc1', jaccard: [
        [1, null],
        [null, 1],
      ] }],
      meta: result.meta,
    };
    const rows = matrixCsv(m).trimEnd().split('\r\n');
    expect(rows[0]).toBe('i,j,state_i,state_j,label_i,label_j,jaccard,expected_jaccard,jaccard_ratio,jaccard_fc1');
    expect(rows).toHaveLength(5);
    expect(rows[2]).toBe(`0,1,r1:1:mask,r1:2:mask,${a.label},${b.label},0.25,0.1,2.5,`);
  });
});

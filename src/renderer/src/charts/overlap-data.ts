// Pure helpers for the mask-overlap view: the colours of the four mask codes, base64 decoding of maskPixels windows,
// number formatting and the CSV files. No DOM beyond atob.
import type { LayerOverlap, OverlapMatrixResult, OverlapResult, OverlapStats, StateInfo } from '../../../shared/analysis';

/** Code meanings shared by the unit strip and the pixel view: index = code. */
export const CODE_NAMES = ['pruned in both', 'kept only in A', 'kept only in B', 'kept in both'] as const;
export const UNIT_CODE_NAMES = ['dead in both', 'alive only in A', 'alive only in B', 'alive in both'] as const;

/**
 * Colour-blind-safe code colours (Okabe-Ito vermillion for A only, blue for B only; both dark/light by theme,
 * neither near the background), as [neither, only A, only B, both].
 */
export function codeColours(dark: boolean): [string, string, string, string] {
  return dark ? ['#262b33', '#f0884a', '#56b4e9', '#f2f3f5'] : ['#e9ecf0', '#d55e00', '#0072b2', '#1b1f24'];
}

/** The same as RGB bytes, for ImageData. */
export function codeRgb(dark: boolean): [number, number, number][] {
  return codeColours(dark).map((h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]);
}

export function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A fraction in 0..1 with 4 decimals, or — for null. */
export const fmt4 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(4));
/** A ratio to chance, e.g. "×3.21". */
export const fmtRatio = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `×${x < 10 ? x.toFixed(2) : x.toFixed(1)}`);
export const fmtPct = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(d)}%`);

function csvCell(v: string | number | null | boolean): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(header: string[], rows: (string | number | null | boolean)[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

const STAT_COLUMNS = [
  'size',
  'kept_a',
  'kept_b',
  'density_a',
  'density_b',
  'both',
  'expected_both',
  'union',
  'jaccard',
  'expected_jaccard',
  'jaccard_ratio',
  'overlap_coefficient',
  'expected_overlap_coefficient',
  'sign_agreement',
];

function statCells(s: OverlapStats): (number | null)[] {
  return [
    s.size,
    s.keptA,
    s.keptB,
    s.size ? s.keptA / s.size : null,
    s.size ? s.keptB / s.size : null,
    s.both,
    s.expectedBoth,
    s.union,
    s.jaccard,
    s.expectedJaccard,
    s.jaccardRatio,
    s.overlapCoefficient,
    s.expectedOverlapCoefficient,
    s.signAgreement,
  ];
}

/** One row per layer and one "overall" row: every OverlapStats number, plus the unit counts. */
export function overlapCsv(r: OverlapResult): string {
  const header = ['state_a', 'state_b', 'layer', 'kind', ...STAT_COLUMNS, 'units', 'alive_a', 'alive_b', 'alive_both'];
  const rows = [
    ...r.layers.map((l) => [r.a.ref, r.b.ref, l.layer, l.kind, ...statCells(l), l.units, l.aliveA, l.aliveB, l.aliveBoth]),
    [r.a.ref, r.b.ref, 'overall', '', ...statCells(r.overall), null, null, null, null],
  ];
  return toCsv(header, rows);
}

/** One row per (layer, unit): the unit codes. */
export function unitsCsv(r: OverlapResult): string {
  const rows: (string | number)[][] = [];
  for (const l of r.layers) l.unitCodes.forEach((c, u) => rows.push([l.layer, u, c, UNIT_CODE_NAMES[c] ?? String(c)]));
  return toCsv(['layer', 'unit', 'code', 'meaning'], rows);
}

/** Long format: one row per pair (i, j) of the matrix, with overall Jaccard, chance and ratio and per-layer Jaccard. */
export function matrixCsv(m: OverlapMatrixResult): string {
  const layerNames = m.layers.map((l) => l.layer);
  const header = ['i', 'j', 'state_i', 'state_j', 'label_i', 'label_j', 'jaccard', 'expected_jaccard', 'jaccard_ratio', ...layerNames.map((n) => `jaccard_${n}`)];
  const rows: (string | number | null)[][] = [];
  m.states.forEach((si, i) =>
    m.states.forEach((sj, j) =>
      rows.push([
        i,
        j,
        si.ref,
        sj.ref,
        si.label,
        sj.label,
        m.jaccard[i]?.[j] ?? null,
        m.expectedJaccard[i]?.[j] ?? null,
        m.jaccardRatio[i]?.[j] ?? null,
        ...m.layers.map((l) => l.jaccard[i]?.[j] ?? null),
      ]),
    ),
  );
  return toCsv(header, rows);
}

/** A short axis label for a state in a matrix: round (and seed when seeds differ). */
export function shortStateLabel(s: StateInfo, withSeed: boolean): string {
  return withSeed ? `s${s.seed} r${s.round}` : `r${s.round}`;
}

/** Rows of the layer's weight matrix: size / units (fan-in; kh·kw·in for conv). */
export function layerRows(l: LayerOverlap): number {
  return l.units > 0 ? Math.round(l.size / l.units) : 0;
}

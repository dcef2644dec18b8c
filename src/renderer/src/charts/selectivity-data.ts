// The numbers the selectivity view draws and exports, derived from a SelectivityResult: per layer and state the
// pool shown (mean- or max-pooled for conv layers), its AUROC histogram and null summary; and the CSV tables.
import { bin, quantileSorted } from 'd3';
import type { LayerSelectivity, PoolSelectivity, SelectivityResult, StateSelectivity } from '../../../shared/analysis';
import { textWidth } from './axes';

export type Pooling = 'mean' | 'max';

/** The pool a layer is shown with: dense layers have one ("none"); conv layers the chosen pooling. */
export function poolOf(layer: LayerSelectivity, pooling: Pooling): PoolSelectivity | null {
  if (layer.kind === 'dense') return layer.pools.find((p) => p.pooling === 'none') ?? layer.pools[0] ?? null;
  return layer.pools.find((p) => p.pooling === pooling) ?? layer.pools[0] ?? null;
}

/** p-values: 3 decimals, "< 0.001" never (with 1000 permutations the smallest is 1/1001 ≈ 0.000999). */
export const formatP = (p: number) => (!Number.isFinite(p) ? '—' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));

export const BIN_WIDTH = 0.025;
export const BINS = Math.round(1 / BIN_WIDTH);

/** Units per AUROC bin [k·w, (k+1)·w), the last bin closed at 1. */
export function histogram(auroc: number[]): number[] {
  const thresholds = Array.from({ length: BINS - 1 }, (_, k) => (k + 1) * BIN_WIDTH);
  const bins = bin().domain([0, 1]).thresholds(thresholds)(auroc.filter(Number.isFinite));
  const out = new Array<number>(BINS).fill(0);
  bins.forEach((b, k) => {
    if (k < BINS) out[k] = b.length;
  });
  return out;
}

export interface NullSummary {
  min: number;
  q05: number;
  median: number;
  q95: number;
  max: number;
}

export function nullSummary(values: number[]): NullSummary | null {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return null;
  return { min: s[0]!, q05: quantileSorted(s, 0.05)!, median: quantileSorted(s, 0.5)!, q95: quantileSorted(s, 0.95)!, max: s[s.length - 1]! };
}

export interface PanelState {
  /** Index of the state in the result (its colour). */
  si: number;
  state: StateSelectivity;
  layer: LayerSelectivity;
  pool: PoolSelectivity;
  counts: number[];
  nul: NullSummary | null;
}

export interface Panel {
  layer: string;
  kind: 'dense' | 'conv';
  units: number;
  states: PanelState[];
}

/** One panel per layer name (in order of first appearance over the states), each with every state that has it. */
export function panelsOf(result: SelectivityResult, pooling: Pooling): Panel[] {
  const panels: Panel[] = [];
  result.states.forEach((state, si) => {
    for (const layer of state.layers) {
      const pool = poolOf(layer, pooling);
      if (!pool) continue;
      let panel = panels.find((p) => p.layer === layer.layer);
      if (!panel) {
        panel = { layer: layer.layer, kind: layer.kind, units: layer.units, states: [] };
        panels.push(panel);
      }
      panel.states.push({ si, state, layer, pool, counts: histogram(pool.auroc), nul: nullSummary(pool.nullBest) });
    }
  });
  return panels;
}

const csvCell = (v: string | number | null | undefined) => {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
export const csvLine = (cells: (string | number | null | undefined)[]) => cells.map(csvCell).join(',');

/** One row per state, layer and pooling: the summary table, every pooling (not only the one shown). */
export function selectivityCsv(r: SelectivityResult): string {
  const head = [
    'state', 'state_label', 'run_id', 'round', 'which', 'density', 'state_test_accuracy', 'class_index', 'class_name', 'split', 'images', 'positives',
    'layer', 'layer_kind', 'units', 'pooling', 'best_unit', 'best_auroc', 'p_value', 'permutations', 'threshold', 'detectors',
    'null_best_min', 'null_best_median', 'null_best_q95', 'null_best_max',
    'probe_accuracy', 'probe_balanced_accuracy', 'probe_auroc', 'probe_chance', 'probe_train_n', 'probe_test_n',
  ];
  const lines = [csvLine(head)];
  for (const s of r.states) {
    for (const l of s.layers) {
      for (const p of l.pools) {
        const n = nullSummary(p.nullBest);
        lines.push(
          csvLine([
            s.state.ref, s.state.label, s.state.runId, s.state.round, s.state.which, s.state.density, s.accuracy, r.class.index, r.class.name, r.split, r.images, r.positives,
            l.layer, l.kind, l.units, p.pooling, p.best.unit, p.best.auroc, p.pValue, r.permutations, r.threshold, p.detectors,
            n?.min, n?.median, n?.q95, n?.max,
            l.probe?.accuracy, l.probe?.balancedAccuracy, l.probe?.auroc, l.probe?.chance, l.probe?.trainN, l.probe?.testN,
          ]),
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One row per state, layer, pooling and unit: every unit's AUROC. */
export function unitAurocCsv(r: SelectivityResult): string {
  const lines = [csvLine(['state', 'layer', 'pooling', 'unit', 'auroc', 'class_index', 'class_name'])];
  for (const s of r.states)
    for (const l of s.layers)
      for (const p of l.pools) p.auroc.forEach((a, u) => lines.push(csvLine([s.state.ref, l.layer, p.pooling, u, a, r.class.index, r.class.name])));
  return `${lines.join('\n')}\n`;
}

/**
 * The rotated y label of a selectivity panel: the longest of a few that fits the plot's height (a longer one ran past
 * the plot into the best-unit lines above it when a panel showed one or two states). The count range is said under
 * the x axis (panelCountText).
 */
export function panelYLabel(plotH: number, kind: 'dense' | 'conv', sqrt: boolean, rows: boolean, fontSize = 10): string {
  const word = kind === 'conv' ? 'channels' : 'units';
  const candidates = rows
    ? [`${word}/bin${sqrt ? ' (√)' : ''}`, `${word}/bin`, sqrt ? '√ n' : 'n']
    : [`${word} per bin${sqrt ? ' (√ scale)' : ''}`, `${word}/bin${sqrt ? ' (√)' : ''}`, `${word}/bin`, 'n'];
  return candidates.find((c) => textWidth(c, fontSize) <= plotH - 4) ?? '';
}

/** What the bars' height means, under a panel's x axis. */
export function panelCountText(kind: 'dense' | 'conv', sqrt: boolean, rows: boolean, maxCount: number): string {
  return `bar height: ${kind === 'conv' ? 'channels' : 'units'} per bin${sqrt ? ' (√ scale)' : ''}${rows ? `, 0–${maxCount} per row` : ''}`;
}

// One layer's panel of the selectivity chart (AurocHistogram.tsx): each state's best unit on a line (click or Enter
// opens its activation maps), the AUROC histograms (a strip per state, or overlaid), the detector threshold, the
// permutation null of the best unit as a rug, and the hover band of a bin. SVG with explicit colours.
import type { KeyboardEvent, PointerEvent } from 'react';
import { scaleLinear, scaleSqrt } from 'd3';
import type { SelectivityResult } from '../../../shared/analysis';
import { formatInt } from '../app/format';
import { chartPalette } from '../app/theme';
import { stateColour } from './analysis-palette';
import { clipText } from './axes';
import { YGrid } from './parts';
import { BIN_WIDTH, formatP, panelCountText, panelYLabel, type Panel, type Pooling } from './selectivity-data';

export type HistLayout = 'rows' | 'overlaid';
export type CountScale = 'linear' | 'sqrt';

/** Height of a state's strip (rows layout), of a best-unit line, of a rug row (overlaid layout). */
export const STRIP = 34;
export const ROW = 14;
export const RUG = 9;
export const M = { left: 36, right: 10 };
/** Below the plot: the x axis, its caption and the line saying what the bars' height is. */
export const CAPTIONS_H = 35;

/** The hovered AUROC bin: panel index, bin, pointer position in the chart. */
export interface Hover {
  panel: number;
  bin: number;
  x: number;
  y: number;
}

/** Ticks at least `gap` px apart (a √ scale crowds its upper ticks), from the bottom up. */
function spaced(ticks: number[], y: (v: number) => number, gap: number): number[] {
  const out: number[] = [];
  for (const t of ticks) if (!out.length || Math.abs(y(t) - y(out[out.length - 1]!)) >= gap) out.push(t);
  return out;
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
export const unitsWord = (kind: 'dense' | 'conv') => (kind === 'conv' ? 'channels' : 'units');

export function AurocPanel(props: {
  panel: Panel;
  pi: number;
  px: number;
  py: number;
  pw: number;
  headH: number;
  plotH: number;
  innerW: number;
  x: (v: number) => number;
  result: SelectivityResult;
  pooling: Pooling;
  layout: HistLayout;
  countScale: CountScale;
  dark: boolean;
  hover: Hover | null;
  setHover: (h: Hover | null) => void;
  activate: (si: number, layer: string, unit: number) => void;
  onKey: (e: KeyboardEvent, si: number, layer: string, unit: number) => void;
}) {
  const { panel, pi, px, py, pw, headH, plotH, innerW, x, result, pooling, layout, countScale, dark, hover, setHover, activate, onKey } = props;
  const pal = chartPalette(dark);
  const n = panel.states.length;
  const maxCount = Math.max(1, ...panel.states.flatMap((s) => s.counts));
  const rows = layout === 'rows';
  const xTicks = [0, 0.25, 0.5, 0.75, 1];
  const thrX = x(result.threshold);
  const pooled = panel.kind === 'conv' ? `${pooling}-pooled` : 'dense';
  const head = `${panel.layer} · ${formatInt(panel.units)} ${unitsWord(panel.kind)} · ${pooled}`;

  // Overlaid: one y scale for the plot. Rows: a strip per state with its own baseline, the same count scale.
  const sq = countScale === 'sqrt';
  const yOver = (sq ? scaleSqrt() : scaleLinear()).domain([0, maxCount]).nice(4).range([plotH, 0]);
  const stripBase = (row: number) => row * STRIP + STRIP - 9;
  const frac = (c: number) => (sq ? Math.sqrt(c / maxCount) : c / maxCount);
  const yRow = (row: number, c: number) => stripBase(row) - frac(c) * (STRIP - 13);
  const yOf = (row: number, c: number) => (rows ? yRow(row, c) : yOver(c));
  const base = (row: number) => (rows ? stripBase(row) : plotH);

  const step = (counts: number[], row: number) => {
    let d = `M0,${base(row)}`;
    counts.forEach((c, k) => {
      d += `L${x(k * BIN_WIDTH).toFixed(2)},${yOf(row, c).toFixed(2)}L${x((k + 1) * BIN_WIDTH).toFixed(2)},${yOf(row, c).toFixed(2)}`;
    });
    return `${d}L${x(1)},${base(row)}`;
  };

  const onMove = (e: PointerEvent<SVGRectElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const frac = (e.clientX - r.left) / r.width;
    const bin = Math.max(0, Math.min(Math.round(1 / BIN_WIDTH) - 1, Math.floor(frac / BIN_WIDTH)));
    const host = (e.currentTarget.ownerSVGElement ?? e.currentTarget).getBoundingClientRect();
    if (hover?.panel !== pi || hover.bin !== bin) setHover({ panel: pi, bin, x: e.clientX - host.left, y: e.clientY - host.top });
  };

  const rugY = (row: number) => (rows ? stripBase(row) + 1 : plotH + 20 + row * RUG);
  const below = rows ? plotH + 18 : plotH + 20 + n * RUG;

  return (
    <g transform={`translate(${px},${py})`} data-testid="sel-panel" data-layer={panel.layer}>
      <rect x={-4} y={-2} width={pw + 4} height={headH + below + CAPTIONS_H} fill="none" stroke={pal.grid} />
      <text x={0} y={12} fill={pal.fg} fontSize={12} fontWeight={600}>
        {head}
      </text>
      {panel.states.map((s, row) => {
        const p = s.pool;
        const colour = stateColour(s.si, dark);
        const probe = s.layer.probe ? ` · probe ${(s.layer.probe.balancedAccuracy * 100).toFixed(1)}%` : '';
        const text = `#${p.best.unit}  AUROC ${f3(p.best.auroc)}  p ${formatP(p.pValue)}  ${p.detectors} ≥ ${result.threshold}${probe}`;
        return (
          <g
            key={s.si}
            transform={`translate(0,${18 + row * ROW})`}
            className="sel-best-line"
            role="link"
            tabIndex={0}
            aria-label={`${s.state.state.label}, ${panel.layer}: best unit ${p.best.unit}, AUROC ${f3(p.best.auroc)}, p ${formatP(p.pValue)}, ${p.detectors} detectors at or above ${result.threshold}. Open its activation maps.`}
            onClick={() => activate(s.si, panel.layer, p.best.unit)}
            onKeyDown={(e) => onKey(e, s.si, panel.layer, p.best.unit)}
            style={{ cursor: 'pointer' }}
            data-testid="sel-best"
            data-state={s.state.state.ref}
            data-layer={panel.layer}
            data-unit={p.best.unit}
            data-auroc={p.best.auroc}
            data-p={p.pValue}
            data-detectors={p.detectors}
          >
            <rect y={0} width={pw - 4} height={ROW} fill="transparent" />
            <path d="M0,11 L4,3 L8,11 Z" fill={colour} />
            <text x={12} y={10.5} fill={pal.fg} fontSize={10.5} xmlSpace="preserve">
              {clipText(text, 10.5, pw - 16)}
            </text>
          </g>
        );
      })}
      <g transform={`translate(${M.left},${headH})`}>
        {rows
          ? panel.states.map((s, row) => (
              <g key={`g${s.si}`}>
                {row > 0 && <line x2={innerW} y1={row * STRIP} y2={row * STRIP} stroke={pal.grid} />}
                <line x2={innerW} y1={stripBase(row)} y2={stripBase(row)} stroke={pal.frame} strokeOpacity={0.6} />
              </g>
            ))
          : <YGrid ticks={spaced(yOver.ticks(4).filter((t) => Number.isInteger(t)), yOver, 11)} y={yOver} width={innerW} pal={pal} format={formatInt} labelX={-5} fontSize={10} />}
        <line x1={x(0.5)} x2={x(0.5)} y2={plotH} stroke={pal.frame} strokeDasharray="1 3" />
        {panel.states.map((s, row) => {
          const colour = stateColour(s.si, dark);
          return (
            <path
              key={s.si}
              d={step(s.counts, row)}
              fill={colour}
              fillOpacity={rows ? (dark ? 0.3 : 0.22) : dark ? 0.1 : 0.06}
              stroke={colour}
              strokeWidth={1.4}
              data-testid="sel-hist"
              data-state={s.state.state.ref}
            />
          );
        })}
        <line x1={thrX} x2={thrX} y1={-2} y2={plotH} stroke={pal.fg} strokeDasharray="4 3" strokeWidth={1} />
        <rect width={innerW} height={plotH} fill="none" stroke={pal.frame} />
        {xTicks.map((t) => (
          <g key={t} transform={`translate(${x(t)},${plotH})`}>
            <line y2={4} stroke={pal.frame} />
            <text y={14} textAnchor="middle" fill={pal.fg2} fontSize={10}>
              {t}
            </text>
          </g>
        ))}
        <text transform={`translate(${rows ? -14 : -26},${plotH / 2}) rotate(-90)`} textAnchor="middle" fill={pal.fg2} fontSize={10} data-testid="sel-y-label">
          {panelYLabel(plotH, panel.kind, sq, rows)}
        </text>
        {panel.states.map((s, row) => {
          const colour = stateColour(s.si, dark);
          const ry = rugY(row);
          const nul = s.nul;
          const bx = x(s.pool.best.auroc);
          return (
            <g key={`n${s.si}`} data-testid="sel-null" data-state={s.state.state.ref} data-null-median={nul?.median ?? ''}>
              {nul && <rect x={x(nul.q05)} y={ry + 2} width={Math.max(1, x(nul.q95) - x(nul.q05))} height={3} fill={colour} fillOpacity={0.35} />}
              {s.pool.nullBest.map((v, i) => (
                <line key={i} x1={x(v)} x2={x(v)} y1={ry} y2={ry + 7} stroke={colour} strokeOpacity={0.85} strokeWidth={1} />
              ))}
              <path d={`M${bx - 4},${ry + 8} L${bx + 4},${ry + 8} L${bx},${ry} Z`} fill={colour} stroke={pal.bg} strokeWidth={0.6} />
            </g>
          );
        })}
        <text x={innerW / 2} y={below + 12} textAnchor="middle" fill={pal.fg2} fontSize={10.5}>
          unit AUROC (“{result.class.name}” vs. rest) · ticks: null of the best unit
        </text>
        <text x={innerW / 2} y={below + 25} textAnchor="middle" fill={pal.fg2} fontSize={10} data-testid="sel-count-text">
          {clipText(panelCountText(panel.kind, sq, rows, maxCount), 10, pw)}
        </text>
        <rect
          className="no-export"
          width={innerW}
          height={plotH}
          fill="transparent"
          onPointerMove={onMove}
          onPointerLeave={() => setHover(null)}
          style={{ pointerEvents: 'all' }}
          data-testid="sel-plot-overlay"
        />
        {panel.states.map((s, row) => {
          const bx = x(s.pool.best.auroc);
          const colour = stateColour(s.si, dark);
          const top = rows ? row * STRIP + 2 : 4 + row * 7;
          return (
            <g key={`b${s.si}`} onClick={() => activate(s.si, panel.layer, s.pool.best.unit)} style={{ cursor: 'pointer' }} data-testid="sel-best-marker" data-state={s.state.state.ref}>
              <line x1={bx} x2={bx} y1={top + 6} y2={base(row)} stroke={colour} strokeWidth={1} strokeDasharray="2 2" />
              <path d={`M${bx - 4},${top} L${bx + 4},${top} L${bx},${top + 7} Z`} fill={colour} stroke={pal.bg} strokeWidth={0.6} />
            </g>
          );
        })}
        {hover?.panel === pi && (
          <rect
            className="no-export"
            x={x(hover.bin * BIN_WIDTH)}
            width={Math.max(1, x(BIN_WIDTH) - x(0))}
            height={plotH}
            fill={pal.fg}
            fillOpacity={0.08}
            pointerEvents="none"
          />
        )}
      </g>
    </g>
  );
}


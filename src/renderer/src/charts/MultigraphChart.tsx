// The multigraph intuition pump's error chart: approximation error against K, the number of parallel edges per
// connection (log y: max and mean weight error, output RMSE of the masked and of the unmasked network); click a K to
// draw that network (MultigraphNetwork.tsx). d3 computes scales and paths; React renders SVG with explicit colours.
import { useState } from 'react';
import { line, scaleLinear, scaleLog, symbol, symbolCircle, symbolDiamond, symbolSquare, symbolTriangle, type SymbolType } from 'd3';
import type { MultigraphPoint } from '../../../shared/analysis';
import { chartPalette } from '../app/theme';
import { belowHead, logTicks, subtitleLines, tipLeft } from './axes';
import { AxisTitle, ChartFrame, type ChartProps, ChartTooltip, LegendItem, PlotFrame, XGrid, YGrid } from './parts';

type SeriesKey = 'maxWeightError' | 'meanWeightError' | 'outputRmse' | 'unmaskedRmse';

interface SeriesDef {
  key: SeriesKey;
  label: string;
  colour: [string, string];
  dash?: string;
  symbol: SymbolType;
}

export const MG_SERIES: SeriesDef[] = [
  { key: 'maxWeightError', label: 'max |approx − target| weight', colour: ['#0072b2', '#56b4e9'], symbol: symbolCircle },
  { key: 'meanWeightError', label: 'mean |approx − target| weight', colour: ['#6e40c9', '#b69cf5'], dash: '5 3', symbol: symbolSquare },
  { key: 'outputRmse', label: 'output RMSE, masked', colour: ['#009e73', '#3fcf9f'], symbol: symbolTriangle },
  { key: 'unmaskedRmse', label: 'output RMSE, unmasked (all edges)', colour: ['#d55e00', '#f0884a'], dash: '2 3', symbol: symbolDiamond },
];

const fmtErr = (v: number) => (v === 0 ? '0' : v >= 0.01 && v < 1000 ? v.toPrecision(3) : v.toExponential(2));
/** Axis ticks: "0.1", "1", "2e-4". */
const fmtTick = (v: number) => {
  if (v >= 0.01) return String(+v.toPrecision(3));
  const [m, e] = v.toExponential().split('e');
  return `${+Number(m).toPrecision(2)}e${Number(e)}`;
};

export interface MultigraphErrorChartProps extends ChartProps {
  curve: MultigraphPoint[];
  shown: number;
  height: number;
  /** Clicking a K picks it (the shown network). */
  onPick?: (k: number) => void;
}

export function MultigraphErrorChart(props: MultigraphErrorChartProps) {
  const { curve, shown, width, height, dark, title, subtitle, testId, svgRef, onPick } = props;
  const pal = chartPalette(dark);
  const [hoverK, setHoverK] = useState<number | null>(null);
  const subLines = subtitleLines(subtitle, width);
  const legendTop = belowHead(subLines.length);
  // Legend: two columns.
  const legendRows = Math.ceil(MG_SERIES.length / 2);
  const M = { top: legendTop + legendRows * 16 + 10, right: 16, bottom: 50, left: 62 };
  const innerW = Math.max(80, width - M.left - M.right);
  const innerH = Math.max(60, height - M.top - M.bottom);
  const kMax = Math.max(1, ...curve.map((p) => p.k));

  const positives = curve.flatMap((p) => MG_SERIES.map((s) => p[s.key])).filter((v) => Number.isFinite(v) && v > 0);
  const hasZero = curve.some((p) => MG_SERIES.some((s) => p[s.key] === 0));
  const lo = positives.length ? Math.min(...positives) : 1e-3;
  const hi = positives.length ? Math.max(...positives) : 1;
  const floor = hasZero ? lo / 4 : lo / 1.3;
  const x = scaleLinear()
    .domain([curve.length > 1 ? 1 : 0, Math.max(2, kMax)])
    .range([0, innerW]);
  const y = scaleLog()
    .domain([floor, hi * 1.4])
    .range([innerH, 0]);
  const yTicks = logTicks(y.domain()[0]!, y.domain()[1]!, Math.max(3, Math.floor(innerH / 34)));
  const xTicks = x.ticks(Math.min(kMax, Math.floor(innerW / 40))).filter((t) => Number.isInteger(t));
  const yOf = (v: number) => y(v > 0 && Number.isFinite(v) ? v : floor);
  const hovered = curve.find((p) => p.k === hoverK) ?? null;

  return (
    <ChartFrame
      {...{ width, height, pal, title, subtitle, subLines, svgRef }}
      className="mg-chart"
      data-testid={testId}
      data-points={curve.length}
      overlay={
        hovered && (
          <ChartTooltip
            left={tipLeft(M.left + x(hovered.k), 300, width)}
            top={M.top + 8}
            data-testid="mg-tooltip"
            data-k={hovered.k}
            head={<>K = {hovered.k}</>}
            rows={MG_SERIES.map((s) => ({ key: s.key, label: s.label, value: fmtErr(hovered[s.key]), testId: `tt-${s.key}` }))}
          />
        )
      }
    >
      <g transform={`translate(12,${legendTop})`} fontSize={11}>
        {MG_SERIES.map((s, i) => {
          const c = s.colour[dark ? 1 : 0];
          return (
            <LegendItem
              key={s.key}
              x={(i % 2) * Math.min(280, (width - 24) / 2)}
              y={Math.floor(i / 2) * 16}
              pal={pal}
              data-testid="mg-legend-item"
              swatch={
                <>
                  <line x1={0} x2={24} y1={6} y2={6} stroke={c} strokeWidth={2} strokeDasharray={s.dash} />
                  <path d={symbol(s.symbol, 34)() ?? undefined} transform="translate(12,6)" fill={c} />
                </>
              }
              textX={30}
              text={s.label}
            />
          );
        })}
      </g>
      <g transform={`translate(${M.left},${M.top})`}>
        <YGrid ticks={yTicks} y={y} width={innerW} pal={pal} format={fmtTick} />
        <XGrid ticks={xTicks} x={x} height={innerH} pal={pal} format={String} />
        <PlotFrame width={innerW} height={innerH} pal={pal} />
        <line x1={x(shown)} x2={x(shown)} y2={innerH} stroke={pal.fg2} strokeDasharray="4 3" />
        <text x={Math.min(innerW - 4, x(shown) + 4)} y={12} textAnchor={x(shown) > innerW - 60 ? 'end' : 'start'} fill={pal.fg} fontSize={11}>
          shown: K = {shown}
        </text>
        <AxisTitle side="left" at={-50} height={innerH} pal={pal}>
          error (log scale)
        </AxisTitle>
        <AxisTitle side="bottom" at={innerH + 36} width={innerW} pal={pal}>
          K, parallel edges per connection
        </AxisTitle>
        {hasZero && (
          <text x={4} y={innerH - 4} fill={pal.fg2} fontSize={10}>
            0 (exact) drawn at the bottom edge, open markers
          </text>
        )}
        {MG_SERIES.map((s) => {
          const c = s.colour[dark ? 1 : 0];
          const d = line<MultigraphPoint>()
            .x((p) => x(p.k))
            .y((p) => yOf(p[s.key]))(curve);
          return (
            <g key={s.key} data-testid="mg-series" data-key={s.key}>
              <path d={d ?? undefined} fill="none" stroke={c} strokeWidth={2} strokeDasharray={s.dash} strokeLinejoin="round" />
              {curve.map((p) => (
                <path
                  key={p.k}
                  d={symbol(s.symbol, 30)() ?? undefined}
                  transform={`translate(${x(p.k)},${yOf(p[s.key])})`}
                  fill={p[s.key] > 0 ? c : pal.bg}
                  stroke={p[s.key] > 0 ? pal.bg : c}
                  strokeWidth={1}
                  data-testid="mg-point"
                  data-key={s.key}
                  data-k={p.k}
                  data-value={p[s.key]}
                />
              ))}
            </g>
          );
        })}
        {curve.map((p) => {
          const w = innerW / Math.max(1, curve.length);
          return (
            <rect
              key={p.k}
              className="no-export"
              x={x(p.k) - w / 2}
              width={w}
              height={innerH}
              fill={hoverK === p.k ? pal.fg : 'transparent'}
              fillOpacity={hoverK === p.k ? 0.06 : 0}
              style={{ cursor: onPick ? 'pointer' : 'default' }}
              onPointerEnter={() => setHoverK(p.k)}
              onPointerLeave={() => setHoverK(null)}
              onClick={() => onPick?.(p.k)}
              data-testid="mg-hit"
              data-k={p.k}
            />
          );
        })}
      </g>
    </ChartFrame>
  );
}

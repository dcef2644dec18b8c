// A square matrix heatmap (e.g. mask overlap between every pair of rounds): a sequential scale on [0, 1] or a
// diverging log scale around 1 (ratio to chance), a colour legend, values printed in cells large enough to hold
// them, and a tooltip of exact numbers on hover or focus. d3 computes scales; React renders SVG.
import { useMemo, useState, type KeyboardEvent } from 'react';
import { color, interpolateRdBu, interpolateViridis, scaleDivergingLog, scaleLinear } from 'd3';
import { chartPalette } from '../app/theme';
import { belowHead, subtitleLines, textWidth } from './axes';
import { ChartFrame, type ChartProps, ChartTooltip } from './parts';

export type HeatmapScale = 'unit' | 'ratio';

export interface HeatmapProps extends ChartProps {
  /** Short axis labels (e.g. "r3"), one per row/column. */
  labels: string[];
  /** Full names for the tooltip. */
  names: string[];
  values: (number | null)[][];
  scale: HeatmapScale;
  /** Rows of the tooltip for cell (i, j): [name, value]. */
  details: (i: number, j: number) => [string, string][];
  /** Text of the colour legend, e.g. "Jaccard index". */
  legendLabel: string;
  axisLabel: string;
  /** Maximum cell size in px. */
  maxCell?: number;
}

function luminance(css: string): number {
  const c = color(css)?.rgb();
  if (!c) return 0.5;
  return (0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b) / 255;
}

const fmtCell = (v: number, scale: HeatmapScale) => (scale === 'unit' ? v.toFixed(2).replace(/^0/, '') : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Viridis over 0..1, or a diverging log scale around 1 out to `hi` (ratios). */
function cellColour(scale: HeatmapScale, hi: number): (v: number) => string {
  if (scale === 'unit') return (v) => interpolateViridis(Math.max(0, Math.min(1, v)));
  const s = scaleDivergingLog<string>((t) => interpolateRdBu(1 - t)).domain([1 / hi, 1, hi]);
  return (v) => s(Math.max(1 / hi, v));
}

export function Heatmap(props: HeatmapProps) {
  const { labels, names, values, scale, details, legendLabel, axisLabel, width, dark, title, subtitle, testId, svgRef, maxCell = 56 } = props;
  const pal = chartPalette(dark);
  const [hover, setHover] = useState<[number, number] | null>(null);
  const n = labels.length;
  const subLines = subtitleLines(subtitle, width);
  const labelW = Math.min(90, Math.max(28, ...labels.map((l) => textWidth(l, 11) + 10)));
  const legendW = 86;
  const M = { top: belowHead(subLines.length) + 14, left: 14 + 16 + labelW, right: legendW, bottom: 12 };
  const avail = Math.max(40, width - M.left - M.right);
  const cell = Math.max(4, Math.min(maxCell, Math.floor(avail / Math.max(1, n))));
  const side = cell * n;
  const colLabelH = cell >= 18 ? 20 : Math.min(90, Math.max(...labels.map((l) => textWidth(l, 10))) + 10);
  const gridTop = M.top + colLabelH;
  const height = gridTop + side + 34 + M.bottom;

  // Ratio scale: symmetric in log around 1, out to the farthest ratio (at least 1.5).
  const ratioHi = useMemo(() => {
    if (scale === 'unit') return 1;
    const finite = values.flat().filter((v): v is number => v !== null && Number.isFinite(v) && v > 0);
    return Math.max(1.5, ...finite, ...finite.map((v) => 1 / v));
  }, [scale, values]);
  const colour = useMemo(() => cellColour(scale, ratioHi), [scale, ratioHi]);

  const legendTicks = useMemo(() => {
    if (scale === 'unit') return { lo: 0, hi: 1, ticks: [0, 0.25, 0.5, 0.75, 1], log: false };
    const hi = ratioHi;
    const cands = [1 / 100, 1 / 10, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].filter((t) => t >= 1 / hi - 1e-9 && t <= hi + 1e-9);
    return { lo: 1 / hi, hi, ticks: cands, log: true };
  }, [scale, ratioHi]);
  const legendH = Math.max(120, Math.min(side, 260));
  const ly = legendTicks.log
    ? (v: number) => legendH - (Math.log(v / legendTicks.lo) / Math.log(legendTicks.hi / legendTicks.lo)) * legendH
    : scaleLinear().domain([0, 1]).range([legendH, 0]);
  const gradId = `${testId}-grad`;
  const stops = Array.from({ length: 21 }, (_, k) => {
    const t = k / 20;
    const v = legendTicks.log ? legendTicks.lo * (legendTicks.hi / legendTicks.lo) ** t : t;
    return { off: t, c: colour(v) };
  });

  const tip = hover ? details(hover[0], hover[1]) : null;
  // Keyboard: the chart is focusable; arrows move a cursor cell whose values show as on hover, Escape hides it.
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const m = moves[e.key];
    if (m && n > 0) {
      e.preventDefault();
      setHover((h) => (h ? [Math.max(0, Math.min(n - 1, h[0] + m[0])), Math.max(0, Math.min(n - 1, h[1] + m[1]))] : [0, 0]));
    } else if (e.key === 'Escape') setHover(null);
  };

  return (
    <ChartFrame
      {...{ width, height, pal, title, subtitle, subLines, svgRef }}
      className="overlap-chart focusable-chart"
      data-testid={testId}
      data-n={n}
      data-scale={scale}
      tabIndex={0}
      role="group"
      onKeyDown={onKey}
      onBlur={() => setHover(null)}
      aria-label={`${title}: ${n} by ${n} matrix; arrow keys move through the cells`}
      defs={
        <linearGradient id={gradId} x1="0" x2="0" y1="1" y2="0">
          {stops.map((s) => (
            <stop key={s.off} offset={s.off} stopColor={s.c} />
          ))}
        </linearGradient>
      }
      overlay={
        hover &&
        tip && (
          <ChartTooltip
            left={M.left + (hover[1] + 1) * cell + 10 + 300 > width ? Math.max(4, M.left + hover[1] * cell - 310) : M.left + (hover[1] + 1) * cell + 10}
            top={Math.max(4, gridTop + hover[0] * cell - 10)}
            data-testid="heatmap-tooltip"
            data-i={hover[0]}
            data-j={hover[1]}
            head={
              <>
                i = {hover[0]}: {names[hover[0]]}
                <br />j = {hover[1]}: {names[hover[1]]}
              </>
            }
            rows={tip.map(([k, v]) => ({ key: k, label: k, value: v, testId: `tt-${k.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}` }))}
          />
        )
      }
    >
      <g transform={`translate(${M.left},${gridTop})`}>
        {labels.map((l, i) => (
          <text key={`r${i}`} x={-6} y={i * cell + cell / 2} dy="0.32em" textAnchor="end" fill={pal.fg} fontSize={cell >= 12 ? 11 : 9}>
            {cell >= 9 || i % Math.ceil(9 / cell) === 0 ? l : ''}
          </text>
        ))}
        {labels.map((l, j) =>
          cell >= 18 ? (
            <text key={`c${j}`} x={j * cell + cell / 2} y={-6} textAnchor="middle" fill={pal.fg} fontSize={11}>
              {l}
            </text>
          ) : (
            <text key={`c${j}`} transform={`translate(${j * cell + cell / 2},-6) rotate(-60)`} fill={pal.fg} fontSize={cell >= 12 ? 10 : 9}>
              {cell >= 9 || j % Math.ceil(9 / cell) === 0 ? l : ''}
            </text>
          ),
        )}
        {values.map((row, i) =>
          row.map((v, j) => {
            const fill = v === null || !Number.isFinite(v) ? pal.grid : colour(v);
            return (
              <g key={`${i}-${j}`}>
                <rect
                  x={j * cell}
                  y={i * cell}
                  width={cell - (cell > 6 ? 1 : 0)}
                  height={cell - (cell > 6 ? 1 : 0)}
                  fill={fill}
                  data-testid="heatmap-cell"
                  data-i={i}
                  data-j={j}
                  data-value={v ?? ''}
                  onPointerEnter={() => setHover([i, j])}
                  onPointerLeave={() => setHover(null)}
                />
                {v !== null && Number.isFinite(v) && cell >= 30 && (
                  <text
                    x={j * cell + cell / 2}
                    y={i * cell + cell / 2}
                    dy="0.32em"
                    textAnchor="middle"
                    fontSize={cell >= 44 ? 11 : 9.5}
                    fill={luminance(fill) > 0.5 ? '#111' : '#fff'}
                    pointerEvents="none"
                  >
                    {fmtCell(v, scale)}
                  </text>
                )}
              </g>
            );
          }),
        )}
        {hover && (
          <rect className="no-export" x={hover[1] * cell - 1} y={hover[0] * cell - 1} width={cell + 1} height={cell + 1} fill="none" stroke={pal.fg} strokeWidth={2} pointerEvents="none" />
        )}
        <text x={side / 2} y={side + 22} textAnchor="middle" fill={pal.fg2} fontSize={11.5}>
          {axisLabel} (column j)
        </text>
        <text transform={`translate(${-labelW - 6},${side / 2}) rotate(-90)`} textAnchor="middle" fill={pal.fg2} fontSize={11.5}>
          {axisLabel} (row i)
        </text>
      </g>
      <g transform={`translate(${M.left + side + 18},${gridTop})`}>
        <rect width={14} height={legendH} fill={`url(#${gradId})`} stroke={pal.frame} />
        {legendTicks.ticks.map((t) => (
          <g key={t} transform={`translate(14,${ly(t)})`}>
            <line x2={4} stroke={pal.fg2} />
            <text x={7} dy="0.32em" fill={pal.fg2} fontSize={10.5}>
              {legendTicks.log ? (t < 1 ? `1/${Math.round(1 / t)}` : `${t}`) : t.toFixed(2)}
            </text>
          </g>
        ))}
        <text transform={`translate(${-5},${legendH / 2}) rotate(-90)`} textAnchor="middle" fill={pal.fg} fontSize={11}>
          {legendLabel}
        </text>
      </g>
    </ChartFrame>
  );
}

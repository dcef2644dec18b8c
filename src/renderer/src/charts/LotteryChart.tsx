// One panel of the lottery plot: a metric against % of weights remaining (log scale, descending 100 -> 1), one line
// per series (experiment x run kind) through the mean over seeds, a band (min-max or +-1 sd), a marker per round;
// rounds a series skips (controls at chosen rounds) are bridged by a dotted line only.
// d3 computes scales, paths and symbols; React renders SVG with explicit colours so the export is standalone.
import { useMemo, useRef, useState, type PointerEvent } from 'react';
import {
  area,
  line,
  scaleLinear,
  scaleLog,
  symbol,
  symbolCircle,
  symbolCross,
  symbolDiamond,
  symbolSquare,
  symbolStar,
  symbolTriangle,
  symbolWye,
  type SymbolType,
} from 'd3';
import { formatInt } from '../app/format';
import { kindColour, kindSymbol, type SymbolName } from '../app/kinds';
import { chartPalette } from '../app/theme';
import { belowHead, clipText, flowLegendTexts, logTicks, subtitleLines, tipLeft, wrapText } from './axes';
import { coincidences, roundParts, type LotteryPoint, type LotterySeries, type Metric, type Stats } from './lottery-data';
import { PointTooltip } from './LotteryTooltip';
import { assignRef, AxisTitle, ChartFrame, type ChartProps, FlowLegend, LEGEND_ROW, PlotFrame, XGrid, YGrid } from './parts';

export type BandKind = 'minmax' | 'sd' | 'none';

export interface LotteryChartProps extends ChartProps {
  series: LotterySeries[];
  /** Legend text per series key. */
  labels: ReadonlyMap<string, string>;
  /** Series drawn dashed (a second experiment with the same kind). */
  dashed: ReadonlySet<string>;
  metric: Metric;
  band: BandKind;
  /** % of weights remaining shown: [largest, smallest]. */
  xExtent: [number, number];
  height: number;
  caption: string;
  yLabel: string;
}

const SYMBOL_TYPES: Record<SymbolName, SymbolType> = {
  circle: symbolCircle,
  square: symbolSquare,
  triangle: symbolTriangle,
  diamond: symbolDiamond,
  cross: symbolCross,
  star: symbolStar,
  wye: symbolWye,
};

const isAcc = (m: Metric) => m !== 'earlyStopIteration';
/** The plotted value: accuracies in %, iterations as they are. */
const scaleOf = (m: Metric) => (isAcc(m) ? 100 : 1);

export function bandOf(s: Stats, band: BandKind): [number, number] | null {
  if (band === 'minmax') return s.max > s.min || Number.isFinite(s.sd) ? [s.min, s.max] : null;
  if (band === 'sd') return Number.isFinite(s.sd) ? [s.mean - s.sd, s.mean + s.sd] : null;
  return null;
}

/** A series drawn with dotted joins only: no two of its rounds are consecutive (controls at chosen rounds). */
const onlyDotted = (s: LotterySeries) => s.points.length > 1 && roundParts(s.points).every((part) => part.length === 1);

const pctLabel = (v: number) => `${+v.toPrecision(3)}%`;

interface Hover {
  key: string;
  round: number;
  x: number;
  y: number;
}

export function LotteryChart(props: LotteryChartProps) {
  const { series, labels, dashed, metric, band, xExtent, width, height, dark, title, subtitle, caption, yLabel, testId, svgRef } = props;
  const pal = chartPalette(dark);
  const [hover, setHover] = useState<Hover | null>(null);
  const ownSvg = useRef<SVGSVGElement | null>(null);
  const k = scaleOf(metric);

  // Legend rows, laid out left to right and wrapped to the width.
  const legend = useMemo(() => flowLegendTexts(series.map((s) => labels.get(s.key) ?? s.kind), 34, 18, width - 24), [series, labels, width]);

  // The subtitle wraps onto a second line rather than losing its end (it names the experiment in an export).
  const subLines = useMemo(() => subtitleLines(subtitle, width), [subtitle, width]);
  const legendTop = belowHead(subLines.length);
  // The caption says how to read the lines (bands, dotted joins): wrapped onto a second line rather than cut.
  const captionLines = useMemo(() => wrapText(caption, 10.5, width - 24, 2), [caption, width]);
  const M = { top: legendTop + legend.rows * LEGEND_ROW + 8, right: 18, bottom: 53 + 13 * captionLines.length, left: 60 };
  const innerW = Math.max(60, width - M.left - M.right);
  const innerH = Math.max(60, height - M.top - M.bottom);

  const x = useMemo(() => {
    const [hi, lo] = xExtent;
    const dom: [number, number] = lo >= hi ? [hi * 1.25, hi / 1.6] : [hi * 1.04, lo / 1.06];
    return scaleLog().domain(dom).range([0, innerW]);
  }, [xExtent, innerW]);

  const y = useMemo(() => {
    const vals: number[] = [];
    for (const s of series)
      for (const p of s.points) {
        const st = p[metric];
        vals.push(st.mean * k);
        const b = bandOf(st, band);
        if (b) vals.push(b[0] * k, b[1] * k);
      }
    const finite = vals.filter(Number.isFinite);
    if (!finite.length) return scaleLinear().domain(isAcc(metric) ? [0, 100] : [0, 1]).range([innerH, 0]);
    const lo = Math.min(...finite);
    const hi = Math.max(...finite);
    if (isAcc(metric)) {
      const pad = Math.max(0.5, (hi - lo) * 0.12);
      return scaleLinear()
        .domain([Math.max(0, lo - pad), Math.min(100, hi + pad)])
        .nice(6)
        .range([innerH, 0]);
    }
    return scaleLinear()
      .domain([0, Math.max(1, hi * 1.1)])
      .nice(6)
      .range([innerH, 0]);
  }, [series, metric, band, k, innerH]);

  const xTicks = logTicks(x.domain()[1]!, x.domain()[0]!, Math.max(3, Math.floor(innerW / 48)));
  const yTicks = y.ticks(6);
  const px = (p: LotteryPoint) => x(p.density.mean * 100);
  const py = (p: LotteryPoint) => y(p[metric].mean * k);

  // Where a series' points or segments coincide with those of series drawn after it, they would vanish under them:
  // draw exactly those wider (one halo per series on top), so every line stays visible where values are equal.
  const overlaps = coincidences(series, px, py);

  const linePath = line<LotteryPoint>()
    .defined((p) => Number.isFinite(p[metric].mean))
    .x(px)
    .y(py);
  const bandPath = area<LotteryPoint>()
    .defined((p) => bandOf(p[metric], band) !== null)
    .x(px)
    .y0((p) => y(bandOf(p[metric], band)![0] * k))
    .y1((p) => y(bandOf(p[metric], band)![1] * k));

  const onMove = (e: PointerEvent<SVGRectElement>) => {
    const svg = ownSvg.current;
    if (!svg) return;
    const r = svg.getBoundingClientRect();
    const mx = e.clientX - r.left - M.left;
    const my = e.clientY - r.top - M.top;
    let best: Hover | null = null;
    let bestD = 30 * 30;
    for (const s of series)
      for (const p of s.points) {
        const dx = px(p) - mx;
        const dy = py(p) - my;
        const d = dx * dx + dy * dy;
        if (d < bestD) {
          bestD = d;
          best = { key: s.key, round: p.round, x: px(p), y: py(p) };
        }
      }
    setHover((h) => (h?.key === best?.key && h?.round === best?.round ? h : best));
  };

  const hovered = hover ? series.find((s) => s.key === hover.key) : undefined;
  const hoveredPoint = hovered?.points.find((p) => p.round === hover!.round);
  const setRefs = (el: SVGSVGElement | null) => {
    ownSvg.current = el;
    assignRef(svgRef, el);
  };

  return (
    <ChartFrame
      {...{ width, height, pal, title, subtitle, subLines }}
      svgRef={setRefs}
      className="lottery-chart"
      data-testid={testId}
      data-series={series.length}
      data-points={series.reduce((a, s) => a + s.points.length, 0)}
      shownTitle={clipText(title, 13, width - 110)}
      overlay={
        hover &&
        hovered &&
        hoveredPoint && (
          <PointTooltip
            series={hovered}
            label={labels.get(hovered.key) ?? hovered.kind}
            coinciding={series
              .filter((s) => s.key !== hovered.key)
              .filter((s) => s.points.some((p) => Math.abs(px(p) - hover.x) < 4 && Math.abs(py(p) - hover.y) < 4))
              .map((s) => labels.get(s.key) ?? s.kind)}
            point={hoveredPoint}
            colour={kindColour(hovered.kind, dark)}
            left={tipLeft(hover.x + M.left, 300, width, 16)}
            top={Math.max(4, Math.min(height - 230, hover.y + M.top - 40))}
          />
        )
      }
    >
      <FlowLegend
        top={legendTop}
        items={legend.items}
        pal={pal}
        className="legend"
        item={(i) => {
          const s = series[i]!;
          const colour = kindColour(s.kind, dark);
          return {
            'data-testid': 'legend-item',
            'data-kind': s.kind,
            swatch: (
              <>
                <line
                  x1={0}
                  x2={26}
                  y1={6}
                  y2={6}
                  stroke={colour}
                  strokeWidth={2}
                  strokeLinecap={onlyDotted(s) ? 'round' : undefined}
                  strokeDasharray={onlyDotted(s) ? '1.5 4' : dashed.has(s.key) ? '5 3' : undefined}
                />
                <path d={symbol(SYMBOL_TYPES[kindSymbol(s.kind)], 40)() ?? undefined} transform="translate(13,6)" fill={colour} stroke={pal.bg} strokeWidth={0.8} />
              </>
            ),
            textX: 32,
          };
        }}
      />
      <g transform={`translate(${M.left},${M.top})`}>
        <YGrid ticks={yTicks} y={y} width={innerW} pal={pal} format={(t) => (isAcc(metric) ? `${+t.toFixed(2)}` : formatInt(t))} />
        <XGrid ticks={xTicks} x={x} height={innerH} pal={pal} format={pctLabel} />
        <PlotFrame width={innerW} height={innerH} pal={pal} />
        <AxisTitle side="left" at={-44} height={innerH} pal={pal}>
          {yLabel}
        </AxisTitle>
        <AxisTitle side="bottom" at={innerH + 36} width={innerW} pal={pal}>
          weights remaining (% of prunable weights, log scale)
        </AxisTitle>
        {captionLines.map((line, i) => (
          <text key={i} x={-M.left + 12} y={innerH + 56 + 13 * i} fill={pal.fg2} fontSize={10.5} data-testid="lottery-caption">
            {line}
          </text>
        ))}
        <g>
          {series.map((s, si) => {
            const colour = kindColour(s.kind, dark);
            // Lines and bands run through consecutive rounds only; where a series skips rounds (controls at chosen
            // rounds) a dotted line joins its parts, and a point alone shows its band as a whisker.
            const parts = roundParts(s.points);
            return (
              <g key={s.key} data-testid="lottery-series" data-kind={s.kind} data-experiment-id={s.experimentId}>
                {band !== 'none' &&
                  parts.map((part) => {
                    if (part.length > 1) {
                      const b = bandPath(part);
                      return b ? <path key={`b${part[0]!.round}`} d={b} fill={colour} fillOpacity={dark ? 0.2 : 0.13} stroke="none" /> : null;
                    }
                    const p = part[0]!;
                    const b = bandOf(p[metric], band);
                    if (!b || !Number.isFinite(px(p))) return null;
                    const [lo, hi] = [y(b[0] * k), y(b[1] * k)];
                    const cx = px(p);
                    return (
                      <path
                        key={`b${p.round}`}
                        d={`M${cx},${lo}V${hi}M${cx - 4},${lo}H${cx + 4}M${cx - 4},${hi}H${cx + 4}`}
                        fill="none"
                        stroke={colour}
                        strokeOpacity={0.75}
                        strokeWidth={1.5}
                        data-testid="lottery-whisker"
                      />
                    );
                  })}
                {parts.map((part) =>
                  part.length > 1 ? (
                    <path
                      key={`l${part[0]!.round}`}
                      d={linePath(part) ?? undefined}
                      fill="none"
                      stroke={colour}
                      strokeWidth={2}
                      strokeLinejoin="round"
                      strokeDasharray={dashed.has(s.key) ? '5 3' : undefined}
                    />
                  ) : null,
                )}
                {parts.slice(1).map((part, j) => {
                  const a = parts[j]![parts[j]!.length - 1]!;
                  const b = part[0]!;
                  return Number.isFinite(py(a)) && Number.isFinite(py(b)) ? (
                    <line
                      key={`g${b.round}`}
                      x1={px(a)}
                      y1={py(a)}
                      x2={px(b)}
                      y2={py(b)}
                      stroke={colour}
                      strokeOpacity={0.8}
                      strokeWidth={1.5}
                      strokeDasharray="1.5 4"
                      strokeLinecap="round"
                      data-testid="lottery-gap"
                      data-from-round={a.round}
                      data-to-round={b.round}
                    />
                  ) : null;
                })}
                {s.points.slice(1).map((b, j) => {
                  const n = overlaps[si]!.segments[j]!;
                  const a = s.points[j]!;
                  return n > 0 && b.round === a.round + 1 && Number.isFinite(py(a)) && Number.isFinite(py(b)) ? (
                    <line key={`w${j}`} x1={px(a)} y1={py(a)} x2={px(b)} y2={py(b)} stroke={colour} strokeWidth={2 + 3 * n} strokeLinecap="round" />
                  ) : null;
                })}
                {s.points.map((p, pi) => (
                  <path
                    key={p.round}
                    d={symbol(SYMBOL_TYPES[kindSymbol(s.kind)], 46 * (1 + 1.5 * overlaps[si]!.points[pi]!))() ?? undefined}
                    transform={`translate(${px(p)},${py(p)})`}
                    fill={colour}
                    stroke={pal.bg}
                    strokeWidth={1}
                    data-testid="lottery-point"
                    data-kind={s.kind}
                    data-round={p.round}
                    data-density={p.density.mean}
                    data-value={p[metric].mean}
                  />
                ))}
              </g>
            );
          })}
        </g>
        {hover && (
          <circle className="no-export" cx={hover.x} cy={hover.y} r={8} fill="none" stroke={pal.fg} strokeWidth={1.5} />
        )}
        <rect
          className="no-export"
          width={innerW}
          height={innerH}
          fill="transparent"
          style={{ cursor: 'crosshair' }}
          onPointerMove={onMove}
          onPointerLeave={() => setHover(null)}
          data-testid={`${testId}-overlay`}
        />
      </g>
    </ChartFrame>
  );
}

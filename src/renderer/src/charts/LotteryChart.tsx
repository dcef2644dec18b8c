// One panel of the lottery plot: a metric against % of weights remaining (log scale, descending 100 -> 1), one line
// per series (experiment x run kind) through the mean over seeds, a band (min-max or +-1 sd), a marker per round.
// d3 computes scales, paths and symbols; React renders SVG with explicit colours so the export is standalone.
import { useMemo, useRef, useState, type PointerEvent, type Ref } from 'react';
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
import { formatInt, formatPercent } from '../app/format';
import { kindColour, kindSymbol, type SymbolName } from '../app/kinds';
import { chartPalette } from '../app/theme';
import { logTicks, textWidth, wrapText } from './axes';
import type { LotteryPoint, LotterySeries, Metric, Stats } from './lottery-data';

export type BandKind = 'minmax' | 'sd' | 'none';

export interface LotteryChartProps {
  series: LotterySeries[];
  /** Legend text per series key. */
  labels: ReadonlyMap<string, string>;
  /** Series drawn dashed (a second experiment with the same kind). */
  dashed: ReadonlySet<string>;
  metric: Metric;
  band: BandKind;
  /** % of weights remaining shown: [largest, smallest]. */
  xExtent: [number, number];
  width: number;
  height: number;
  dark: boolean;
  title: string;
  subtitle: string;
  caption: string;
  yLabel: string;
  testId: string;
  svgRef?: Ref<SVGSVGElement>;
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
  const legend = useMemo(() => {
    const items: { key: string; label: string; x: number; row: number }[] = [];
    let x = 0;
    let row = 0;
    const avail = width - 24;
    for (const s of series) {
      const label = labels.get(s.key) ?? s.kind;
      const w = 34 + textWidth(label, 11) + 18;
      if (x > 0 && x + w > avail) {
        x = 0;
        row++;
      }
      items.push({ key: s.key, label, x, row });
      x += w;
    }
    return { items, rows: series.length ? row + 1 : 0 };
  }, [series, labels, width]);

  // The subtitle wraps onto a second line rather than losing its end (it names the experiment in an export).
  const subLines = useMemo(() => wrapText(subtitle, 11, width - 24, 2), [subtitle, width]);
  const legendTop = 37 + subLines.length * 14;
  const M = { top: legendTop + legend.rows * 17 + 8, right: 18, bottom: 66, left: 60 };
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
  const same = (a: LotteryPoint, b: LotteryPoint) => Math.abs(px(a) - px(b)) < 1.5 && Math.abs(py(a) - py(b)) < 1.5;
  const overlaps = series.map((s, i) => {
    const later = series.slice(i + 1);
    const points = s.points.map((p) => later.filter((t) => t.points.some((q) => same(p, q))).length);
    const segments = s.points.slice(1).map((b, j) => {
      const a = s.points[j]!;
      return later.filter((t) => t.points.some((q, m) => m > 0 && same(a, t.points[m - 1]!) && same(b, q))).length;
    });
    return { points, segments };
  });

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
    if (typeof svgRef === 'function') svgRef(el);
    else if (svgRef) (svgRef as { current: SVGSVGElement | null }).current = el;
  };
  const clip = (s: string, size: number, w: number) => (textWidth(s, size) <= w ? s : `${s.slice(0, Math.max(8, Math.floor(w / (size * 0.56)) - 1))}…`);

  return (
    <div className="lottery-chart" data-testid={testId} data-series={series.length} data-points={series.reduce((a, s) => a + s.points.length, 0)}>
      <svg
        ref={setRefs}
        width={width}
        height={height}
        role="img"
        aria-label={`${title}. ${subtitle}`}
        fontFamily={pal.font}
        style={{ display: 'block' }}
      >
        <rect width={width} height={height} fill={pal.bg} />
        <text x={12} y={19} fill={pal.fg} fontSize={13} fontWeight={600}>
          {clip(title, 13, width - 110)}
        </text>
        {subLines.map((l, i) => (
          <text key={i} x={12} y={37 + i * 14} fill={pal.fg2} fontSize={11}>
            {l}
          </text>
        ))}
        <g transform={`translate(12,${legendTop})`} className="legend">
          {legend.items.map((it) => {
            const s = series.find((q) => q.key === it.key)!;
            const colour = kindColour(s.kind, dark);
            return (
              <g key={it.key} transform={`translate(${it.x},${it.row * 17})`} data-testid="legend-item" data-kind={s.kind}>
                <line x1={0} x2={26} y1={6} y2={6} stroke={colour} strokeWidth={2} strokeDasharray={dashed.has(s.key) ? '5 3' : undefined} />
                <path d={symbol(SYMBOL_TYPES[kindSymbol(s.kind)], 40)() ?? undefined} transform="translate(13,6)" fill={colour} stroke={pal.bg} strokeWidth={0.8} />
                <text x={32} y={10} fill={pal.fg} fontSize={11}>
                  {it.label}
                </text>
              </g>
            );
          })}
        </g>
        <g transform={`translate(${M.left},${M.top})`}>
          {yTicks.map((t) => (
            <g key={`y${t}`} transform={`translate(0,${y(t)})`}>
              <line x2={innerW} stroke={pal.grid} />
              <text x={-7} dy="0.32em" textAnchor="end" fill={pal.fg2} fontSize={11}>
                {isAcc(metric) ? `${+t.toFixed(2)}` : formatInt(t)}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <g key={`x${t}`} transform={`translate(${x(t)},0)`}>
              <line y2={innerH} stroke={pal.grid} />
              <line y1={innerH} y2={innerH + 5} stroke={pal.frame} />
              <text y={innerH + 18} textAnchor="middle" fill={pal.fg2} fontSize={11}>
                {pctLabel(t)}
              </text>
            </g>
          ))}
          <rect width={innerW} height={innerH} fill="none" stroke={pal.frame} />
          <text transform={`translate(${-44},${innerH / 2}) rotate(-90)`} textAnchor="middle" fill={pal.fg} fontSize={12}>
            {yLabel}
          </text>
          <text x={innerW / 2} y={innerH + 36} textAnchor="middle" fill={pal.fg} fontSize={12}>
            weights remaining (% of prunable weights, log scale)
          </text>
          <text x={-M.left + 12} y={innerH + 56} fill={pal.fg2} fontSize={10.5}>
            {clip(caption, 10.5, width - 24)}
          </text>
          <g>
            {series.map((s, si) => {
              const colour = kindColour(s.kind, dark);
              const b = band !== 'none' ? bandPath(s.points) : null;
              return (
                <g key={s.key} data-testid="lottery-series" data-kind={s.kind} data-experiment-id={s.experimentId}>
                  {b && <path d={b} fill={colour} fillOpacity={dark ? 0.2 : 0.13} stroke="none" />}
                  <path
                    d={linePath(s.points) ?? undefined}
                    fill="none"
                    stroke={colour}
                    strokeWidth={2}
                    strokeLinejoin="round"
                    strokeDasharray={dashed.has(s.key) ? '5 3' : undefined}
                  />
                  {s.points.slice(1).map((b, j) => {
                    const n = overlaps[si]!.segments[j]!;
                    const a = s.points[j]!;
                    return n > 0 && Number.isFinite(py(a)) && Number.isFinite(py(b)) ? (
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
      </svg>
      {hover && hovered && hoveredPoint && (
        <PointTooltip
          series={hovered}
          label={labels.get(hovered.key) ?? hovered.kind}
          coinciding={series
            .filter((s) => s.key !== hovered.key)
            .filter((s) => s.points.some((p) => Math.abs(px(p) - hover.x) < 4 && Math.abs(py(p) - hover.y) < 4))
            .map((s) => labels.get(s.key) ?? s.kind)}
          point={hoveredPoint}
          colour={kindColour(hovered.kind, dark)}
          left={hover.x + M.left + 16 + 300 > width ? hover.x + M.left - 16 - 300 : hover.x + M.left + 16}
          top={Math.max(4, Math.min(height - 230, hover.y + M.top - 40))}
        />
      )}
    </div>
  );
}

function range(s: Stats, f: (v: number) => string): string {
  return s.min === s.max ? '' : ` (${f(s.min)} – ${f(s.max)})`;
}

function PointTooltip(props: { series: LotterySeries; label: string; coinciding: string[]; point: LotteryPoint; colour: string; left: number; top: number }) {
  const { series, label, coinciding, point: p, colour, left, top } = props;
  const pp = (v: number) => formatPercent(v);
  const sd = (s: Stats) => (Number.isFinite(s.sd) ? `, sd ${(s.sd * 100).toFixed(2)} pp` : '');
  return (
    <div
      className="chart-tooltip"
      role="status"
      style={{ left, top }}
      data-testid="lottery-tooltip"
      data-kind={series.kind}
      data-round={p.round}
      data-experiment-id={series.experimentId}
    >
      <div className="tt-head">
        <span className="swatch" style={{ background: colour }} />
        {label} · round {p.round}
      </div>
      <table>
        <tbody>
          <tr>
            <th>weights remaining</th>
            <td data-testid="tt-density">
              {formatPercent(p.density.mean, 2)}
              {range(p.density, (v) => formatPercent(v, 2))}
            </td>
          </tr>
          <tr>
            <th>test acc. at early stop</th>
            <td data-testid="tt-accuracy">
              {pp(p.testAccuracy.mean)}
              {sd(p.testAccuracy)}
            </td>
          </tr>
          <tr>
            <th>early-stop iteration</th>
            <td data-testid="tt-early-stop">
              {formatInt(p.earlyStopIteration.mean)}
              {range(p.earlyStopIteration, formatInt)}
            </td>
          </tr>
          <tr>
            <th>final test acc.</th>
            <td>{pp(p.finalTestAccuracy.mean)}</td>
          </tr>
          <tr>
            <th>seeds</th>
            <td data-testid="tt-n">n = {p.n}</td>
          </tr>
        </tbody>
      </table>
      <table className="tt-seeds">
        <thead>
          <tr>
            <th>seed</th>
            <th>remaining</th>
            <th>acc. (early stop)</th>
            <th>es it</th>
          </tr>
        </thead>
        <tbody>
          {p.seeds.map((s) => (
            <tr key={s.runId}>
              <td>{s.seed}</td>
              <td>{formatPercent(s.density, 2)}</td>
              <td>{pp(s.testAccuracy)}</td>
              <td>{formatInt(s.earlyStopIteration)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {coinciding.length > 0 && (
        <div className="tt-note" data-testid="tt-coinciding">
          Drawn over, at the same position: {coinciding.join(', ')}
        </div>
      )}
    </div>
  );
}

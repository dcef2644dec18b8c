// Training curve: two stacked panels sharing the iteration axis, accuracy (%) above and cross-entropy loss below,
// one line per split. d3 computes scales, ticks and paths; React renders the SVG.
import { useId, useMemo, useRef, useState, type PointerEvent } from 'react';
import { bisectCenter, extent, line, max, scaleLinear, type ScaleLinear } from 'd3';
import type { MetricPoint, Split } from '../../../shared/contract';
import { formatInt, formatLoss, formatPercent } from '../app/format';
import { tipLeft } from './axes';
import { ChartTooltip } from './parts';
import { useElementWidth } from './useElementWidth';

export const SPLITS: { split: Split; label: string }[] = [
  { split: 'train', label: 'train' },
  { split: 'validation', label: 'validation' },
  { split: 'test', label: 'test' },
];
/** Drawing order: the dashed validation line last, so the solid lines show through its gaps. */
const DRAW_ORDER: Split[] = ['train', 'test', 'validation'];

export interface TrainingCurveProps {
  /** Points of one round. */
  points: MetricPoint[];
  /** Iterations of the round (the x domain); null to fit the data. */
  iterations: number | null;
  /** Marked with a vertical line once the round result exists. */
  earlyStopIteration: number | null;
  batchSize: number | null;
  evalEvery: number | null;
  /** Shown instead of the plot when there are no points. */
  emptyLabel: string;
  /** Fit the y axes to the points after the first ZOOM_SKIP of the iterations (hides the initial transient). */
  zoom: boolean;
  /** The y axes' titles (default "accuracy (%)" and "cross-entropy loss"; a class-specific supermask's differ). */
  labels?: { accuracy: string; loss: string };
}

/** With zoom on, the y axes ignore the first 20% of the iterations. */
export const ZOOM_SKIP = 0.2;

const HEIGHT = 372;
const M = { top: 18, right: 18, bottom: 40, left: 62 };
const GAP = 26;
const PANEL_H = (HEIGHT - M.top - M.bottom - GAP) / 2;

interface Series {
  split: Split;
  label: string;
  points: MetricPoint[];
}

function yAxis(scale: ScaleLinear<number, number>, width: number, format: (v: number) => string, ticks = 5) {
  return scale.ticks(ticks).map((t) => (
    <g key={t} className="tick" transform={`translate(0,${scale(t)})`}>
      <line className="grid" x1={0} x2={width} />
      <text x={-8} dy="0.32em" textAnchor="end">
        {format(t)}
      </text>
    </g>
  ));
}

export function TrainingCurve(props: TrainingCurveProps) {
  const { points, iterations, earlyStopIteration, batchSize, evalEvery, emptyLabel, zoom } = props;
  const clipId = useId();
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const [hoverIt, setHoverIt] = useState<number | null>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const innerW = Math.max(100, width - M.left - M.right);

  const series: Series[] = useMemo(
    () =>
      DRAW_ORDER.map((split) => ({
        split,
        label: SPLITS.find((s) => s.split === split)?.label ?? split,
        points: points.filter((p) => p.split === split),
      })),
    [points],
  );
  const evalIterations = useMemo(() => [...new Set(points.map((p) => p.iteration))].sort((a, b) => a - b), [points]);

  const xMax = Math.max(iterations ?? 0, max(points, (p) => p.iteration) ?? 0, 1);
  const x = useMemo(() => scaleLinear().domain([0, xMax]).range([0, innerW]), [xMax, innerW]);

  // The points the y domains are fitted to.
  const fitted = useMemo(() => {
    if (!zoom) return points;
    const late = points.filter((p) => p.iteration >= ZOOM_SKIP * xMax);
    return late.length > 0 ? late : points;
  }, [points, zoom, xMax]);

  const yAcc = useMemo(() => {
    const [lo, hi] = extent(fitted, (p) => p.accuracy * 100);
    if (lo === undefined || hi === undefined) return scaleLinear().domain([0, 100]).range([PANEL_H, 0]);
    const pad = Math.max(1, (hi - lo) * 0.08);
    return scaleLinear()
      .domain([Math.max(0, lo - pad), Math.min(100, hi + pad)])
      .nice(5)
      .range([PANEL_H, 0]);
  }, [fitted]);

  const yLoss = useMemo(() => {
    const [lo, hi] = extent(fitted, (p) => p.loss);
    if (lo === undefined || hi === undefined || !(hi > 0)) return scaleLinear().domain([0, 1]).range([PANEL_H, 0]);
    const bottom = zoom ? Math.max(0, lo - (hi - lo) * 0.08) : 0;
    return scaleLinear()
      .domain([bottom, hi + (hi - bottom) * 0.05])
      .nice(5)
      .range([PANEL_H, 0]);
  }, [fitted, zoom]);

  const accLine = line<MetricPoint>()
    .defined((p) => Number.isFinite(p.accuracy))
    .x((p) => x(p.iteration))
    .y((p) => yAcc(p.accuracy * 100));
  const lossLine = line<MetricPoint>()
    .defined((p) => Number.isFinite(p.loss))
    .x((p) => x(p.iteration))
    .y((p) => yLoss(p.loss));

  const showDots = evalIterations.length <= 60;
  const lossTop = PANEL_H + GAP;

  const onMove = (e: PointerEvent<SVGRectElement>) => {
    const svg = svgRef.current;
    if (!svg || evalIterations.length === 0) return;
    const px = e.clientX - svg.getBoundingClientRect().left - M.left;
    const it = evalIterations[bisectCenter(evalIterations, x.invert(px))];
    setHoverIt(it ?? null);
  };

  const hover =
    hoverIt === null
      ? null
      : SPLITS.map((s) => ({ ...s, p: points.find((p) => p.split === s.split && p.iteration === hoverIt) }));
  const inPanel = (y: number) => y >= 0 && y <= PANEL_H;
  const hoverX = hoverIt === null ? 0 : x(hoverIt) + M.left;
  const tooltipLeft = tipLeft(hoverX, 210, width);

  return (
    <div
      ref={ref}
      className="training-curve"
      data-testid="training-curve"
      data-points={points.length}
      data-evaluations={evalIterations.length}
    >
      <svg ref={svgRef} width={width} height={HEIGHT} role="img" aria-label="Training curve: accuracy and loss per split">
        <defs>
          <clipPath id={`${clipId}-acc`}>
            <rect x={-4} y={0} width={innerW + 8} height={PANEL_H} />
          </clipPath>
          <clipPath id={`${clipId}-loss`}>
            <rect x={-4} y={0} width={innerW + 8} height={PANEL_H} />
          </clipPath>
        </defs>
        <g transform={`translate(${M.left},${M.top})`}>
          {/* accuracy panel */}
          <g className="axis y">{yAxis(yAcc, innerW, (v) => `${v}`)}</g>
          <rect className="frame" width={innerW} height={PANEL_H} />
          <text className="axis-label" transform={`translate(${-46},${PANEL_H / 2}) rotate(-90)`} textAnchor="middle">
            {props.labels?.accuracy ?? 'accuracy (%)'}
          </text>
          {/* loss panel */}
          <g transform={`translate(0,${lossTop})`}>
            <g className="axis y">{yAxis(yLoss, innerW, (v) => formatLoss(v).replace(/\.?0+$/, ''))}</g>
            <rect className="frame" width={innerW} height={PANEL_H} />
            <text className="axis-label" transform={`translate(${-46},${PANEL_H / 2}) rotate(-90)`} textAnchor="middle">
              {props.labels?.loss ?? 'cross-entropy loss'}
            </text>
            <g className="axis x" transform={`translate(0,${PANEL_H})`}>
              {x.ticks(Math.max(2, Math.floor(innerW / 90))).map((t) => (
                <g key={t} className="tick" transform={`translate(${x(t)},0)`}>
                  <line y2={5} />
                  <text y={18} textAnchor="middle">
                    {formatInt(t)}
                  </text>
                </g>
              ))}
            </g>
            <text className="axis-label" x={innerW / 2} y={PANEL_H + 36} textAnchor="middle">
              iteration
              {batchSize ? ` (minibatches of ${batchSize} examples)` : ''}
              {evalEvery ? ` · evaluated every ${formatInt(evalEvery)} iterations` : ''}
            </text>
          </g>
          {/* vertical x grid, both panels */}
          {x.ticks(Math.max(2, Math.floor(innerW / 90))).map((t) => (
            <g key={t} className="grid">
              <line x1={x(t)} x2={x(t)} y1={0} y2={PANEL_H} />
              <line x1={x(t)} x2={x(t)} y1={lossTop} y2={lossTop + PANEL_H} />
            </g>
          ))}
          {earlyStopIteration !== null && (
            <g className="early-stop" data-testid="early-stop" transform={`translate(${x(earlyStopIteration)},0)`}>
              <line y1={-4} y2={lossTop + PANEL_H} />
              <text
                x={x(earlyStopIteration) > innerW - 220 ? -5 : 5}
                y={-6}
                textAnchor={x(earlyStopIteration) > innerW - 220 ? 'end' : 'start'}
              >
                early stop: it {formatInt(earlyStopIteration)} (min. validation loss)
              </text>
            </g>
          )}
          {series.map((s) => (
            <g key={s.split} className={`series split-${s.split}`}>
              <g clipPath={`url(#${clipId}-acc)`}>
                <path className="line" d={accLine(s.points) ?? undefined} />
                {showDots &&
                  s.points.map((p) => (
                    <circle key={p.iteration} className="dot" r={2} cx={x(p.iteration)} cy={yAcc(p.accuracy * 100)} />
                  ))}
              </g>
              <g transform={`translate(0,${lossTop})`} clipPath={`url(#${clipId}-loss)`}>
                <path className="line" d={lossLine(s.points) ?? undefined} />
                {showDots &&
                  s.points.map((p) => (
                    <circle key={p.iteration} className="dot" r={2} cx={x(p.iteration)} cy={yLoss(p.loss)} />
                  ))}
              </g>
            </g>
          ))}
          {hover && hoverIt !== null && (
            <g className="hover" transform={`translate(${x(hoverIt)},0)`}>
              <line y1={0} y2={lossTop + PANEL_H} />
              {hover.map(
                (h) =>
                  h.p && (
                    <g key={h.split} className={`split-${h.split}`}>
                      {inPanel(yAcc(h.p.accuracy * 100)) && (
                        <circle className="hover-dot" r={4} cy={yAcc(h.p.accuracy * 100)} />
                      )}
                      {inPanel(yLoss(h.p.loss)) && <circle className="hover-dot" r={4} cy={lossTop + yLoss(h.p.loss)} />}
                    </g>
                  ),
              )}
            </g>
          )}
          <rect
            className="overlay"
            width={innerW}
            height={lossTop + PANEL_H}
            onPointerMove={onMove}
            onPointerLeave={() => setHoverIt(null)}
          />
        </g>
      </svg>
      {points.length === 0 && <div className="curve-empty">{emptyLabel}</div>}
      {hover && hoverIt !== null && (
        <ChartTooltip base="curve-tooltip" left={tooltipLeft} top={M.top + 4} head={<>iteration {formatInt(hoverIt)}</>}>
          <table>
            <thead>
              <tr>
                <th />
                <th>acc.</th>
                <th>loss</th>
              </tr>
            </thead>
            <tbody>
              {hover.map((h) => (
                <tr key={h.split}>
                  <th>
                    <span className={`swatch split-${h.split}`} />
                    {h.label}
                  </th>
                  <td>{h.p ? formatPercent(h.p.accuracy) : '—'}</td>
                  <td>{h.p ? formatLoss(h.p.loss) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ChartTooltip>
      )}
    </div>
  );
}

/** The legend, outside the SVG so it wraps with the layout. */
export function CurveLegend() {
  return (
    <div className="curve-legend" aria-label="legend">
      {SPLITS.map((s) => (
        <span key={s.split} className="legend-item">
          <svg width={26} height={10} aria-hidden="true" className={`split-${s.split}`}>
            <line className="line" x1={1} x2={25} y1={5} y2={5} />
          </svg>
          {s.label}
        </span>
      ))}
      <span className="legend-item" title="iteration with the minimum validation loss">
        <svg width={14} height={12} aria-hidden="true" className="early-stop">
          <line x1={7} x2={7} y1={0} y2={12} />
        </svg>
        early stop (min. validation loss)
      </span>
    </div>
  );
}

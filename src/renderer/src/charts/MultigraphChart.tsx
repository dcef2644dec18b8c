// The multigraph intuition pump: (1) approximation error against K, the number of parallel edges per connection
// (log y: max and mean weight error, output RMSE of the masked and of the unmasked network); (2) the network at the
// shown K, every pair of nodes joined by K curved parallel edges, the kept ones dark and thick (colour = sign of the
// candidate weight), the pruned ones faint, each pair labelled with its target and approximated weight.
// d3 computes scales and paths; React renders SVG with explicit colours (standalone exports).
import { useMemo, useState, type Ref } from 'react';
import { line, scaleLinear, scaleLog, symbol, symbolCircle, symbolDiamond, symbolSquare, symbolTriangle, type SymbolType } from 'd3';
import type { MultigraphLayer, MultigraphPoint } from '../../../shared/analysis';
import { chartPalette } from '../app/theme';
import { logTicks, textWidth, wrapText } from './axes';

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

export interface MultigraphErrorChartProps {
  curve: MultigraphPoint[];
  shown: number;
  width: number;
  height: number;
  dark: boolean;
  title: string;
  subtitle: string;
  testId: string;
  svgRef?: Ref<SVGSVGElement>;
  /** Clicking a K picks it (the shown network). */
  onPick?: (k: number) => void;
}

export function MultigraphErrorChart(props: MultigraphErrorChartProps) {
  const { curve, shown, width, height, dark, title, subtitle, testId, svgRef, onPick } = props;
  const pal = chartPalette(dark);
  const [hoverK, setHoverK] = useState<number | null>(null);
  const subLines = wrapText(subtitle, 11, width - 24, 2);
  const legendTop = 37 + subLines.length * 14;
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
    <div className="mg-chart" style={{ position: 'relative' }} data-testid={testId} data-points={curve.length}>
      <svg ref={svgRef} width={width} height={height} role="img" aria-label={`${title}. ${subtitle}`} fontFamily={pal.font} style={{ display: 'block' }}>
        <rect width={width} height={height} fill={pal.bg} />
        <text x={12} y={19} fill={pal.fg} fontSize={13} fontWeight={600}>
          {title}
        </text>
        {subLines.map((l, i) => (
          <text key={i} x={12} y={37 + i * 14} fill={pal.fg2} fontSize={11}>
            {l}
          </text>
        ))}
        <g transform={`translate(12,${legendTop})`} fontSize={11}>
          {MG_SERIES.map((s, i) => {
            const c = s.colour[dark ? 1 : 0];
            return (
              <g key={s.key} transform={`translate(${(i % 2) * Math.min(280, (width - 24) / 2)},${Math.floor(i / 2) * 16})`} data-testid="mg-legend-item">
                <line x1={0} x2={24} y1={6} y2={6} stroke={c} strokeWidth={2} strokeDasharray={s.dash} />
                <path d={symbol(s.symbol, 34)() ?? undefined} transform="translate(12,6)" fill={c} />
                <text x={30} y={10} fill={pal.fg}>
                  {s.label}
                </text>
              </g>
            );
          })}
        </g>
        <g transform={`translate(${M.left},${M.top})`}>
          {yTicks.map((t) => (
            <g key={t} transform={`translate(0,${y(t)})`}>
              <line x2={innerW} stroke={pal.grid} />
              <text x={-7} dy="0.32em" textAnchor="end" fill={pal.fg2} fontSize={11}>
                {fmtTick(t)}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <g key={t} transform={`translate(${x(t)},0)`}>
              <line y2={innerH} stroke={pal.grid} />
              <line y1={innerH} y2={innerH + 5} stroke={pal.frame} />
              <text y={innerH + 18} textAnchor="middle" fill={pal.fg2} fontSize={11}>
                {t}
              </text>
            </g>
          ))}
          <rect width={innerW} height={innerH} fill="none" stroke={pal.frame} />
          <line x1={x(shown)} x2={x(shown)} y2={innerH} stroke={pal.fg2} strokeDasharray="4 3" />
          <text x={Math.min(innerW - 4, x(shown) + 4)} y={12} textAnchor={x(shown) > innerW - 60 ? 'end' : 'start'} fill={pal.fg} fontSize={11}>
            shown: K = {shown}
          </text>
          <text transform={`translate(${-50},${innerH / 2}) rotate(-90)`} textAnchor="middle" fill={pal.fg} fontSize={12}>
            error (log scale)
          </text>
          <text x={innerW / 2} y={innerH + 36} textAnchor="middle" fill={pal.fg} fontSize={12}>
            K, parallel edges per connection
          </text>
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
      </svg>
      {hovered && (
        <div
          className="chart-tooltip"
          role="status"
          style={{ left: M.left + x(hovered.k) + 14 + 300 > width ? M.left + x(hovered.k) - 314 : M.left + x(hovered.k) + 14, top: M.top + 8 }}
          data-testid="mg-tooltip"
          data-k={hovered.k}
        >
          <div className="tt-head">K = {hovered.k}</div>
          <table>
            <tbody>
              {MG_SERIES.map((s) => (
                <tr key={s.key}>
                  <th>{s.label}</th>
                  <td data-testid={`tt-${s.key}`}>{fmtErr(hovered[s.key])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export interface MultigraphNetworkProps {
  layers: MultigraphLayer[];
  k: number;
  width: number;
  height: number;
  dark: boolean;
  title: string;
  subtitle: string;
  testId: string;
  svgRef?: Ref<SVGSVGElement>;
}

interface PairHover {
  layer: number;
  from: number;
  to: number;
  x: number;
  y: number;
}

const signColour = (w: number, dark: boolean) => (w >= 0 ? (dark ? '#56b4e9' : '#0072b2') : dark ? '#f0884a' : '#d55e00');
const fmtW = (w: number) => (Math.abs(w) >= 100 ? w.toFixed(0) : w.toFixed(3));

export function MultigraphNetwork(props: MultigraphNetworkProps) {
  const { layers, k, width, height, dark, title, subtitle, testId, svgRef } = props;
  const pal = chartPalette(dark);
  const [hover, setHover] = useState<PairHover | null>(null);
  const subLines = wrapText(subtitle, 11, width - 24, 2);
  const legendTop = 37 + subLines.length * 14;
  const sizes = layers.length ? [layers[0]!.in, ...layers.map((l) => l.out)] : [];
  const pairs = layers.reduce((a, l) => a + l.in * l.out, 0);
  const labelPairs = pairs <= 16;
  const kept = layers.reduce((a, l) => a + l.mask.flat(2).filter((m) => m === 1).length, 0);
  const total = layers.reduce((a, l) => a + l.mask.flat(2).length, 0);
  const note = `${labelPairs ? 'labels: t = target weight, a = sum of kept edges' : 'hover a connection for its weights'} · ${kept}/${total} edges kept`;
  // The note goes on a second legend row when it does not fit beside the swatches.
  const noteWraps = 290 + textWidth(note, 11) > width - 12;
  const M = { top: legendTop + (noteWraps ? 46 : 30), right: 40, bottom: 16, left: 40 };
  const innerW = Math.max(80, width - M.left - M.right);
  const innerH = Math.max(60, height - M.top - M.bottom);

  const sizesKey = sizes.join(',');
  const pos = useMemo(() => {
    const sizes = sizesKey ? sizesKey.split(',').map(Number) : [];
    const nCols = sizes.length;
    return sizes.map((n, c) =>
      Array.from({ length: n }, (_, i) => ({
        x: nCols > 1 ? (c / (nCols - 1)) * innerW : innerW / 2,
        y: n > 1 ? ((i + 0.5) / n) * innerH : innerH / 2,
      })),
    );
  }, [sizesKey, innerW, innerH]);

  const nodeName = (c: number, i: number) => (c === 0 ? `x${i + 1}` : c === sizes.length - 1 ? `y${i + 1}` : sizes.length === 3 ? `h${i + 1}` : `h${c}.${i + 1}`);
  const hoveredLayer = hover ? layers[hover.layer] : undefined;

  return (
    <div className="mg-chart" style={{ position: 'relative' }} data-testid={testId} data-k={k} data-kept={kept} data-edges={total}>
      <svg ref={svgRef} width={width} height={height} role="img" aria-label={`${title}. ${subtitle}`} fontFamily={pal.font} style={{ display: 'block' }}>
        <rect width={width} height={height} fill={pal.bg} />
        <text x={12} y={19} fill={pal.fg} fontSize={13} fontWeight={600}>
          {title}
        </text>
        {subLines.map((l, i) => (
          <text key={i} x={12} y={37 + i * 14} fill={pal.fg2} fontSize={11}>
            {l}
          </text>
        ))}
        <g transform={`translate(12,${legendTop})`} fontSize={11}>
          <line x1={0} x2={22} y1={6} y2={6} stroke={signColour(1, dark)} strokeWidth={2.4} />
          <text x={27} y={10} fill={pal.fg}>
            kept, w &gt; 0
          </text>
          <line x1={100} x2={122} y1={6} y2={6} stroke={signColour(-1, dark)} strokeWidth={2.4} />
          <text x={127} y={10} fill={pal.fg}>
            kept, w &lt; 0
          </text>
          <line x1={200} x2={222} y1={6} y2={6} stroke={pal.fg2} strokeOpacity={0.35} strokeWidth={0.8} />
          <text x={227} y={10} fill={pal.fg}>
            pruned
          </text>
          <text x={noteWraps ? 0 : 290} y={noteWraps ? 26 : 10} fill={pal.fg2}>
            {note}
          </text>
        </g>
        <g transform={`translate(${M.left},${M.top})`}>
          {layers.map((l, li) =>
            Array.from({ length: l.in }, (_, i) =>
              Array.from({ length: l.out }, (_, j) => {
                const p = pos[li]![i]!;
                const q = pos[li + 1]![j]!;
                const dx = q.x - p.x;
                const dy = q.y - p.y;
                const len = Math.hypot(dx, dy) || 1;
                const nx = -dy / len;
                const ny = dx / len;
                const spread = Math.min(9, 70 / Math.max(1, k));
                const cands = l.candidates[i]?.[j] ?? [];
                const mask = l.mask[i]?.[j] ?? [];
                const mx = (p.x + q.x) / 2;
                const my = (p.y + q.y) / 2;
                const isHover = hover?.layer === li && hover.from === i && hover.to === j;
                return (
                  <g key={`${li}-${i}-${j}`} data-testid="mg-pair" data-layer={li} data-from={i} data-to={j} data-target={l.target[i]?.[j]} data-approx={l.approx[i]?.[j]}>
                    {cands.map((w, e) => {
                      const off = (e - (cands.length - 1) / 2) * spread * 2;
                      const cx = mx + nx * off;
                      const cy = my + ny * off;
                      const on = mask[e] === 1;
                      return (
                        <path
                          key={e}
                          d={`M${p.x},${p.y} Q${cx},${cy} ${q.x},${q.y}`}
                          fill="none"
                          stroke={on ? signColour(w, dark) : pal.fg2}
                          strokeOpacity={on ? 0.95 : isHover ? 0.5 : 0.22}
                          strokeWidth={on ? 2.2 : 0.8}
                          data-testid="mg-edge"
                          data-kept={on ? 1 : 0}
                        />
                      );
                    })}
                    <path
                      className="no-export"
                      d={`M${p.x},${p.y} L${q.x},${q.y}`}
                      stroke="transparent"
                      strokeWidth={Math.max(10, spread * cands.length)}
                      fill="none"
                      onPointerEnter={() => setHover({ layer: li, from: i, to: j, x: mx, y: my })}
                      onPointerLeave={() => setHover(null)}
                      data-testid="mg-pair-hit"
                    />
                  </g>
                );
              }),
            ),
          )}
          {labelPairs &&
            layers.map((l, li) =>
              Array.from({ length: l.in }, (_, i) =>
                Array.from({ length: l.out }, (_, j) => {
                  const p = pos[li]![i]!;
                  const q = pos[li + 1]![j]!;
                  // Along the edge at 30% from the source, so labels of pairs that share a target do not collide.
                  const t = 0.3 + (l.out > 1 ? (j / (l.out - 1) - 0.5) * 0.12 : 0);
                  const lx = p.x + (q.x - p.x) * t;
                  const ly = p.y + (q.y - p.y) * t;
                  const txt = `t ${fmtW(l.target[i]![j]!)} · a ${fmtW(l.approx[i]![j]!)}`;
                  const w = textWidth(txt, 10.5) + 6;
                  return (
                    <g key={`lab-${li}-${i}-${j}`} transform={`translate(${lx},${ly})`} pointerEvents="none">
                      <rect x={-w / 2} y={-8} width={w} height={15} rx={3} fill={pal.bg} fillOpacity={0.88} stroke={pal.grid} />
                      <text textAnchor="middle" dy="0.32em" fontSize={10.5} fill={pal.fg}>
                        {txt}
                      </text>
                    </g>
                  );
                }),
              ),
            )}
          {pos.map((col, c) =>
            col.map((p, i) => (
              <g key={`n${c}-${i}`} transform={`translate(${p.x},${p.y})`}>
                <circle r={13} fill={pal.bg} stroke={pal.fg} strokeWidth={1.5} />
                <text textAnchor="middle" dy="0.32em" fontSize={10.5} fill={pal.fg} fontWeight={600}>
                  {nodeName(c, i)}
                </text>
              </g>
            )),
          )}
        </g>
      </svg>
      {hover && hoveredLayer && (
        <div
          className="chart-tooltip"
          role="status"
          style={{ left: Math.min(width - 304, Math.max(4, M.left + hover.x + 12)), top: Math.min(height - 40, M.top + hover.y + 12) }}
          data-testid="mg-pair-tooltip"
        >
          <div className="tt-head">
            {nodeName(hover.layer, hover.from)} → {nodeName(hover.layer + 1, hover.to)}
          </div>
          <table>
            <tbody>
              <tr>
                <th>target weight</th>
                <td data-testid="tt-target">{hoveredLayer.target[hover.from]![hover.to]!.toFixed(4)}</td>
              </tr>
              <tr>
                <th>sum of kept edges</th>
                <td data-testid="tt-approx">{hoveredLayer.approx[hover.from]![hover.to]!.toFixed(4)}</td>
              </tr>
              <tr>
                <th>candidates (kept in bold)</th>
                <td>
                  {(hoveredLayer.candidates[hover.from]![hover.to] ?? []).map((w, e) => (
                    <span key={e} style={{ fontWeight: hoveredLayer.mask[hover.from]![hover.to]![e] === 1 ? 700 : 400, opacity: hoveredLayer.mask[hover.from]![hover.to]![e] === 1 ? 1 : 0.6 }}>
                      {e > 0 ? ', ' : ''}
                      {w.toFixed(3)}
                    </span>
                  ))}
                </td>
              </tr>
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

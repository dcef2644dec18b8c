// The multigraph at the shown K: every pair of nodes joined by K curved parallel edges, the kept ones dark and thick
// (colour = sign of the candidate weight), the pruned ones faint, each pair labelled with its target and approximated
// weight when there are few; hover a pair for its weights. d3 computes paths; React renders SVG with explicit colours.
import { useMemo, useState } from 'react';
import type { MultigraphLayer } from '../../../shared/analysis';
import { chartPalette } from '../app/theme';
import { signColour } from './analysis-palette';
import { belowHead, subtitleLines, textWidth } from './axes';
import { ChartFrame, type ChartProps, ChartTooltip, LegendItem } from './parts';

export interface MultigraphNetworkProps extends ChartProps {
  layers: MultigraphLayer[];
  k: number;
  height: number;
}

interface PairHover {
  layer: number;
  from: number;
  to: number;
  x: number;
  y: number;
}

const fmtW = (w: number) => (Math.abs(w) >= 100 ? w.toFixed(0) : w.toFixed(3));

export function MultigraphNetwork(props: MultigraphNetworkProps) {
  const { layers, k, width, height, dark, title, subtitle, testId, svgRef } = props;
  const pal = chartPalette(dark);
  const [hover, setHover] = useState<PairHover | null>(null);
  const subLines = subtitleLines(subtitle, width);
  const legendTop = belowHead(subLines.length);
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
    <ChartFrame
      {...{ width, height, pal, title, subtitle, subLines, svgRef }}
      className="mg-chart"
      data-testid={testId}
      data-k={k}
      data-kept={kept}
      data-edges={total}
      overlay={hover && hoveredLayer && <PairTooltip hover={hover} layer={hoveredLayer} name={nodeName} left={Math.min(width - 304, Math.max(4, M.left + hover.x + 12))} top={Math.min(height - 40, M.top + hover.y + 12)} />}
    >
      <g transform={`translate(12,${legendTop})`} fontSize={11}>
        <LegendItem x={0} pal={pal} swatch={<line x1={0} x2={22} y1={6} y2={6} stroke={signColour(true, dark)} strokeWidth={2.4} />} textX={27} text="kept, w > 0" />
        <LegendItem x={100} pal={pal} swatch={<line x1={0} x2={22} y1={6} y2={6} stroke={signColour(false, dark)} strokeWidth={2.4} />} textX={27} text="kept, w < 0" />
        <LegendItem x={200} pal={pal} swatch={<line x1={0} x2={22} y1={6} y2={6} stroke={pal.fg2} strokeOpacity={0.35} strokeWidth={0.8} />} textX={27} text="pruned" />
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
                        stroke={on ? signColour(w >= 0, dark) : pal.fg2}
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
    </ChartFrame>
  );
}

function PairTooltip(props: { hover: PairHover; layer: MultigraphLayer; name: (c: number, i: number) => string; left: number; top: number }) {
  const { hover, layer: l, name, left, top } = props;
  const kept = l.mask[hover.from]![hover.to]!;
  return (
    <ChartTooltip
      left={left}
      top={top}
      data-testid="mg-pair-tooltip"
      head={
        <>
          {name(hover.layer, hover.from)} → {name(hover.layer + 1, hover.to)}
        </>
      }
      rows={[
        { label: 'target weight', value: l.target[hover.from]![hover.to]!.toFixed(4), testId: 'tt-target' },
        { label: 'sum of kept edges', value: l.approx[hover.from]![hover.to]!.toFixed(4), testId: 'tt-approx' },
        {
          label: 'candidates (kept in bold)',
          value: (l.candidates[hover.from]![hover.to] ?? []).map((w, e) => (
            <span key={e} style={{ fontWeight: kept[e] === 1 ? 700 : 400, opacity: kept[e] === 1 ? 1 : 0.6 }}>
              {e > 0 ? ', ' : ''}
              {w.toFixed(3)}
            </span>
          )),
        },
      ]}
    />
  );
}

// Unit-level overlap of two masks: per layer, one cell per output unit (conv: channel) coloured by whether it keeps
// at least one incoming weight in A, in B, in both or in neither; with the counts. SVG, standalone colours.
import { useState, type PointerEvent } from 'react';
import type { LayerOverlap } from '../../../shared/analysis';
import { formatInt } from '../app/format';
import { chartPalette } from '../app/theme';
import { codeColours, UNIT_CODE_NAMES } from './overlap-data';
import { belowHead, subtitleLines } from './axes';
import { ChartFrame, type ChartProps, ChartTooltip, LegendItem } from './parts';

export interface OverlapUnitsProps extends ChartProps {
  layers: LayerOverlap[];
}

const PITCH = 8;
const CELL = 7;
const HEAD = 18;

/** Layout of the strips: per layer its top, and cells per row (shared). */
export function unitsLayout(layers: LayerOverlap[], width: number, top: number) {
  const perRow = Math.max(10, Math.floor((width - 24) / PITCH));
  let y = top;
  const rows = layers.map((l) => {
    const n = Math.max(1, Math.ceil(l.unitCodes.length / perRow));
    const r = { layer: l, top: y, cellsTop: y + HEAD, rows: n };
    y += HEAD + n * PITCH + 10;
    return r;
  });
  return { perRow, rows, bottom: y };
}

interface Hover {
  layer: string;
  unit: number;
  code: number;
  x: number;
  y: number;
}

export function OverlapUnits({ layers, width, dark, title, subtitle, testId, svgRef }: OverlapUnitsProps) {
  const pal = chartPalette(dark);
  const colours = codeColours(dark);
  const [hover, setHover] = useState<Hover | null>(null);
  const subLines = subtitleLines(subtitle, width);
  const legendTop = belowHead(subLines.length);
  const { perRow, rows, bottom } = unitsLayout(layers, width, legendTop + 24);
  const height = bottom + 6;

  const onMove = (e: PointerEvent<SVGRectElement>, r: (typeof rows)[number]) => {
    const box = (e.currentTarget.ownerSVGElement ?? e.currentTarget).getBoundingClientRect();
    const mx = e.clientX - box.left - 12;
    const my = e.clientY - box.top - r.cellsTop;
    const col = Math.floor(mx / PITCH);
    const row = Math.floor(my / PITCH);
    const unit = row * perRow + col;
    if (col < 0 || col >= perRow || row < 0 || unit >= r.layer.unitCodes.length) {
      setHover(null);
      return;
    }
    const code = r.layer.unitCodes[unit]!;
    setHover((h) => (h && h.layer === r.layer.layer && h.unit === unit ? h : { layer: r.layer.layer, unit, code, x: 12 + col * PITCH, y: r.cellsTop + row * PITCH }));
  };

  return (
    <ChartFrame
      {...{ width, height, pal, title, subtitle, subLines, svgRef }}
      className="overlap-chart"
      data-testid={testId}
      overlay={
        hover && (
          <ChartTooltip
            extraClass="small-tip"
            left={Math.min(width - 230, hover.x + 14)}
            top={hover.y + 12}
            data-testid="unit-tooltip"
            data-layer={hover.layer}
            data-unit={hover.unit}
            data-code={hover.code}
          >
            <b>{hover.layer}</b> unit {hover.unit}: {UNIT_CODE_NAMES[hover.code] ?? `code ${hover.code}`}
          </ChartTooltip>
        )
      }
    >
      <g transform={`translate(12,${legendTop})`} fontSize={11}>
        {[3, 1, 2, 0].map((c, i) => (
          <LegendItem
            key={c}
            x={i * 118}
            pal={pal}
            swatch={<rect width={10} height={10} y={1} fill={colours[c]} stroke={c === 0 ? pal.frame : 'none'} />}
            textX={15}
            text={UNIT_CODE_NAMES[c]}
          />
        ))}
      </g>
      {rows.map((r) => {
        const l = r.layer;
        const dead = l.unitCodes.filter((c) => c === 0).length;
        return (
          <g key={l.layer} data-testid="unit-layer" data-layer={l.layer} data-alive-a={l.aliveA} data-alive-b={l.aliveB} data-alive-both={l.aliveBoth}>
            <text x={12} y={r.top + 12} fontSize={11.5} fill={pal.fg}>
              <tspan fontWeight={600}>{l.layer}</tspan>
              <tspan fill={pal.fg2}>
                {` · ${l.kind} · ${formatInt(l.units)} ${l.kind === 'conv' ? 'channels' : 'units'} — alive in A ${formatInt(l.aliveA)}, in B ${formatInt(l.aliveB)}, in both ${formatInt(l.aliveBoth)}; dead in both ${formatInt(dead)}`}
              </tspan>
            </text>
            {l.unitCodes.map((c, u) => (
              <rect
                key={u}
                x={12 + (u % perRow) * PITCH}
                y={r.cellsTop + Math.floor(u / perRow) * PITCH}
                width={CELL}
                height={CELL}
                fill={colours[c] ?? pal.fg2}
              />
            ))}
            <rect
              className="no-export"
              x={12}
              y={r.cellsTop}
              width={perRow * PITCH}
              height={r.rows * PITCH}
              fill="transparent"
              onPointerMove={(e) => onMove(e, r)}
              onPointerLeave={() => setHover(null)}
              data-testid="unit-layer-hit"
              data-layer={l.layer}
            />
          </g>
        );
      })}
      {hover && <rect className="no-export" x={hover.x - 1} y={hover.y - 1} width={CELL + 2} height={CELL + 2} fill="none" stroke={pal.fg} strokeWidth={1.5} pointerEvents="none" />}
    </ChartFrame>
  );
}

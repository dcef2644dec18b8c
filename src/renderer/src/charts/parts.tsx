// The parts every chart is built from, so a chart file holds only what is its own: the frame (a wrapper for the
// tooltip, the SVG with its background, title and wrapped subtitle), grids and axis titles, legend items and the
// hover tooltip. d3 computes (scales, ticks, paths); these render with the explicit palette (app/theme.ts), so an
// exported SVG or PNG looks as drawn. The pure layout helpers (subtitle lines, legend flow, tooltip placement) are
// in axes.ts.
import type { HTMLAttributes, ReactNode, Ref, SVGAttributes } from 'react';
import type { ChartPalette } from '../app/theme';
import { SUBTITLE_PITCH, SUBTITLE_TOP } from './axes';

/** Sets a ref of either kind (callback or object) to `el`; for charts that keep their own ref as well. */
export function assignRef<T>(ref: Ref<T> | undefined, el: T | null): void {
  if (typeof ref === 'function') ref(el);
  else if (ref) (ref as { current: T | null }).current = el;
}

/** Sizes a canvas to `width` × `height` CSS px at `dpr` device pixels per px (canvas views); its 2D context. */
export function sizeCanvas(cv: HTMLCanvasElement, width: number, height: number, dpr: number): CanvasRenderingContext2D | null {
  cv.width = Math.round(width * dpr);
  cv.height = Math.round(height * dpr);
  cv.style.width = `${width}px`;
  cv.style.height = `${height}px`;
  return cv.getContext('2d');
}

/** What every SVG chart takes: its width, theme, title and subtitle (drawn, and its label), test id and SVG ref. */
export interface ChartProps {
  width: number;
  dark: boolean;
  title: string;
  subtitle: string;
  testId: string;
  svgRef?: Ref<SVGSVGElement>;
}

export interface ChartFrameProps extends Omit<HTMLAttributes<HTMLDivElement>, 'title' | 'children'> {
  width: number;
  height: number;
  pal: ChartPalette;
  title: string;
  subtitle: string;
  /** subtitleLines(subtitle, width) (the chart lays out below them). */
  subLines: string[];
  /** The title as drawn, when it must be clipped; the full title stays in the SVG's label. */
  shownTitle?: string;
  /** Baseline of the first subtitle line. */
  subtitleTop?: number;
  svgRef?: Ref<SVGSVGElement>;
  /** SVG <defs> (patterns, gradients), drawn before the background. */
  defs?: ReactNode;
  /** HTML over the chart (its tooltip), after the SVG. */
  overlay?: ReactNode;
  /** The SVG content under the title. */
  children: ReactNode;
}

/**
 * A chart: the wrapper <div> (position: relative, for the tooltip) with the SVG, its background, title and subtitle.
 * Charts pass their frame as one object: <ChartFrame {...{ width, height, pal, title, subtitle, subLines, svgRef }} …>.
 */
export function ChartFrame(props: ChartFrameProps) {
  const { width, height, pal, title, subtitle, subLines, shownTitle, subtitleTop = SUBTITLE_TOP, svgRef, defs, overlay, children, style, ...div } = props;
  return (
    <div style={{ position: 'relative', ...style }} {...div}>
      <svg ref={svgRef} width={width} height={height} role="img" aria-label={`${title}. ${subtitle}`} fontFamily={pal.font} style={{ display: 'block' }}>
        {defs && <defs>{defs}</defs>}
        <rect width={width} height={height} fill={pal.bg} />
        <text x={12} y={19} fill={pal.fg} fontSize={13} fontWeight={600}>
          {shownTitle ?? title}
        </text>
        {subLines.map((l, i) => (
          <text key={i} x={12} y={subtitleTop + i * SUBTITLE_PITCH} fill={pal.fg2} fontSize={11}>
            {l}
          </text>
        ))}
        {children}
      </svg>
      {overlay}
    </div>
  );
}

type Scale = (v: number) => number;

/** Horizontal grid lines across the plot at `ticks`, labelled left of it. */
export function YGrid(props: { ticks: number[]; y: Scale; width: number; pal: ChartPalette; format: (t: number) => string; labelX?: number; fontSize?: number }) {
  const { ticks, y, width, pal, format, labelX = -7, fontSize = 11 } = props;
  return (
    <>
      {ticks.map((t) => (
        <g key={t} transform={`translate(0,${y(t)})`}>
          <line x2={width} stroke={pal.grid} />
          <text x={labelX} dy="0.32em" textAnchor="end" fill={pal.fg2} fontSize={fontSize}>
            {format(t)}
          </text>
        </g>
      ))}
    </>
  );
}

/** Vertical grid lines down the plot at `ticks`, with tick marks and labels under it. */
export function XGrid(props: { ticks: number[]; x: Scale; height: number; pal: ChartPalette; format: (t: number) => string }) {
  const { ticks, x, height, pal, format } = props;
  return (
    <>
      {ticks.map((t) => (
        <g key={t} transform={`translate(${x(t)},0)`}>
          <line y2={height} stroke={pal.grid} />
          <line y1={height} y2={height + 5} stroke={pal.frame} />
          <text y={height + 18} textAnchor="middle" fill={pal.fg2} fontSize={11}>
            {format(t)}
          </text>
        </g>
      ))}
    </>
  );
}

/** The plot's outline. */
export function PlotFrame({ width, height, pal }: { width: number; height: number; pal: ChartPalette }) {
  return <rect width={width} height={height} fill="none" stroke={pal.frame} />;
}

/** An axis title: along the left of the plot (rotated, centred on `height`), or centred under it at `y`. */
export function AxisTitle(props: { side: 'left' | 'bottom'; at: number; width?: number; height?: number; pal: ChartPalette; colour?: string; fontSize?: number; children: ReactNode }) {
  const { side, at, width = 0, height = 0, pal, colour = pal.fg, fontSize = 12, children } = props;
  return side === 'left' ? (
    <text transform={`translate(${at},${height / 2}) rotate(-90)`} textAnchor="middle" fill={colour} fontSize={fontSize}>
      {children}
    </text>
  ) : (
    <text x={width / 2} y={at} textAnchor="middle" fill={colour} fontSize={fontSize}>
      {children}
    </text>
  );
}

export interface LegendItemProps extends Omit<SVGAttributes<SVGGElement>, 'x' | 'y' | 'children'> {
  x: number;
  y?: number;
  /** The swatch (a line, a symbol, a box), drawn in the item's own coordinates. */
  swatch: ReactNode;
  text: ReactNode;
  /** Where the text starts, right of the swatch. */
  textX: number;
  pal: ChartPalette;
  /** Inherited from the legend's group when not given. */
  fontSize?: number;
}

/** One legend entry: swatch and text at (x, y). */
export function LegendItem({ x, y = 0, swatch, text, textX, pal, fontSize, ...g }: LegendItemProps) {
  return (
    <g transform={`translate(${x},${y})`} {...g}>
      {swatch}
      <text x={textX} y={10} fill={pal.fg} fontSize={fontSize}>
        {text}
      </text>
    </g>
  );
}

/** The pitch of a flowed legend's rows. */
export const LEGEND_ROW = 17;

/**
 * A legend flowed in rows (flowLegendTexts) at (12, `top`), in 11 px type: one LegendItem per entry, with the swatch,
 * text offset and attributes (test ids) `item` gives for the entry's index.
 */
export function FlowLegend(props: {
  top: number;
  items: readonly { x: number; row: number; i: number; text: string }[];
  pal: ChartPalette;
  className?: string;
  item: (i: number) => Omit<LegendItemProps, 'x' | 'y' | 'text' | 'pal' | 'fontSize'>;
}) {
  const { top, items, pal, className, item } = props;
  return (
    <g transform={`translate(12,${top})`} className={className}>
      {items.map((it) => (
        <LegendItem key={it.i} x={it.x} y={it.row * LEGEND_ROW} pal={pal} fontSize={11} text={it.text} {...item(it.i)} />
      ))}
    </g>
  );
}

/** A tooltip row: the name (th) and its value (td, with the test id). */
export interface TipRow {
  key?: string | number;
  label: ReactNode;
  value: ReactNode;
  testId?: string;
}

export function TipRows({ rows }: { rows: TipRow[] }) {
  return (
    <table>
      <tbody>
        {rows.map((r, i) => (
          <tr key={r.key ?? i}>
            <th>{r.label}</th>
            <td data-testid={r.testId}>{r.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface ChartTooltipProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  left: number;
  top: number;
  /** Overrides the stylesheet's width. */
  width?: number;
  /** Extra classes after "chart-tooltip"; `base` replaces that class (the training curve has its own). */
  extraClass?: string;
  base?: string;
  head?: ReactNode;
  rows?: TipRow[];
  children?: ReactNode;
}

/** The hover box over a chart: a heading, rows of name and value, and anything after them (notes, a second table). */
export function ChartTooltip({ left, top, width, extraClass, base = 'chart-tooltip', head, rows, children, ...div }: ChartTooltipProps) {
  return (
    <div className={extraClass ? `${base} ${extraClass}` : base} role="status" style={{ left, top, width }} {...div}>
      {head !== undefined && <div className="tt-head">{head}</div>}
      {rows && <TipRows rows={rows} />}
      {children}
    </div>
  );
}

// Selectivity small multiples: per layer, the histogram of unit AUROC for the class (one outlined step histogram per
// state, overlaid in the state's colour), the permutation null of the layer's best unit (one rug row per state under
// the axis: a tick per permutation, the 5–95% range as a bar), the threshold line, and each state's best unit marked
// (a triangle at its AUROC; click or Enter opens its activation maps). One SVG with explicit colours, so PNG/SVG
// exports are the figure as shown. d3 computes scales and paths; React renders. A layer's panel: AurocPanel.tsx.
import { useMemo, useState, type KeyboardEvent, type Ref } from 'react';
import { scaleLinear } from 'd3';
import type { SelectivityResult } from '../../../shared/analysis';
import { stateAccuracyText } from '../../../shared/objective';
import { formatInt } from '../app/format';
import { chartPalette } from '../app/theme';
import { stateColour } from './analysis-palette';
import { AurocPanel, CAPTIONS_H, M, ROW, RUG, STRIP, unitsWord, type CountScale, type HistLayout, type Hover } from './AurocPanel';
import { flowLegendTexts, subtitleLines } from './axes';
import { ChartFrame, ChartTooltip, FlowLegend, LEGEND_ROW } from './parts';
import { BIN_WIDTH, panelsOf, type Pooling } from './selectivity-data';

export type { CountScale, HistLayout } from './AurocPanel';

export interface AurocHistogramProps {
  result: SelectivityResult;
  pooling: Pooling;
  /** One strip per state (ridgeline), or every state's histogram overlaid in one plot. */
  layout: HistLayout;
  /** Bar heights: proportional to the count, or to its square root (so a spike of dead units at 0.5 does not flatten the rest). */
  countScale: CountScale;
  width: number;
  dark: boolean;
  svgRef?: Ref<SVGSVGElement>;
  /** A best unit was activated (click / Enter): state index in the result, layer, unit. */
  onUnit: (si: number, layer: string, unit: number) => void;
}

const PLOT_H = 112;

export function AurocHistogram({ result, pooling, layout, countScale, width, dark, svgRef, onUnit }: AurocHistogramProps) {
  const pal = chartPalette(dark);
  const panels = useMemo(() => panelsOf(result, pooling), [result, pooling]);
  const [hover, setHover] = useState<Hover | null>(null);
  const nStates = result.states.length;

  const cols = width >= 1100 ? 3 : width >= 720 ? 2 : 1;
  const gapX = 18;
  const gapY = 14;
  const pw = Math.floor((width - 24 - (cols - 1) * gapX) / cols);
  const innerW = Math.max(80, pw - M.left - M.right);
  const headH = 18 + nStates * ROW + 6;
  const plotH = layout === 'rows' ? nStates * STRIP : PLOT_H;
  const panelH = headH + plotH + 18 + (layout === 'rows' ? 0 : nStates * RUG + 2) + CAPTIONS_H;
  const x = scaleLinear().domain([0, 1]).range([0, innerW]);

  const title = `Unit selectivity for class “${result.class.name}” (index ${result.class.index}): AUROC of each unit, “${result.class.name}” vs. rest`;
  const poolText = pooling === 'max' ? 'max over its map' : 'mean over its map';
  const subtitle =
    `${formatInt(result.images)} ${result.split} images (${formatInt(result.positives)} of class ${result.class.name}) · conv channels: ${poolText} per image · ` +
    `null: the layer's best-unit AUROC under ${formatInt(result.permutations)} label permutations (a tick per permutation, bar 5–95%) · ` +
    `dashed: detector threshold ${result.threshold} · ▲ best unit (click for its activation maps) · probe: balanced accuracy of a linear probe on the layer`;
  const subLines = subtitleLines(subtitle, width, 3);

  // Legend: one item per state, wrapped.
  const legend = useMemo(
    () => flowLegendTexts(result.states.map((s) => `${s.state.label} · ${stateAccuracyText(s, result.split === 'test' ? 'test' : 'val.')}`), 22, 20, width - 24),
    [result.states, result.split, width],
  );

  const legendTop = 34 + subLines.length * 14;
  const gridTop = legendTop + legend.rows * LEGEND_ROW + 10;
  const rows = Math.ceil(panels.length / cols);
  const height = gridTop + rows * panelH + (rows - 1) * gapY + 12;

  const activate = (si: number, layer: string, unit: number) => onUnit(si, layer, unit);
  const onKey = (e: KeyboardEvent, si: number, layer: string, unit: number) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      activate(si, layer, unit);
    }
  };

  const hoveredPanel = hover ? panels[hover.panel] : undefined;

  return (
    <ChartFrame
      {...{ width, height, pal, title, subtitle, subLines, svgRef }}
      className="sel-chart"
      data-testid="selectivity-chart"
      data-panels={panels.length}
      data-states={nStates}
      data-pooling={pooling}
      subtitleTop={36}
      overlay={
        hover &&
        hoveredPanel && (
          <ChartTooltip
            extraClass="sel-tooltip"
            left={Math.min(width - 250, hover.x + 14)}
            top={hover.y + 10}
            width={240}
            data-testid="sel-tooltip"
            data-layer={hoveredPanel.layer}
            data-bin={hover.bin}
            head={
              <>
                {hoveredPanel.layer}: AUROC {(hover.bin * BIN_WIDTH).toFixed(3)}–{((hover.bin + 1) * BIN_WIDTH).toFixed(3)}
              </>
            }
            rows={hoveredPanel.states.map((s) => ({
              key: s.si,
              label: (
                <>
                  <span className="swatch" style={{ background: stateColour(s.si, dark) }} />
                  {s.state.state.label}
                </>
              ),
              value: `${s.counts[hover.bin]} of ${s.layer.units} ${unitsWord(hoveredPanel.kind)}`,
            }))}
          />
        )
      }
    >
      <FlowLegend
        top={legendTop}
        items={legend.items}
        pal={pal}
        item={(si) => ({
          'data-testid': 'sel-legend-item',
          'data-state': result.states[si]!.state.ref,
          swatch: <rect y={1} width={16} height={9} fill={stateColour(si, dark)} fillOpacity={0.25} stroke={stateColour(si, dark)} strokeWidth={1.5} />,
          textX: 22,
        })}
      />
      {panels.map((panel, pi) => {
        const px = 12 + (pi % cols) * (pw + gapX);
        const py = gridTop + Math.floor(pi / cols) * (panelH + gapY);
        return (
          <AurocPanel
            key={panel.layer}
            panel={panel}
            pi={pi}
            px={px}
            py={py}
            pw={pw}
            headH={headH}
            plotH={plotH}
            layout={layout}
            countScale={countScale}
            innerW={innerW}
            x={x}
            result={result}
            pooling={pooling}
            dark={dark}
            hover={hover}
            setHover={setHover}
            activate={activate}
            onKey={onKey}
          />
        );
      })}
    </ChartFrame>
  );
}

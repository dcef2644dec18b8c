// Per-layer mask overlap of two states against chance: for each layer and overall, the observed Jaccard index (or
// overlap coefficient) beside the value expected for independent random masks of the same densities, with the ratio
// observed / chance above. d3 computes the scales; React renders SVG with explicit colours (standalone exports).
import { useMemo, useState } from 'react';
import { scaleBand, scaleLinear } from 'd3';
import type { LayerOverlap, OverlapStats } from '../../../shared/analysis';
import { formatInt } from '../app/format';
import { chartPalette } from '../app/theme';
import { belowHead, subtitleLines, textWidth } from './axes';
import { fmt4, fmtPct, fmtRatio } from './overlap-data';
import { AxisTitle, ChartFrame, type ChartProps, ChartTooltip, LegendItem, PlotFrame, type TipRow, YGrid } from './parts';

export type OverlapMetric = 'jaccard' | 'overlapCoefficient';

export const METRIC_TEXT: Record<OverlapMetric, { axis: string; short: string }> = {
  jaccard: { axis: 'Jaccard index |A∩B| / |A∪B|', short: 'Jaccard' },
  overlapCoefficient: { axis: 'overlap coefficient |A∩B| / min(|A|, |B|)', short: 'overlap coef.' },
};

export interface OverlapBarsProps extends ChartProps {
  layers: LayerOverlap[];
  overall: OverlapStats;
  metric: OverlapMetric;
  height: number;
}

interface Group {
  key: string;
  stats: OverlapStats;
  layer: LayerOverlap | null;
}

export const observedColour = (dark: boolean) => (dark ? '#56b4e9' : '#0072b2');
const chanceColour = (dark: boolean) => (dark ? '#7d8590' : '#9aa3ad');

function values(s: OverlapStats, metric: OverlapMetric): { obs: number | null; exp: number | null; ratio: number | null } {
  if (metric === 'jaccard') return { obs: s.jaccard, exp: s.expectedJaccard, ratio: s.jaccardRatio };
  const ratio = s.overlapCoefficient !== null && s.expectedOverlapCoefficient ? s.overlapCoefficient / s.expectedOverlapCoefficient : null;
  return { obs: s.overlapCoefficient, exp: s.expectedOverlapCoefficient, ratio };
}

export function OverlapBars(props: OverlapBarsProps) {
  const { layers, overall, metric, width, height, dark, title, subtitle, testId, svgRef } = props;
  const pal = chartPalette(dark);
  const [hover, setHover] = useState<string | null>(null);
  const groups: Group[] = useMemo(
    () => [...layers.map((l) => ({ key: l.layer, stats: l as OverlapStats, layer: l })), { key: 'overall', stats: overall, layer: null }],
    [layers, overall],
  );
  const subLines = subtitleLines(subtitle, width);
  const legendTop = belowHead(subLines.length);
  const M = { top: legendTop + 22, right: 16, bottom: 58, left: 58 };
  const innerW = Math.max(80, width - M.left - M.right);
  const innerH = Math.max(60, height - M.top - M.bottom);

  const x = scaleBand<string>()
    .domain(groups.map((g) => g.key))
    .range([0, innerW])
    .paddingInner(0.28)
    .paddingOuter(0.14);
  const bw = x.bandwidth();
  const yMax = Math.max(0, ...groups.flatMap((g) => { const v = values(g.stats, metric); return [v.obs ?? 0, v.exp ?? 0]; }));
  const y = scaleLinear()
    .domain([0, Math.min(1, Math.max(0.02, yMax * 1.18))])
    .nice(6)
    .range([innerH, 0]);
  const yTicks = y.ticks(6);
  const tickFmt = (t: number) => (y.domain()[1]! <= 0.1 ? t.toFixed(3) : t.toFixed(2));
  const showDensity = bw >= 74;
  const hatchId = `${testId}-hatch`;
  const hovered = groups.find((g) => g.key === hover) ?? null;

  const chance = 'chance: random masks with the same per-layer densities';
  return (
    <ChartFrame
      {...{ width, height, pal, title, subtitle, subLines, svgRef }}
      className="overlap-chart"
      data-testid={testId}
      data-groups={groups.length}
      data-metric={metric}
      defs={
        <pattern id={hatchId} width={5} height={5} patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <rect width={5} height={5} fill={pal.bg} />
          <line x1={0} y1={0} x2={0} y2={5} stroke={chanceColour(dark)} strokeWidth={2.2} />
        </pattern>
      }
      overlay={
        hovered && (
          <StatsTooltip
            group={hovered}
            left={Math.min(width - 310, Math.max(4, M.left + x(hovered.key)! + bw + 8 > width - 300 ? M.left + x(hovered.key)! - 308 : M.left + x(hovered.key)! + bw + 8))}
            top={M.top + 4}
          />
        )
      }
    >
      <g transform={`translate(12,${legendTop})`} fontSize={11}>
        <LegendItem x={0} pal={pal} swatch={<rect width={14} height={10} y={1} fill={observedColour(dark)} />} textX={19} text="observed" />
        {/* At x = 90 in the legend's own coordinates: the hatch pattern is laid in user space, as in the bars. */}
        <LegendItem x={0} pal={pal} swatch={<rect x={90} width={14} height={10} y={1} fill={`url(#${hatchId})`} stroke={chanceColour(dark)} />} textX={109} text={chance} />
        <text x={109 + textWidth(chance, 11) + 16} y={10} fill={pal.fg2}>
          ×r = observed / chance
        </text>
      </g>
      <g transform={`translate(${M.left},${M.top})`}>
        <YGrid ticks={yTicks} y={y} width={innerW} pal={pal} format={tickFmt} />
        <PlotFrame width={innerW} height={innerH} pal={pal} />
        <AxisTitle side="left" at={-46} height={innerH} pal={pal}>
          {METRIC_TEXT[metric].axis}
        </AxisTitle>
        {groups.map((g) => {
          const gx = x(g.key)!;
          const v = values(g.stats, metric);
          const half = bw / 2;
          const pA = g.stats.size ? g.stats.keptA / g.stats.size : null;
          const pB = g.stats.size ? g.stats.keptB / g.stats.size : null;
          return (
            <g
              key={g.key}
              transform={`translate(${gx},0)`}
              data-testid="overlap-bar"
              data-layer={g.key}
              data-observed={v.obs ?? ''}
              data-expected={v.exp ?? ''}
              data-ratio={v.ratio ?? ''}
            >
              {g.key === 'overall' && <line x1={-x.step() * 0.14} x2={-x.step() * 0.14} y2={innerH} stroke={pal.frame} strokeDasharray="3 3" />}
              {v.obs !== null && <rect x={0} width={half - 1} y={y(v.obs)} height={Math.max(0, innerH - y(v.obs))} fill={observedColour(dark)} />}
              {v.exp !== null && (
                <rect x={half + 1} width={half - 1} y={y(v.exp)} height={Math.max(0, innerH - y(v.exp))} fill={`url(#${hatchId})`} stroke={chanceColour(dark)} />
              )}
              {v.obs !== null && (
                <text x={half / 2} y={y(v.obs) - 4} textAnchor="middle" fill={pal.fg} fontSize={10.5}>
                  {fmt4(v.obs).replace(/^0/, '')}
                </text>
              )}
              {v.ratio !== null && (
                <text x={half} y={Math.min(y(v.obs ?? 0), y(v.exp ?? 0)) - 17} textAnchor="middle" fill={pal.fg} fontSize={11} fontWeight={600}>
                  {fmtRatio(v.ratio)}
                </text>
              )}
              <text x={half} y={innerH + 16} textAnchor="middle" fill={pal.fg} fontSize={11.5} fontWeight={g.key === 'overall' ? 600 : 400}>
                {g.key}
              </text>
              {showDensity && (
                <text x={half} y={innerH + 30} textAnchor="middle" fill={pal.fg2} fontSize={10}>
                  {fmtPct(pA, 1)} / {fmtPct(pB, 1)}
                </text>
              )}
              <rect
                className="no-export"
                x={-x.step() * 0.1}
                width={bw + x.step() * 0.2}
                height={innerH}
                fill={hover === g.key ? pal.fg : 'transparent'}
                fillOpacity={hover === g.key ? 0.06 : 0}
                tabIndex={0}
                role="button"
                aria-label={`${g.key}: ${METRIC_TEXT[metric].short} ${fmt4(v.obs)}, chance ${fmt4(v.exp)}, ratio ${fmtRatio(v.ratio)}`}
                onPointerEnter={() => setHover(g.key)}
                onPointerLeave={() => setHover(null)}
                onFocus={() => setHover(g.key)}
                onBlur={() => setHover(null)}
                data-testid="overlap-bar-hit"
                data-layer={g.key}
              />
            </g>
          );
        })}
        <AxisTitle side="bottom" at={innerH + (showDensity ? 46 : 34)} width={innerW} pal={pal} colour={pal.fg2} fontSize={11}>
          layer{showDensity ? ' · weights kept in A / in B (% of the layer)' : ''}
        </AxisTitle>
      </g>
    </ChartFrame>
  );
}

function StatsTooltip({ group, left, top }: { group: Group; left: number; top: number }) {
  const s = group.stats;
  const l = group.layer;
  const rows: TipRow[] = [
    { label: 'weights', value: formatInt(s.size) },
    { label: 'kept in A', value: `${formatInt(s.keptA)} (${fmtPct(s.size ? s.keptA / s.size : null)})` },
    { label: 'kept in B', value: `${formatInt(s.keptB)} (${fmtPct(s.size ? s.keptB / s.size : null)})` },
    { label: 'kept in both / either', value: `${formatInt(s.both)} / ${formatInt(s.union)}` },
    { label: 'kept in both by chance', value: formatInt(Math.round(s.expectedBoth)), testId: 'tt-expected-both' },
    { label: 'Jaccard', value: fmt4(s.jaccard), testId: 'tt-jaccard' },
    { label: 'chance Jaccard', value: fmt4(s.expectedJaccard), testId: 'tt-expected' },
    { label: 'ratio to chance', value: fmtRatio(s.jaccardRatio), testId: 'tt-ratio' },
    { label: 'overlap coef. (chance)', value: `${fmt4(s.overlapCoefficient)} (${fmt4(s.expectedOverlapCoefficient)})` },
    { label: 'sign agreement', value: s.signAgreement === null ? '— (needs weights)' : fmtPct(s.signAgreement) },
  ];
  if (l) rows.push({ label: 'alive units A / B / both', value: `${formatInt(l.aliveA)} / ${formatInt(l.aliveB)} / ${formatInt(l.aliveBoth)}` });
  return (
    <ChartTooltip
      left={left}
      top={top}
      data-testid="overlap-tooltip"
      data-layer={group.key}
      head={
        <>
          {group.key}
          {l && <span className="muted"> · {l.kind}, {formatInt(l.units)} {l.kind === 'conv' ? 'channels' : 'units'}</span>}
        </>
      }
      rows={rows}
    />
  );
}

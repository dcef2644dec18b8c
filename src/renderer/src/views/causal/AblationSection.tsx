// The Selectivity view's causal check (issue #12): ablate every unit of a layer, one at a time, in each shown state
// (analyzeAblationScan, cached in the core) and plot each unit's AUROC against what ablating it removes of the class
// logit, one colour per state; the table beside lists the top units by AUROC with their effect. Selective is not the
// same as needed (Morcos et al. 2018): a detector far right but low here is not used by the net's class logit.
import { useMemo, useRef, useState } from 'react';
import type { SelectivityResult } from '../../../../shared/analysis';
import { CAUSAL_DEFAULTS, type LayerScanResult } from '../../../../shared/causal';
import type { Api } from '../../../../shared/contract';
import { AnalysisStatus } from '../../analysis/AnalysisStatus';
import { StateCell, TableHead } from '../../analysis/TableHead';
import { Select } from '../../analysis/controls';
import { useAnalysis } from '../../analysis/useAnalysis';
import { stateColour } from '../../charts/analysis-palette';
import { formatInt } from '../../app/format';
import { clipLabel } from '../../charts/axes';
import { ChartCard } from '../../charts/ExportButtons';
import { poolOf, type Pooling } from '../../charts/selectivity-data';

const TOP = 5;

/** One call after another: a request id names one call in progress at a time (cancellation, progress). */
export async function inTurn<T, R>(items: readonly T[], f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const x of items) out.push(await f(x));
  return out;
}

/** What the scan ran on: the counts it reports once it has run, else what it asks for (the core's defaults). */
function imagesText(images: { class: number; other: number; reference: number } | undefined, cls: string): string {
  const [reference, evaluation, share] = images
    ? [formatInt(images.reference), `the first ${formatInt(images.class + images.other)}`, ` (${formatInt(images.class)} of class ${cls})`]
    : [`up to ${formatInt(CAUSAL_DEFAULTS.reference)}`, `up to the first ${formatInt(CAUSAL_DEFAULTS.evaluation)}`, ''];
  return `Every unit of the layer replaced by its mean over ${reference} training images, one at a time, on ${evaluation} test images${share}`;
}

/** The per-layer unit scans of every shown state, asked for on demand (a button): shared by this section and the table. */
export function useLayerScans(api: Api, result: SelectivityResult | null) {
  // Hidden layers only: the output layer's units are the logits. Default: the last hidden layer.
  const layers = result?.states[0]?.layers.slice(0, -1).map((l) => l.layer) ?? [];
  const [chosen, setLayer] = useState<string | null>(null);
  const layer = chosen !== null && layers.includes(chosen) ? chosen : (layers[layers.length - 1] ?? '');
  const [asked, setAsked] = useState(false);
  const refs = result?.states.map((s) => s.state.ref) ?? [];
  const cls = result?.class.index ?? -1;
  const scan = useAnalysis<LayerScanResult[]>(
    asked && layer && result ? (call) => inTurn(refs, (state) => api.analyzeAblationScan({ state, class: cls, layer }, call)) : null,
    [asked, layer, refs.join(','), cls],
    { api, kind: 'ablation-scan' },
  );
  const ask = (l: string) => {
    setLayer(l);
    setAsked(true);
  };
  return { ...scan, layers, layer, setLayer, asked, ask };
}
export type LayerScans = ReturnType<typeof useLayerScans>;

export function AblationSection(props: { scans: LayerScans; result: SelectivityResult; pooling: Pooling; dark: boolean; width: number; stem: string; onError: (m: string) => void }) {
  const { result, pooling, dark, width, stem, onError } = props;
  const { layers, layer, setLayer, asked, ask, result: scans, loading, error, progress, rerun } = props.scans;
  const svg = useRef<SVGSVGElement | null>(null);
  const points = useMemo(() => {
    if (!scans) return [];
    return scans.map((scan, si) => {
      const l = result.states[si]?.layers.find((x) => x.layer === scan.layer);
      const p = l ? poolOf(l, pooling) : null;
      return scan.units.map((u) => ({ si, unit: u.unit, auroc: p?.auroc[u.unit] ?? 0.5, drop: u.targetLogitDrop, acc: u.accuracy }));
    });
  }, [scans, result, pooling]);
  return (
    <section className="av-table" data-testid="abl-section">
      <div className="table-head">
        <h3>Does the net use its selective units? Ablation of each unit</h3>
        <span className="muted">
          {imagesText(scans?.[0]?.images, result.class.name)}; the drop of the {result.class.name} logit on its images (before minus after; 0 = no effect) against the unit&apos;s AUROC (0.5 = chance).
        </span>
      </div>
      <div className="toolbar av-toolbar">
        <Select label="layer" value={layer} options={layers.map((l) => ({ value: l, label: l }))} onChange={(v) => setLayer(v)} testId="abl-layer" />
        <button type="button" className="btn small" onClick={() => ask(layer)} disabled={asked && loading} data-testid="abl-run">
          ablate every unit of {layer}
        </button>
      </div>
      <AnalysisStatus what="Ablation" loading={loading} error={error} progress={progress} onRetry={rerun} testId="abl" />
      {scans && (
        <div className="av-row">
          <ChartCard svgRef={svg} stem={`${stem}-ablation-${layer}`} testId="abl-export" onError={onError} what="the AUROC-against-ablation scatter">
            <Scatter points={points} width={Math.min(840, Math.max(420, width - 2))} dark={dark} svgRef={svg} cls={result.class.name} labels={result.states.map((s) => s.state.label)} />
          </ChartCard>
          <table className="results av-results" data-testid="abl-table">
            <TableHead cells={['state', 'unit', 'AUROC', `${result.class.name} logit drop`, 'accuracy after (before)']} />
            <tbody>
              {points.flatMap((ps, si) =>
                [...ps]
                  .sort((a, b) => b.auroc - a.auroc)
                  .slice(0, TOP)
                  .map((p) => (
                    <tr key={`${si}:${p.unit}`} data-testid="abl-row">
                      <StateCell si={si} label={result.states[si]!.state.label} dark={dark} />
                      <td>#{p.unit}</td>
                      <td>{p.auroc.toFixed(3)}</td>
                      <td>{p.drop.toFixed(3)}</td>
                      <td>
                        {(p.acc * 100).toFixed(1)}% ({((scans[si]?.before.accuracy ?? 0) * 100).toFixed(1)}%)
                      </td>
                    </tr>
                  )),
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

type Point = { si: number; unit: number; auroc: number; drop: number };

function Scatter(props: { points: Point[][]; width: number; dark: boolean; svgRef: React.MutableRefObject<SVGSVGElement | null>; cls: string; labels: string[] }) {
  const { points, width, dark, svgRef, cls, labels } = props;
  const H = 320;
  const m = { l: 56, r: 200, t: 12, b: 44 };
  const all = points.flat();
  const lo = Math.min(0, ...all.map((p) => p.drop));
  const hi = Math.max(1e-6, ...all.map((p) => p.drop));
  const x = (a: number) => m.l + a * (width - m.l - m.r);
  const y = (d: number) => H - m.b - ((d - lo) / (hi - lo)) * (H - m.t - m.b);
  const ink = dark ? '#ddd' : '#222';
  const grid = dark ? '#444' : '#e5e5e5';
  const yTicks = Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
  return (
    <svg ref={svgRef} width={width} height={H} viewBox={`0 0 ${width} ${H}`} role="img" aria-label={`AUROC against the ${cls} logit drop`} data-testid="abl-scatter" fontSize={11} fill={ink}>
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={m.t} y2={H - m.b} stroke={grid} />
          <text x={x(t)} y={H - m.b + 14} textAnchor="middle">
            {t}
          </text>
        </g>
      ))}
      {yTicks.map((t) => (
        <g key={t}>
          <line x1={m.l} x2={width - m.r} y1={y(t)} y2={y(t)} stroke={grid} />
          <text x={m.l - 4} y={y(t) + 4} textAnchor="end">
            {t.toFixed(2)}
          </text>
        </g>
      ))}
      <line x1={x(0.5)} x2={x(0.5)} y1={m.t} y2={H - m.b} stroke="#b00" strokeDasharray="4 3" />
      <line x1={m.l} x2={width - m.r} y1={y(0)} y2={y(0)} stroke={ink} strokeDasharray="2 2" />
      <text x={(m.l + width - m.r) / 2} y={H - 8} textAnchor="middle">
        AUROC for {cls} (0.5 chance, dashed)
      </text>
      <text transform={`translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)`} textAnchor="middle">
        {cls} logit drop when ablated
      </text>
      {labels.map((l, i) => (
        <g key={l} transform={`translate(${width - m.r + 12} ${m.t + 8 + i * 18})`}>
          <circle r={4} cx={0} cy={-4} fill={stateColour(i, dark)} />
          <text x={10} y={0}>
            <title>{l}</title>
            {clipLabel(l, 11, m.r - 22)}
          </text>
        </g>
      ))}
      {all.map((p) => (
        <circle key={`${p.si}:${p.unit}`} data-testid="abl-point" cx={x(p.auroc)} cy={y(p.drop)} r={3} fill={stateColour(p.si, dark)} fillOpacity={0.6}>
          <title>{`${labels[p.si]}: unit ${p.unit}, AUROC ${p.auroc.toFixed(3)}, drop ${p.drop.toFixed(3)}`}</title>
        </circle>
      ))}
    </svg>
  );
}

// The Subcircuit view's causal check (issue #12): the faithfulness and completeness curves of state A's (and B's) class
// subcircuit over its size in surviving weights (analyzeFaithfulness, Marks et al. 2024), and the score of the circuit
// on screen: the connections the edge-budget slider shows, pinned and scored (analyzeCircuit), with an export of that
// pinned circuit as JSON (docs/formats.md, "Pinned circuits").
import { useRef } from 'react';
import type { SubcircuitResult } from '../../../../shared/analysis';
import type { CircuitScoreResult, CircuitSpec, FaithfulnessResult } from '../../../../shared/causal';
import type { Api } from '../../../../shared/contract';
import { AnalysisStatus } from '../../analysis/AnalysisStatus';
import { useAnalysis } from '../../analysis/useAnalysis';
import { stateColour } from '../../charts/analysis-palette';
import { download } from '../../charts/export';
import { ChartCard } from '../../charts/ExportButtons';
import { PINNED_CIRCUIT_FORMAT } from '../../../../shared/pinned-circuit';
import { inTurn } from './AblationSection';

/** The first `k` connections of a subcircuit as a pinned circuit (the weight layer is the target layer). */
export function shownCircuit(r: SubcircuitResult, ci: number, k: number): CircuitSpec {
  const c = r.circuits[ci]!;
  return { connections: c.edges.slice(0, k).map((e) => ({ layer: c.layers[e.layer + 1]!.name, from: e.from, to: e.to })) };
}

export function FaithfulnessSection(props: { api: Api; result: SubcircuitResult; k: number; dark: boolean; width: number; stem: string; onError: (m: string) => void }) {
  const { api, result, k, dark, width, stem, onError } = props;
  const svg = useRef<SVGSVGElement | null>(null);
  const refs = result.circuits.map((c) => c.state.ref);
  const cls = result.class.index;
  const curves = useAnalysis<FaithfulnessResult[]>((call) => inTurn(refs, (state) => api.analyzeFaithfulness({ state, class: cls }, call)), [refs.join(','), cls], { api, kind: 'faithfulness' });
  const circuit = shownCircuit(result, 0, k);
  const score = useAnalysis<CircuitScoreResult>(
    circuit.connections!.length ? (call) => api.analyzeCircuit({ state: refs[0]!, class: cls, circuit }, call) : null,
    [refs[0], cls, k],
    { api, kind: 'circuit-score' },
  );
  const exportPinned = () => {
    const file = { format: PINNED_CIRCUIT_FORMAT, state: refs[0], class: result.class, circuit };
    download(new Blob([`${JSON.stringify(file, null, 2)}\n`], { type: 'application/json' }), `${stem}-circuit-${k}.json`);
  };
  const s = score.result;
  return (
    <section className="av-table" data-testid="faith-section">
      <div className="table-head">
        <h3>Is the subcircuit what computes the {result.class.name} logit? Faithfulness</h3>
        <span className="muted">
          Weights ranked by |activation × gradient|, the top s kept and every other weight mean-ablated: faithfulness (m(C) − m(∅)) / (m(M) − m(∅)) with m the
          mean {result.class.name} logit on its test images (1 = the whole net, 0 = nothing), completeness the same for the rest of the net.
        </span>
      </div>
      <p data-testid="faith-shown">
        The {k} connections on screen (state A), pinned as a circuit:{' '}
        {s ? (
          <>
            faithfulness <b data-testid="faith-shown-f">{s.faithfulness === null ? '—' : s.faithfulness.toFixed(3)}</b>, completeness{' '}
            <b>{s.completeness === null ? '—' : s.completeness.toFixed(3)}</b> ({s.edges} surviving weights; m(M) = {s.full.toFixed(2)}, m(∅) = {s.empty.toFixed(2)})
          </>
        ) : (
          '…'
        )}{' '}
        <button type="button" className="btn small" onClick={exportPinned} data-testid="faith-export-circuit" title="This circuit as JSON (docs/formats.md, “Pinned circuits”)">
          export circuit JSON
        </button>
      </p>
      <AnalysisStatus what="Faithfulness" loading={curves.loading || score.loading} error={curves.error ?? score.error} progress={curves.progress ?? score.progress} onRetry={curves.rerun} testId="faith" />
      {curves.result && (
        <ChartCard svgRef={svg} stem={`${stem}-faithfulness`} testId="faith-export" onError={onError} what="the faithfulness curves">
          <Curves curves={curves.result} width={Math.min(760, Math.max(320, width - 2))} dark={dark} svgRef={svg} />
        </ChartCard>
      )}
    </section>
  );
}

function Curves(props: { curves: FaithfulnessResult[]; width: number; dark: boolean; svgRef: React.MutableRefObject<SVGSVGElement | null> }) {
  const { curves, width, dark, svgRef } = props;
  const H = 300;
  const m = { l: 48, r: 180, t: 12, b: 44 };
  const ink = dark ? '#ddd' : '#222';
  const grid = dark ? '#444' : '#e5e5e5';
  const minFrac = Math.min(...curves.flatMap((c) => c.points.filter((p) => p.fraction > 0).map((p) => p.fraction)), 1);
  const lx0 = Math.log10(minFrac);
  // Size 0 is drawn at the left edge (a log axis has no 0).
  const x = (f: number) => m.l + (f <= 0 ? 0 : (Math.log10(f) - lx0) / (0 - lx0 || 1)) * (width - m.l - m.r);
  const y = (v: number) => H - m.b - ((Math.min(1.2, Math.max(-0.2, v)) + 0.2) / 1.4) * (H - m.t - m.b);
  const decades = Array.from({ length: Math.floor(-lx0) + 1 }, (_, i) => 10 ** -i);
  const path = (pts: { fraction: number; v: number | null }[]) => pts.filter((p) => p.v !== null).map((p, i) => `${i ? 'L' : 'M'}${x(p.fraction).toFixed(1)},${y(p.v!).toFixed(1)}`).join('');
  return (
    <svg ref={svgRef} width={width} height={H} viewBox={`0 0 ${width} ${H}`} role="img" aria-label="faithfulness and completeness against circuit size" data-testid="faith-chart" fontSize={11} fill={ink}>
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line x1={m.l} x2={width - m.r} y1={y(t)} y2={y(t)} stroke={grid} />
          <text x={m.l - 4} y={y(t) + 4} textAnchor="end">
            {t}
          </text>
        </g>
      ))}
      {decades.map((d) => (
        <g key={d}>
          <line x1={x(d)} x2={x(d)} y1={m.t} y2={H - m.b} stroke={grid} />
          <text x={x(d)} y={H - m.b + 14} textAnchor="middle">
            {d >= 0.01 ? d : d.toExponential(0)}
          </text>
        </g>
      ))}
      <text x={(m.l + width - m.r) / 2} y={H - 8} textAnchor="middle">
        fraction of surviving weights in the circuit (log; left edge: 0)
      </text>
      {curves.map((c, i) => (
        <g key={c.state.ref} data-testid="faith-curve" data-state={c.state.ref}>
          <path d={path(c.points.map((p) => ({ fraction: p.fraction, v: p.faithfulness })))} fill="none" stroke={stateColour(i, dark)} strokeWidth={2} />
          <path d={path(c.points.map((p) => ({ fraction: p.fraction, v: p.completeness })))} fill="none" stroke={stateColour(i, dark)} strokeWidth={1.5} strokeDasharray="5 3" />
          {c.points.map((p) => (
            <circle key={p.edges} cx={x(p.fraction)} cy={y(p.faithfulness ?? 0)} r={2.5} fill={stateColour(i, dark)}>
              <title>{`${c.state.label}: ${p.edges} weights, faithfulness ${p.faithfulness?.toFixed(3)}, completeness ${p.completeness?.toFixed(3)}`}</title>
            </circle>
          ))}
          <text x={width - m.r + 8} y={m.t + 14 + i * 34} fill={stateColour(i, dark)}>
            {c.state.label.slice(0, 28)}
          </text>
          <text x={width - m.r + 8} y={m.t + 28 + i * 34} fontSize={10}>
            solid F, dashed completeness
          </text>
        </g>
      ))}
    </svg>
  );
}

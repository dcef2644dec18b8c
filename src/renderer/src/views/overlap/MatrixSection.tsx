// The overlap matrix of the mask overlap view: every round's mask of the run of A (or one round's masks of every
// seed of its experiment), as a heatmap of Jaccard or its ratio to chance, overall or per layer, with its exports.
import { useMemo, useRef, useState } from 'react';
import type { StateInfo } from '../../../../shared/analysis';
import type { RunSummary } from '../../../../shared/contract';
import { AnalysisProvenance, AnalysisStatus } from '../../analysis/AnalysisStatus';
import type { AnalysisViewProps } from '../../analysis/types';
import { useAnalysis } from '../../analysis/useAnalysis';
import { kindInfo } from '../../app/kinds';
import { fileStem } from '../../charts/export';
import { ExportButtons } from '../../charts/ExportButtons';
import { Heatmap } from '../../charts/Heatmap';
import { fmt4, fmtPct, fmtRatio, matrixCsv, shortStateLabel } from '../../charts/overlap-data';

const MAX_MATRIX = 64;

type MatrixMode = 'rounds' | 'seeds';
type MatrixValue = 'jaccard' | 'ratio';

export function MatrixSection(props: {
  api: AnalysisViewProps['api'];
  states: StateInfo[];
  runs: RunSummary[];
  anchor: StateInfo;
  dark: boolean;
  width: number;
  epoch: number;
  onError: (m: string) => void;
}) {
  const { api, states, runs, anchor, dark, width, epoch, onError } = props;
  const [mode, setMode] = useState<MatrixMode>('rounds');
  const [value, setValue] = useState<MatrixValue>('jaccard');
  const [layer, setLayer] = useState('overall');
  const [seedRound, setSeedRound] = useState<number | null>(null);
  const svg = useRef<SVGSVGElement | null>(null);

  const anchorRun = runs.find((r) => r.runId === anchor.runId);
  const siblings = useMemo(
    () => (anchorRun ? runs.filter((r) => r.experimentId === anchorRun.experimentId && r.kind === anchorRun.kind).sort((x, y) => x.seed - y.seed) : []),
    [runs, anchorRun],
  );
  const seedsAvailable = siblings.length >= 2;
  const effectiveMode: MatrixMode = mode === 'seeds' && seedsAvailable ? 'seeds' : 'rounds';
  const seedRounds = useMemo(() => {
    const ids = new Set(siblings.map((r) => r.runId));
    return [...new Set(states.filter((s) => ids.has(s.runId) && s.which === 'mask').map((s) => s.round))].sort((x, y) => x - y);
  }, [siblings, states]);
  const round = seedRound !== null && seedRounds.includes(seedRound) ? seedRound : seedRounds.includes(anchor.round) ? anchor.round : (seedRounds[seedRounds.length - 1] ?? 0);

  const list = useMemo(() => {
    if (effectiveMode === 'rounds') return states.filter((s) => s.runId === anchor.runId && s.which === 'mask').sort((x, y) => x.round - y.round);
    const order = new Map(siblings.map((r, i) => [r.runId, i]));
    return states.filter((s) => order.has(s.runId) && s.which === 'mask' && s.round === round).sort((x, y) => order.get(x.runId)! - order.get(y.runId)!);
  }, [effectiveMode, states, anchor.runId, siblings, round]);
  const refs = list.slice(0, MAX_MATRIX).map((s) => s.ref);
  const key = refs.join('|');

  const matrix = useAnalysis(refs.length >= 2 ? (call) => api.analyzeOverlapMatrix({ states: refs }, call) : null, [api, key, epoch], { api, kind: 'overlap-matrix' });
  const m = matrix.result && matrix.result.states.map((s) => s.ref).join('|') === key ? matrix.result : matrix.loading ? matrix.result : null;
  const layerNames = m?.layers.map((l) => l.layer) ?? [];
  const shownLayer = layer !== 'overall' && layerNames.includes(layer) ? layer : 'overall';
  const shownValue: MatrixValue = shownLayer === 'overall' ? value : 'jaccard';
  const values = m ? (shownLayer === 'overall' ? (shownValue === 'ratio' ? m.jaccardRatio : m.jaccard) : m.layers.find((l) => l.layer === shownLayer)!.jaccard) : [];
  const withSeed = effectiveMode === 'seeds';
  const labels = m ? m.states.map((s) => shortStateLabel(s, withSeed)) : [];
  const stem = fileStem('overlap-matrix', anchor.runId, effectiveMode === 'seeds' ? `seeds-r${round}` : 'rounds', shownLayer, shownValue);
  const what = effectiveMode === 'rounds' ? `every round's mask of run ${anchor.runId} (${kindInfo(anchor.kind).label}, seed ${anchor.seed})` : `round ${round} masks of every seed (${kindInfo(anchor.kind).label})`;

  const details = (i: number, j: number): [string, string][] => {
    if (!m) return [];
    const si = m.states[i]!;
    const sj = m.states[j]!;
    const rows: [string, string][] = [
      ['Jaccard', fmt4(m.jaccard[i]?.[j])],
      ['chance', fmt4(m.expectedJaccard[i]?.[j])],
      ['ratio', fmtRatio(m.jaccardRatio[i]?.[j])],
      ['kept i / j', `${fmtPct(si.density)} / ${fmtPct(sj.density)}`],
    ];
    for (const l of m.layers) rows.push([`Jaccard ${l.layer}`, fmt4(l.jaccard[i]?.[j])]);
    return rows;
  };

  return (
    <section className="chart-card matrix-card" data-testid="matrix-section" style={{ width }}>
      <div className="section-head">
        <h3>Overlap matrix</h3>
        <span className="chart-tools-inline">
          {m && <ExportButtons svgRef={svg} csv={() => matrixCsv(m)} stem={stem} testId="export-matrix" onError={onError} what="the overlap matrix" />}
        </span>
      </div>
      <div className="section-controls">
        <label className="field-inline">
          <span className="muted">states</span>
          <select value={effectiveMode} onChange={(e) => setMode(e.target.value as MatrixMode)} data-testid="matrix-mode">
            <option value="rounds">rounds of the run of A</option>
            <option value="seeds" disabled={!seedsAvailable}>
              across seeds{seedsAvailable ? ` (${siblings.length} runs)` : ' (one seed only)'}
            </option>
          </select>
        </label>
        {effectiveMode === 'seeds' && (
          <label className="field-inline">
            <span className="muted">round</span>
            <select value={round} onChange={(e) => setSeedRound(Number(e.target.value))} data-testid="matrix-round">
              {seedRounds.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field-inline">
          <span className="muted">layer</span>
          <select value={shownLayer} onChange={(e) => setLayer(e.target.value)} data-testid="matrix-layer">
            <option value="overall">all prunable weights</option>
            {layerNames.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <span className="segmented" role="radiogroup" aria-label="Matrix value">
          {(['jaccard', 'ratio'] as const).map((v) => (
            <button
              key={v}
              type="button"
              role="radio"
              aria-checked={shownValue === v}
              className={`btn small${shownValue === v ? ' on' : ''}`}
              onClick={() => setValue(v)}
              disabled={v === 'ratio' && shownLayer !== 'overall'}
              title={v === 'ratio' && shownLayer !== 'overall' ? 'The ratio to chance is computed for all prunable weights only' : undefined}
              data-testid={`matrix-value-${v}`}
            >
              {v === 'jaccard' ? 'Jaccard' : 'ratio to chance'}
            </button>
          ))}
        </span>
      </div>
      {list.length < 2 ? (
        <p className="muted matrix-empty" data-testid="matrix-empty">
          {effectiveMode === 'rounds'
            ? `Run ${anchor.runId} has ${list.length} stored mask${list.length === 1 ? '' : 's'}; the matrix needs two or more. Pick as A a state of a run with several rounds (IMP).`
            : 'Fewer than two seeds have a mask at this round.'}
        </p>
      ) : (
        <>
          <AnalysisStatus what="the overlap matrix" loading={matrix.loading} error={matrix.error} progress={matrix.progress} onRetry={matrix.rerun} testId="matrix" />
          {list.length > MAX_MATRIX && <p className="muted">Showing the first {MAX_MATRIX} of {list.length} masks.</p>}
          {m && (
            <div data-testid="overlap-matrix-wrap" data-ready={matrix.loading ? 'false' : 'true'}>
              <Heatmap
                svgRef={svg}
                testId="overlap-matrix"
                labels={labels}
                names={m.states.map((s) => `${s.label} (${s.ref})`)}
                values={values}
                scale={shownValue === 'ratio' ? 'ratio' : 'unit'}
                details={details}
                legendLabel={shownValue === 'ratio' ? 'Jaccard / chance (log)' : `Jaccard${shownLayer === 'overall' ? '' : ` (${shownLayer})`}`}
                axisLabel={withSeed ? 'seed, round' : 'round'}
                width={width - 2}
                dark={dark}
                title={shownValue === 'ratio' ? 'Mask overlap, ratio to chance' : `Mask overlap (Jaccard), ${shownLayer === 'overall' ? 'all prunable weights' : shownLayer}`}
                subtitle={`${what} · ${m.states[0]!.arch} on ${m.states[0]!.dataset}`}
              />
              <div className="muted small matrix-foot">
                <AnalysisProvenance meta={m.meta} testId="matrix-provenance" />
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}

// Mask overlap: do two masks keep the same weights more than chance would? Pick states A and B (any stored state;
// each has a mask); per-layer bars of the Jaccard index against its value for independent random masks of the same
// densities, the unit-level picture (which units stay alive in each), a table of every number (CSV), the
// round-by-round (or seed-by-seed) overlap matrix of the run of A, and the pixel view of one layer's weight matrix.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { LayerOverlap, OverlapResult, StateInfo } from '../../../shared/analysis';
import type { RunSummary } from '../../../shared/contract';
import { AnalysisPage } from '../analysis/AnalysisPage';
import { AnalysisProvenance, AnalysisStatus } from '../analysis/AnalysisStatus';
import { StatePicker } from '../analysis/StatePicker';
import type { AnalysisViewProps } from '../analysis/types';
import { useAnalysis } from '../analysis/useAnalysis';
import { useStates } from '../analysis/useStates';
import { formatInt } from '../app/format';
import { kindInfo } from '../app/kinds';
import { hrefOf } from '../app/routes';
import { useDarkMode } from '../app/theme';
import { fileStem } from '../charts/export';
import { ExportButtons } from '../charts/ExportButtons';
import { Heatmap } from '../charts/Heatmap';
import { MaskPixelView } from '../charts/MaskPixelView';
import { OverlapBars, type OverlapMetric } from '../charts/OverlapBars';
import { OverlapUnits } from '../charts/OverlapUnits';
import { fmt4, fmtPct, fmtRatio, layerRows, matrixCsv, overlapCsv, shortStateLabel, unitsCsv } from '../charts/overlap-data';
import { useElementWidth } from '../charts/useElementWidth';

const PRUNING = new Set(['imp', 'one-shot', 'prune-at-init', 'supermask']);
const MAX_MATRIX = 64;

/** The state of (run, round) to use for a pick: trained when it exists (sign agreement needs weights), else its mask. */
function stateOf(states: StateInfo[], runId: string, round: number): StateInfo | undefined {
  const here = states.filter((s) => s.runId === runId && s.round === round);
  return here.find((s) => s.which === 'trained') ?? here.find((s) => s.which === 'mask') ?? here[0];
}

function roundsOf(states: StateInfo[], runId: string): number[] {
  return [...new Set(states.filter((s) => s.runId === runId).map((s) => s.round))].sort((x, y) => x - y);
}

/**
 * Sensible first pair: a state named by the route (a ref, or a run id: its last round); else a pruning-at-init mask
 * against the IMP ticket of the nearest density on the same network and data; else the first and the last pruned
 * round of the first IMP (or other pruning) run; else any two states.
 */
export function defaultPair(states: StateInfo[], arg: string | null): [string, string] | null {
  if (states.length < 2) return null;
  const named = arg ? (states.find((s) => s.ref === arg) ?? (states.some((s) => s.runId === arg) ? stateOf(states, arg, Math.max(...roundsOf(states, arg))) : undefined)) : undefined;
  const lastOf = (runId: string) => stateOf(states, runId, Math.max(...roundsOf(states, runId)))!;
  if (named) {
    const rounds = roundsOf(states, named.runId).filter((r) => r !== named.round && r > 0);
    const other = rounds.length ? stateOf(states, named.runId, rounds[0]!)! : states.find((s) => s.runId !== named.runId)!;
    return [named.ref, other.ref];
  }
  const pai = states.find((s) => s.kind === 'prune-at-init' && (s.which === 'mask' || s.which === 'trained'));
  if (pai) {
    const imp = states.filter((s) => s.kind === 'imp' && s.arch === pai.arch && s.dataset === pai.dataset && s.round > 0 && s.which === 'trained');
    if (imp.length) {
      const near = imp.reduce((best, s) => (Math.abs(Math.log(s.density / pai.density)) < Math.abs(Math.log(best.density / pai.density)) ? s : best));
      return [lastOf(pai.runId).ref, near.ref];
    }
  }
  const run = states.find((s) => s.kind === 'imp') ?? states.find((s) => PRUNING.has(s.kind));
  if (run) {
    const rounds = roundsOf(states, run.runId).filter((r) => r > 0);
    if (rounds.length >= 2) return [stateOf(states, run.runId, rounds[0]!)!.ref, stateOf(states, run.runId, rounds[rounds.length - 1]!)!.ref];
    if (rounds.length === 1) {
      const a = stateOf(states, run.runId, rounds[0]!)!;
      const b = states.find((s) => s.runId !== a.runId && s.round === a.round && s.arch === a.arch) ?? stateOf(states, run.runId, 0);
      if (b) return [a.ref, b.ref];
    }
  }
  const masks = states.filter((s) => s.which === 'mask');
  const pool = masks.length >= 2 ? masks : states;
  return [pool[0]!.ref, pool[pool.length - 1]!.ref];
}

function useRuns(api: AnalysisViewProps['api'], epoch: number) {
  const [runs, setRuns] = useState<RunSummary[]>([]);
  useEffect(() => {
    let stale = false;
    api.listRuns({}).then(
      (r) => !stale && setRuns(r),
      () => undefined,
    );
    return () => {
      stale = true;
    };
  }, [api, epoch]);
  return runs;
}

export function OverlapView({ api, arg, navigate, epoch, onError }: AnalysisViewProps) {
  const dark = useDarkMode();
  const statesState = useStates(api, epoch);
  const { states, loading: statesLoading } = statesState;
  const runs = useRuns(api, epoch);
  const [pair, setPair] = useState<[string, string] | null>(null);
  const [metric, setMetric] = useState<OverlapMetric>('jaccard');
  const [wrapRef, wrapWidth] = useElementWidth<HTMLDivElement>(1200);
  const exportErr = useCallback((m: string) => onError(m), [onError]);
  const barsSvg = useRef<SVGSVGElement | null>(null);
  const unitsSvg = useRef<SVGSVGElement | null>(null);

  // First pair once the states arrive; a pair that vanished from the database is replaced.
  useEffect(() => {
    if (statesLoading && !states.length) return;
    setPair((p) => (p && states.some((s) => s.ref === p[0]) && states.some((s) => s.ref === p[1]) ? p : defaultPair(states, arg)));
  }, [states, statesLoading, arg]);
  // A route argument given later (a link from another view) picks A.
  useEffect(() => {
    if (!arg || !states.length) return;
    setPair((p) => {
      if (p && (p[0] === arg || states.find((s) => s.ref === p[0])?.runId === arg)) return p;
      return defaultPair(states, arg) ?? p;
    });
  }, [arg, states]);

  const a = pair?.[0] ?? null;
  const b = pair?.[1] ?? null;
  useEffect(() => {
    if (a && a !== arg) navigate('overlap', a, true);
  }, [a, arg, navigate]);

  const overlap = useAnalysis<OverlapResult>(a && b && a !== b ? () => api.analyzeOverlap({ a, b }) : null, [api, a, b, epoch], { api, kind: 'overlap' });
  const result = overlap.result;
  const infoA = states.find((s) => s.ref === a);
  const infoB = states.find((s) => s.ref === b);

  const stem = fileStem('overlap', a ?? 'a', 'vs', b ?? 'b');
  const gap = 14;
  const twoUp = wrapWidth >= 1000;
  const colW = twoUp ? Math.floor((wrapWidth - gap) / 2) - 2 : wrapWidth - 2;
  const subtitle = result ? `A = ${result.a.label} · B = ${result.b.label} · ${result.a.arch} on ${result.a.dataset}` : '';

  return (
    <AnalysisPage
      view="overlap"
      className="overlap"
      states={statesState}
      waitForStates
      statesErrorTestId="overlap-states-error"
      empty={states.length < 2}
      emptyTitle="Mask overlap"
      emptyText={
        <>
          <p>
            Mask overlap compares two stored masks: which weights both keep, against what two random masks of the same densities would share. This database
            holds {states.length === 0 ? 'no stored state yet' : 'only one stored state'}.
          </p>
          <p>
            Train a pruning experiment (IMP, one-shot or pruning at init) in the <a href={hrefOf('builder')}>Experiment builder</a>, or run{' '}
            <code>ticketscope run --preset quick-imp</code> on the same database: every committed round's mask appears here.
          </p>
        </>
      }
      loading={overlap.loading}
      ready={!!result && !overlap.loading && result.a.ref === a && result.b.ref === b}
      markers={{ 'data-a': a ?? '', 'data-b': b ?? '' }}
    >
      <div className="toolbar">
        <StatePicker label="state A" states={states} value={a} onChange={(r) => setPair([r, b ?? r])} testId="overlap-a" />
        <button
          type="button"
          className="btn small"
          onClick={() => pair && setPair([pair[1], pair[0]])}
          disabled={!pair}
          title="Swap A and B"
          aria-label="Swap A and B"
          data-testid="overlap-swap"
        >
          ⇄
        </button>
        <StatePicker label="state B" states={states} value={b} onChange={(r) => setPair([a ?? r, r])} testId="overlap-b" />
        <span className="field-inline" role="radiogroup" aria-label="Overlap measure">
          <span className="muted">measure</span>
          <span className="segmented">
            {(['jaccard', 'overlapCoefficient'] as const).map((m) => (
              <button
                key={m}
                type="button"
                role="radio"
                aria-checked={metric === m}
                className={`btn small${metric === m ? ' on' : ''}`}
                onClick={() => setMetric(m)}
                data-testid={`overlap-metric-${m}`}
              >
                {m === 'jaccard' ? 'Jaccard' : 'overlap coef.'}
              </button>
            ))}
          </span>
        </span>
        <AnalysisProvenance meta={result?.meta} />
      </div>
      {a && b && a === b && <p className="warn-text">A and B are the same state: pick two different states.</p>}
      <AnalysisStatus what="mask overlap" loading={overlap.loading} error={overlap.error} progress={overlap.progress} onRetry={overlap.rerun} testId="overlap" />
      {result && <Summary result={result} />}
      <div ref={wrapRef} className={`overlap-row${twoUp ? ' two-up' : ''}`} style={{ gap }}>
        {result && (
          <>
            <figure className="chart-card">
              <div className="chart-tools">
                <ExportButtons svgRef={barsSvg} stem={`${stem}-layers`} testId="export-bars" onError={exportErr} what="the per-layer overlap chart" />
              </div>
              <OverlapBars
                svgRef={barsSvg}
                testId="overlap-bars"
                layers={result.layers}
                overall={result.overall}
                metric={metric}
                width={colW}
                height={360}
                dark={dark}
                title={metric === 'jaccard' ? 'Mask overlap per layer: Jaccard vs. chance' : 'Mask overlap per layer: overlap coefficient vs. chance'}
                subtitle={subtitle}
              />
            </figure>
            <figure className="chart-card">
              <div className="chart-tools">
                <ExportButtons svgRef={unitsSvg} csv={() => unitsCsv(result)} stem={`${stem}-units`} testId="export-units" onError={exportErr} what="the unit-level overlap" />
              </div>
              <OverlapUnits
                svgRef={unitsSvg}
                testId="overlap-units"
                layers={result.layers}
                width={colW}
                dark={dark}
                title="Alive units per layer (≥ 1 incoming weight kept)"
                subtitle={subtitle}
              />
            </figure>
          </>
        )}
      </div>
      {result && <OverlapTable result={result} stem={stem} onError={exportErr} />}
      {infoA && (
        <div className={`overlap-row${twoUp ? ' two-up' : ''}`} style={{ gap }}>
          <MatrixSection api={api} states={states} runs={runs} anchor={infoA} dark={dark} width={twoUp ? Math.min(560, colW) : colW} onError={exportErr} epoch={epoch} />
          {result && infoB && (
            <PixelSection api={api} result={result} dark={dark} width={twoUp ? wrapWidth - Math.min(560, colW) - gap - 2 : colW} stem={stem} onError={exportErr} />
          )}
        </div>
      )}
    </AnalysisPage>
  );
}

function Summary({ result }: { result: OverlapResult }) {
  const o = result.overall;
  const dA = o.size ? o.keptA / o.size : null;
  const dB = o.size ? o.keptB / o.size : null;
  return (
    <div className="overlap-summary" data-testid="overlap-summary">
      <span>
        <b>A</b> {result.a.label} <code title="state reference">{result.a.ref}</code> · {kindInfo(result.a.kind).label}, seed {result.a.seed}, {fmtPct(dA)} kept
      </span>
      <span>
        <b>B</b> {result.b.label} <code title="state reference">{result.b.ref}</code> · {kindInfo(result.b.kind).label}, seed {result.b.seed}, {fmtPct(dB)} kept
      </span>
      <span>
        overall Jaccard <b data-testid="overall-jaccard">{fmt4(o.jaccard)}</b> vs. chance {fmt4(o.expectedJaccard)} (<b>{fmtRatio(o.jaccardRatio)}</b>) · {formatInt(o.both)} of{' '}
        {formatInt(o.size)} weights kept in both
        {o.signAgreement !== null && <> · signs agree on {fmtPct(o.signAgreement)} of them</>}
      </span>
    </div>
  );
}

function OverlapTable({ result, stem, onError }: { result: OverlapResult; stem: string; onError: (m: string) => void }) {
  const rows: { key: string; s: LayerOverlap | null; stats: OverlapResult['overall'] }[] = [
    ...result.layers.map((l) => ({ key: l.layer, s: l, stats: l as OverlapResult['overall'] })),
    { key: 'overall', s: null, stats: result.overall },
  ];
  return (
    <section className="overlap-table">
      <div className="table-head">
        <h3>Overlap numbers</h3>
        <span className="muted">
          counts are weights; chance = independent random masks with the same per-layer densities; sign agreement over weights kept in both (needs weights in both
          states)
        </span>
        <span className="table-tools">
          <ExportButtons csv={() => overlapCsv(result)} stem={stem} testId="export-table" onError={onError} what="the overlap table" />
        </span>
      </div>
      <div className="table-scroll">
        <table className="results" data-testid="overlap-table">
          <thead>
            <tr>
              <th>layer</th>
              <th>weights</th>
              <th>kept A</th>
              <th>kept B</th>
              <th>both</th>
              <th>either</th>
              <th>Jaccard</th>
              <th>chance</th>
              <th>ratio</th>
              <th>overlap coef.</th>
              <th>chance</th>
              <th>sign agr.</th>
              <th>units</th>
              <th>alive A / B / both</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ key, s, stats }) => (
              <tr key={key} data-testid="overlap-row" data-layer={key} className={s ? undefined : 'total-row'}>
                <td>
                  {key}
                  {s && <span className="muted"> {s.kind}</span>}
                </td>
                <td>{formatInt(stats.size)}</td>
                <td>
                  {formatInt(stats.keptA)} <span className="muted">({fmtPct(stats.size ? stats.keptA / stats.size : null)})</span>
                </td>
                <td>
                  {formatInt(stats.keptB)} <span className="muted">({fmtPct(stats.size ? stats.keptB / stats.size : null)})</span>
                </td>
                <td>{formatInt(stats.both)}</td>
                <td>{formatInt(stats.union)}</td>
                <td data-testid="cell-jaccard">{fmt4(stats.jaccard)}</td>
                <td>{fmt4(stats.expectedJaccard)}</td>
                <td>{fmtRatio(stats.jaccardRatio)}</td>
                <td>{fmt4(stats.overlapCoefficient)}</td>
                <td>{fmt4(stats.expectedOverlapCoefficient)}</td>
                <td>{fmtPct(stats.signAgreement, 1)}</td>
                <td>{s ? formatInt(s.units) : ''}</td>
                <td>{s ? `${formatInt(s.aliveA)} / ${formatInt(s.aliveB)} / ${formatInt(s.aliveBoth)}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

type MatrixMode = 'rounds' | 'seeds';
type MatrixValue = 'jaccard' | 'ratio';

function MatrixSection(props: {
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

  const matrix = useAnalysis(refs.length >= 2 ? () => api.analyzeOverlapMatrix({ states: refs }) : null, [api, key, epoch], { api, kind: 'overlap-matrix' });
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

function PixelSection(props: {
  api: AnalysisViewProps['api'];
  result: OverlapResult;
  dark: boolean;
  width: number;
  stem: string;
  onError: (m: string) => void;
}) {
  const { api, result, dark, width, stem, onError } = props;
  const [layer, setLayer] = useState<string | null>(null);
  const l = result.layers.find((x) => x.layer === layer) ?? result.layers[0];
  if (!l) return null;
  return (
    <section className="chart-card pixel-card" data-testid="pixel-section" style={{ width }}>
      <div className="section-head">
        <h3>Mask pixels</h3>
        <label className="field-inline">
          <span className="muted">layer</span>
          <select value={l.layer} onChange={(e) => setLayer(e.target.value)} data-testid="pixels-layer">
            {result.layers.map((x) => (
              <option key={x.layer} value={x.layer}>
                {x.layer} — {formatInt(layerRows(x))} × {formatInt(x.units)} ({x.kind})
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">
          rows: fan-in · columns: output {l.kind === 'conv' ? 'channels' : 'units'}
        </span>
      </div>
      <MaskPixelView
        api={api}
        a={result.a.ref}
        b={result.b.ref}
        layer={l.layer}
        rows={layerRows(l)}
        cols={l.units}
        width={width - 20}
        height={512}
        dark={dark}
        labelA={result.a.label}
        labelB={result.b.label}
        stem={`${stem}-${l.layer}-pixels`}
        onError={onError}
      />
    </section>
  );
}

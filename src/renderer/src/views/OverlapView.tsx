// Mask overlap: do two masks keep the same weights more than chance would? Pick states A and B (any stored state;
// each has a mask); per-layer bars of the Jaccard index against its value for independent random masks of the same
// densities, the unit-level picture (which units stay alive in each), a table of every number (CSV), the
// round-by-round (or seed-by-seed) overlap matrix of the run of A, and the pixel view of one layer's weight matrix.
// Its parts are in overlap/: the first pair (pairs.ts), the summary and table, the matrix and the pixel section.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { OverlapResult, StateInfo } from '../../../shared/analysis';
import type { RunSummary } from '../../../shared/contract';
import { AnalysisPage } from '../analysis/AnalysisPage';
import { AnalysisProvenance, AnalysisStatus } from '../analysis/AnalysisStatus';
import { describeStates, routeProblem } from '../analysis/route-defaults';
import { RouteNotice } from '../analysis/RouteNotice';
import { StatePicker } from '../analysis/StatePicker';
import type { AnalysisViewProps } from '../analysis/types';
import { useAnalysis } from '../analysis/useAnalysis';
import { useStates } from '../analysis/useStates';
import { parseViewArg } from '../analysis/view-args';
import { hrefOf } from '../app/routes';
import { useDarkMode } from '../app/theme';
import { fileStem } from '../charts/export';
import { ChartCard } from '../charts/ExportButtons';
import { OverlapBars, type OverlapMetric } from '../charts/OverlapBars';
import { OverlapUnits } from '../charts/OverlapUnits';
import { unitsCsv } from '../charts/overlap-data';
import { useElementWidth } from '../charts/useElementWidth';
import { MatrixSection } from './overlap/MatrixSection';
import { OverlapTable, Summary } from './overlap/OverlapTable';
import { pairForRoute } from './overlap/pairs';
import { PixelSection } from './overlap/PixelSection';

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

  // The pair follows the address (a state RUN.ROUND.WHICH or RUN:ROUND:WHICH, or a run: its last round) and the
  // stored states: the first pair once they arrive, a pair that vanished from the database replaced (pairs.ts).
  // Adjusted while rendering, as React advises over effects that set state.
  const [followed, setFollowed] = useState<{ states: StateInfo[]; loading: boolean; arg: string | null } | null>(null);
  if (!followed || followed.states !== states || followed.loading !== statesLoading || followed.arg !== arg) {
    setFollowed({ states, loading: statesLoading, arg });
    const next = statesLoading && !states.length ? pair : pairForRoute(states, pair, arg);
    if (next !== pair) setPair(next);
  }

  const a = pair?.[0] ?? null;
  const b = pair?.[1] ?? null;
  // A new A is written into the address. Only a change of A writes it, never a change of the address (which A then
  // follows): an effect that wrote it whenever the two differed bounced between the old and the new A (issue #15).
  const lastA = useRef<string | null>(null);
  useEffect(() => {
    if (!a || a === lastA.current) return;
    lastA.current = a;
    if (a !== arg) navigate('overlap', a, true);
  }, [a, arg, navigate]);
  // An address that names nothing stored gets a notice, which stays when the view writes its A into the address and
  // goes when a pair is picked (adjusted while rendering, as React advises over effects that set state).
  const [shown, setShown] = useState<{ arg: string | null; states: StateInfo[]; notice: string | null }>({ arg: null, states: [], notice: null });
  if (shown.arg !== arg || shown.states !== states) {
    const keep = !arg || !states.length || arg === a;
    setShown({ arg, states, notice: keep ? shown.notice : routeProblem(arg, parseViewArg(arg), states, false) });
  }
  const notice = shown.notice;
  const pick = (next: [string, string]) => {
    setShown((v) => ({ ...v, notice: null }));
    setPair(next);
  };

  const overlap = useAnalysis<OverlapResult>(a && b && a !== b ? (call) => api.analyzeOverlap({ a, b }, call) : null, [api, a, b, epoch], { api, kind: 'overlap' });
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
      <RouteNotice problem={notice} shown={describeStates([infoA, infoB].filter((s) => !!s))} />
      <div className="toolbar">
        <StatePicker label="state A" states={states} value={a} onChange={(r) => pick([r, b ?? r])} testId="overlap-a" />
        <button
          type="button"
          className="btn small"
          onClick={() => pair && pick([pair[1], pair[0]])}
          disabled={!pair}
          title="Swap A and B"
          aria-label="Swap A and B"
          data-testid="overlap-swap"
        >
          ⇄
        </button>
        <StatePicker label="state B" states={states} value={b} onChange={(r) => pick([a ?? r, r])} testId="overlap-b" />
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
            <ChartCard svgRef={barsSvg} stem={`${stem}-layers`} testId="export-bars" onError={exportErr} what="the per-layer overlap chart">
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
            </ChartCard>
            <ChartCard svgRef={unitsSvg} csv={() => unitsCsv(result)} stem={`${stem}-units`} testId="export-units" onError={exportErr} what="the unit-level overlap">
              <OverlapUnits
                svgRef={unitsSvg}
                testId="overlap-units"
                layers={result.layers}
                width={colW}
                dark={dark}
                title="Alive units per layer (≥ 1 incoming weight kept)"
                subtitle={subtitle}
              />
            </ChartCard>
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

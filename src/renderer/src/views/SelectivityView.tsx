// Selectivity: is there a detector for the class (CIFAR-10's dog by default) in a state, and is it more than the
// best of many random units? Up to four states side by side (one click: random init, ticket at init, trained ticket
// and trained dense net of a run); per layer the AUROC histogram of every unit against the permutation null of the
// layer's best unit, the threshold and the best unit (click: its activation maps); a table of the numbers per state
// and layer with the linear probe, exported as CSV. The analysis runs in the core (analyzeSelectivity), cached.
import { useMemo, useRef, useState } from 'react';
import { ANALYSIS_DEFAULTS, type SelectivityResult, type StateInfo } from '../../../shared/analysis';
import { AnalysisPage } from '../analysis/AnalysisPage';
import { AnalysisProvenance, AnalysisStatus } from '../analysis/AnalysisStatus';
import { ClassPicker, NumberField, optionsOf, Select, StateList } from '../analysis/controls';
import { StateCell, TableHead } from '../analysis/TableHead';
import { describeStates } from '../analysis/route-defaults';
import { RouteNotice } from '../analysis/RouteNotice';
import { classNamesOf, defaultClassIndex } from '../analysis/nets';
import type { AnalysisViewProps } from '../analysis/types';
import { useAnalysis } from '../analysis/useAnalysis';
import { useRouteArg } from '../analysis/useRouteArg';
import { useStates } from '../analysis/useStates';
import { comparisonStates, statesForArg, unitArg } from '../analysis/view-args';
import { formatInt, formatPercent } from '../app/format';
import { hrefOf } from '../app/routes';
import { useDarkMode } from '../app/theme';
import { AurocHistogram, type CountScale, type HistLayout } from '../charts/AurocHistogram';
import { fileStem } from '../charts/export';
import { ChartCard, ExportButtons } from '../charts/ExportButtons';
import { formatP, nullSummary, poolOf, selectivityCsv, unitAurocCsv, type Pooling } from '../charts/selectivity-data';
import { useElementWidth } from '../charts/useElementWidth';
import { AblationSection, useLayerScans, type LayerScans } from './causal/AblationSection';
import './analysis-views.css';

const MAX_STATES = 4;
const POOLINGS = optionsOf<Pooling>({ max: 'max over the map', mean: 'mean over the map' });
const HIST_LAYOUTS = optionsOf<HistLayout>({ rows: 'a row per state', overlaid: 'overlaid' });
const COUNT_SCALES = optionsOf<CountScale>({ sqrt: '√ count', linear: 'count' });
const SPLITS = optionsOf<'test' | 'validation'>({ test: 'test split', validation: 'validation split' });

export function SelectivityView({ api, arg, navigate, epoch, onError }: AnalysisViewProps) {
  const dark = useDarkMode();
  const statesState = useStates(api, epoch);
  const { states, loading: statesLoading } = statesState;
  const [picked, setPicked] = useState<string[]>([]);
  const [classIndex, setClassIndex] = useState<number | null>(null);
  const [threshold, setThreshold] = useState(ANALYSIS_DEFAULTS.threshold);
  const [permutations, setPermutations] = useState(ANALYSIS_DEFAULTS.permutations);
  const [split, setSplit] = useState<'test' | 'validation'>(ANALYSIS_DEFAULTS.split);
  const [pooling, setPooling] = useState<Pooling>('max');
  const [histLayout, setHistLayout] = useState<HistLayout>('rows');
  const [countScale, setCountScale] = useState<CountScale>('sqrt');
  const [wrapRef, width] = useElementWidth<HTMLDivElement>(1200);
  const svg = useRef<SVGSVGElement | null>(null);

  // The route argument (a run id or a state) picks the states once the list is there; without one, the newest run
  // with a ticket at init (route-defaults.ts).
  const routeProblem = useRouteArg(arg, statesState, (parsed) => {
    const next = statesForArg(states, parsed, picked.length, MAX_STATES);
    if (next.length) setPicked(next);
    if (parsed?.classIndex !== null && parsed?.classIndex !== undefined) setClassIndex(parsed.classIndex);
  });

  const infos = useMemo(() => picked.map((r) => states.find((s) => s.ref === r)).filter((s): s is StateInfo => !!s), [picked, states]);
  const first = infos[0] ?? null;
  const names = classNamesOf(first?.dataset);
  const cls = classIndex !== null && classIndex < names.length ? classIndex : defaultClassIndex(names);
  const mixed = new Set(infos.map((s) => s.dataset)).size > 1;

  const ready = picked.length > 0 && infos.length === picked.length && !mixed;
  const { result, loading, error, progress, rerun } = useAnalysis<SelectivityResult>(
    ready ? (call) => api.analyzeSelectivity({ states: picked, class: cls, threshold, permutations, split }, call) : null,
    [picked.join(','), cls, threshold, permutations, split],
    { api, kind: 'selectivity' },
  );
  const scans = useLayerScans(api, result);

  const openUnit = (si: number, layer: string, unit: number) => {
    const st = result?.states[si]?.state;
    if (st) navigate('activations', unitArg(st.ref, layer, unit, result!.class.index));
  };

  // A run whose round 0 is masked (a supermask) compares with its unmasked init (view-args.ts, comparisonStates).
  const masked0 = !!first && states.some((s) => s.runId === first.runId && s.which === 'dense-init');
  const compareRun = () => {
    if (!first) return;
    // The latest round of that run among the picked states (the run's last round when only round 0 is picked).
    const round = Math.max(0, ...infos.filter((s) => s.runId === first.runId).map((s) => s.round));
    const refs = comparisonStates(states, first.runId, round > 0 ? round : null).map((s) => s.ref);
    if (refs.length) setPicked(refs);
  };

  const stem = result ? fileStem('selectivity', result.class.name, first?.experimentName ?? '', first?.runId ?? '') : 'selectivity';

  return (
    <AnalysisPage
      view="selectivity"
      states={statesState}
      emptyTitle="Selectivity"
      emptyText={
        <p>
          No stored state with weights yet. Selectivity needs a trained (or initial) network: start a run in the <a href={hrefOf('runs')}>Runs</a> view or
          the <a href={hrefOf('builder')}>Experiment builder</a>; every committed round of it can then be analysed here (init, ticket at init, trained).
        </p>
      }
      loading={loading || statesLoading}
      ready={!!result && !loading}
      markers={{ 'data-states': picked.join(' '), 'data-class': cls }}
    >
      <RouteNotice problem={routeProblem} shown={describeStates(infos)} />
      <div className="toolbar av-toolbar">
        <StateList
          states={states}
          value={picked}
          onChange={setPicked}
          max={MAX_STATES}
          dark={dark}
          testId="sel-states"
          extra={
            first && (
              <button type="button" className="btn small" onClick={compareRun} data-testid="sel-compare-run" title={masked0 ? `Run ${first.runId}'s init unmasked, under its initial random mask (same per-layer densities), under its learned mask, and the newest trained network of the same architecture` : `Round 0 init, the ticket at init and trained of the latest round, and round 0 trained, of run ${first.runId}`}>
                {masked0 ? 'unmasked init / random mask / supermask / trained' : 'init / ticket at init / trained of this run'}
              </button>
            )
          }
        />
      </div>
      <div className="toolbar av-toolbar">
        <ClassPicker names={names} value={cls} onChange={setClassIndex} testId="sel-class" />
        <NumberField label="threshold (AUROC)" value={threshold} min={0.5} max={1} step={0.01} onCommit={setThreshold} testId="sel-threshold" title="Units with AUROC at or above this count as detectors" />
        <NumberField label="permutations" value={permutations} min={0} max={1000} integer onCommit={setPermutations} testId="sel-permutations" title="Label permutations for the null of the layer's best unit" />
        <Select label="conv pooling" value={pooling} options={POOLINGS} onChange={setPooling} testId="sel-pooling" title="How a conv channel's map becomes one number per image (both are computed; this picks the one shown)" />
        <Select label="histograms" value={histLayout} options={HIST_LAYOUTS} onChange={setHistLayout} testId="sel-layout" />
        <Select label="bar height" value={countScale} options={COUNT_SCALES} onChange={setCountScale} testId="sel-count-scale" title="√ keeps small counts visible next to a spike (e.g. dead units at AUROC 0.5)" />
        <Select label="images" value={split} options={SPLITS} onChange={setSplit} testId="sel-split" />
        <AnalysisProvenance meta={result?.meta} testId="sel-provenance" />
      </div>
      {mixed && <p className="error-text">The states come from different data sets ({[...new Set(infos.map((s) => s.dataset))].join(', ')}): pick states of one data set.</p>}
      <AnalysisStatus what="Selectivity" loading={loading} error={error} progress={progress} onRetry={rerun} testId="sel" />
      {!ready && !mixed && !statesLoading && <p className="muted">Pick at least one state above to compute the selectivity of its units.</p>}
      <div ref={wrapRef} className="av-chart-wrap">
        {result && (
          <ChartCard className={loading ? 'av-stale' : undefined} svgRef={svg} stem={stem} testId="sel-export" onError={onError} what="the selectivity histograms">
            <AurocHistogram result={result} pooling={pooling} layout={histLayout} countScale={countScale} width={Math.max(320, width - 2)} dark={dark} svgRef={svg} onUnit={openUnit} />
          </ChartCard>
        )}
      </div>
      {result && <SelectivityTable result={result} pooling={pooling} dark={dark} stem={stem} onUnit={openUnit} onError={onError} scans={scans} />}
      {result && <AblationSection scans={scans} result={result} pooling={pooling} dark={dark} width={width} stem={stem} onError={onError} />}
    </AnalysisPage>
  );
}

function SelectivityTable(props: { result: SelectivityResult; pooling: Pooling; dark: boolean; stem: string; onUnit: (si: number, layer: string, unit: number) => void; onError: (m: string) => void; scans: LayerScans }) {
  const { result, pooling, dark, stem, onUnit, onError, scans } = props;
  const pct = (v: number | undefined | null) => formatPercent(v ?? null, 1);
  const [byDrop, setByDrop] = useState(false);
  // The best unit's class-logit drop when ablated alone, where the layer's scan is in (null: not computed).
  const dropOf = (si: number, layer: string, unit: number | undefined): number | null => {
    const scan = scans.result && scans.layer === layer ? scans.result[si] : undefined;
    return unit === undefined ? null : (scan?.units[unit]?.targetLogitDrop ?? null);
  };
  const rows = result.states.flatMap((s, si) => s.layers.map((l) => ({ s, si, l, p: poolOf(l, pooling) })));
  const sorted = byDrop ? [...rows].sort((a, b) => (dropOf(b.si, b.l.layer, b.p?.best.unit) ?? -Infinity) - (dropOf(a.si, a.l.layer, a.p?.best.unit) ?? -Infinity)) : rows;
  const hidden = new Set(scans.layers);
  return (
    <section className="av-table">
      <div className="table-head">
        <h3>Per state and layer</h3>
        <span className="muted">
          AUROC of the best unit ({pooling}-pooled for conv layers), its permutation p-value (corrected for picking the best of the layer; with{' '}
          {result.permutations} permutations the smallest possible p is 1/{result.permutations + 1} = {(1 / (result.permutations + 1)).toFixed(3)}), units with
          AUROC ≥ {result.threshold}, the null of the best unit, and a logistic probe on the layer (mean-pooled, standardised; fitted on half the images,
          scored on the other half). Chance: always answering “not {result.class.name}”. Last column: the {result.class.name} logit drop when the best unit alone is
          mean-ablated (0 = no effect; computed per layer on demand, as the ablation section below).
        </span>
        <span className="table-tools">
          <ExportButtons csv={() => selectivityCsv(result)} stem={stem} testId="sel-export" onError={onError} what="the table" />
          <ExportButtons csv={() => unitAurocCsv(result)} stem={`${stem}-units`} testId="sel-export-units" onError={onError} what="every unit's AUROC, every state, layer and pooling" csvLabel="CSV per unit" />
        </span>
      </div>
      <div className="av-scroll-x">
      <table className="results av-results" data-testid="sel-table">
        <TableHead
          cells={[
            'state',
            'layer',
            'units',
            'best unit',
            'AUROC',
            'p',
            `≥ ${result.threshold}`,
            { label: 'null best: median (95%)', title: 'Best-unit AUROC under shuffled labels: median (95th percentile)' },
            'probe acc.',
            'balanced acc.',
            'probe AUROC',
            { label: 'acc. chance', title: `Accuracy of always answering “not ${result.class.name}”; a balanced accuracy's chance is 50%` },
            'probe n (train/test)',
            <th key="drop" aria-sort={byDrop ? 'descending' : 'none'} title={`What mean-ablating the best unit alone removes of the ${result.class.name} logit on its images (the layer's ablation scan, below); click to sort`}>
              <button type="button" className="link" onClick={() => setByDrop((v) => !v)} data-testid="sel-sort-drop">
                drop if ablated{byDrop ? ' ▼' : ''}
              </button>
            </th>,
          ]}
        />
        <tbody>
          {sorted.map(({ s, si, l, p }) => {
              const n = p ? nullSummary(p.nullBest) : null;
              const drop = dropOf(si, l.layer, p?.best.unit);
              return (
                <tr key={`${s.state.ref}:${l.layer}`} data-testid="sel-row" data-state={s.state.ref} data-layer={l.layer}>
                  <StateCell si={si} label={s.state.label} dark={dark} />
                  <td>
                    {l.layer} <span className="muted">{l.kind}</span>
                  </td>
                  <td>{formatInt(l.units)}</td>
                  <td>
                    {p && (
                      <button
                        type="button"
                        className="link"
                        onClick={() => onUnit(si, l.layer, p.best.unit)}
                        title={`Activation maps of ${l.layer} unit ${p.best.unit} in ${s.state.label}`}
                        data-testid="sel-best-link"
                      >
                        #{p.best.unit}
                      </button>
                    )}
                  </td>
                  <td data-testid="sel-cell-auroc">{p ? p.best.auroc.toFixed(3) : '—'}</td>
                  <td data-testid="sel-cell-p">{p ? formatP(p.pValue) : '—'}</td>
                  <td data-testid="sel-cell-detectors">{p ? formatInt(p.detectors) : '—'}</td>
                  <td>{n ? `${n.median.toFixed(3)} (${n.q95.toFixed(3)})` : '—'}</td>
                  <td data-testid="sel-cell-probe">{pct(l.probe?.accuracy)}</td>
                  <td>{pct(l.probe?.balancedAccuracy)}</td>
                  <td>{l.probe ? l.probe.auroc.toFixed(3) : '—'}</td>
                  <td>{pct(l.probe?.chance)}</td>
                  <td>{l.probe ? `${formatInt(l.probe.trainN)} / ${formatInt(l.probe.testN)}` : '—'}</td>
                  <td data-testid="sel-cell-drop">
                    {drop !== null ? (
                      drop.toFixed(3)
                    ) : hidden.has(l.layer) ? (
                      <button type="button" className="btn small" onClick={() => scans.ask(l.layer)} disabled={scans.loading} data-testid="sel-ablate-layer" title={`Ablate every unit of ${l.layer} alone, in every shown state (forward passes: on demand)`}>
                        ablate
                      </button>
                    ) : (
                      <span className="muted">output</span>
                    )}
                  </td>
                </tr>
              );
            })}
        </tbody>
      </table>
      </div>
    </section>
  );
}

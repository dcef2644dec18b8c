// The dog report (issue #12): pick an experiment (and experiments to join by seed: a supermask, random features) and a
// class; the core puts together, per seed and over seeds, the best unit against the permutation null at each stage,
// what ablating it removes of the class logit, the subcircuit's faithfulness at the budget and the masks' overlap
// against chance, and a verdict that claims only what these support (reportDog; its parts are cached analyses). The
// charts are the HTML export's (shared/dog-report-html.ts), shown as images; "HTML" downloads that one page.
import { useMemo, useState } from 'react';
import type { ExperimentSummary } from '../../../shared/contract';
import { dogReportHtml, reportCharts } from '../../../shared/dog-report-html';
import type { DogReport } from '../../../shared/dog-report';
import { AnalysisPage } from '../analysis/AnalysisPage';
import { AnalysisStatus } from '../analysis/AnalysisStatus';
import { ClassPicker, NumberField, Select } from '../analysis/controls';
import { classNamesOf, defaultClassIndex } from '../analysis/nets';
import { TableHead } from '../analysis/TableHead';
import type { AnalysisViewProps } from '../analysis/types';
import { useAnalysis } from '../analysis/useAnalysis';
import { useStates } from '../analysis/useStates';
import { download } from '../charts/export';
import './analysis-views.css';

const f = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));
const svgImage = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

export function DogReportView({ api, arg, epoch }: AnalysisViewProps) {
  const statesState = useStates(api, epoch);
  const experiments = useAnalysis<ExperimentSummary[]>((call) => api.listExperiments({}, call), [epoch], { api });
  const list = experiments.result ?? [];
  const [picked, setPicked] = useState<string | null>(arg);
  const [joined, setJoined] = useState<string[]>([]);
  const [classIndex, setClassIndex] = useState<number | null>(null);
  const [permutations, setPermutations] = useState(100);
  const [asked, setAsked] = useState(false);
  const exp = list.find((e) => e.experimentId === picked) ?? list[0] ?? null;
  const names = classNamesOf(exp?.config.dataset);
  const cls = classIndex !== null && classIndex < names.length ? classIndex : defaultClassIndex(names);
  const others = list.filter((e) => exp && e.experimentId !== exp.experimentId && e.config.dataset === exp.config.dataset && e.config.arch === exp.config.arch);
  const { result, loading, error, progress, rerun } = useAnalysis<DogReport>(
    asked && exp ? (call) => api.reportDog({ experimentId: exp.experimentId, class: cls, permutations, ...(joined.length ? { with: joined } : {}) }, call) : null,
    [asked, exp?.experimentId, cls, permutations, joined.join(',')],
    { api },
  );
  const charts = useMemo(() => (result ? reportCharts(result) : null), [result]);
  return (
    <AnalysisPage
      view="report"
      states={statesState}
      emptyTitle="Dog report"
      emptyText={<p>No stored state with weights yet: train an experiment first; its report then puts together every analysis of its seeds.</p>}
      loading={loading}
      ready={!!result && !loading}
      markers={{ 'data-experiment': exp?.experimentId ?? '' }}
    >
      <div className="toolbar av-toolbar">
        <Select
          label="experiment"
          value={exp?.experimentId ?? ''}
          options={list.map((e) => ({ value: e.experimentId, label: `${e.name} (${e.config.arch}, ${e.config.dataset})` }))}
          onChange={(v) => {
            setPicked(v);
            setJoined([]);
          }}
          testId="rep-experiment"
        />
        <ClassPicker names={names} value={cls} onChange={setClassIndex} testId="rep-class" />
        <NumberField label="permutations" value={permutations} min={0} max={1000} integer onCommit={setPermutations} testId="rep-permutations" />
        {others.map((o) => (
          <label key={o.experimentId} className="checkbox">
            <input type="checkbox" checked={joined.includes(o.experimentId)} onChange={(e) => setJoined(e.target.checked ? [...joined, o.experimentId] : joined.filter((x) => x !== o.experimentId))} />
            with {o.name}
          </label>
        ))}
        <button type="button" className="btn small" onClick={() => setAsked(true)} disabled={!exp} data-testid="rep-run">
          make the report
        </button>
        {result && (
          <button type="button" className="btn small" onClick={() => download(new Blob([dogReportHtml(result)], { type: 'text/html' }), `${result.class.name}-report-${result.experiment.id}.html`)} data-testid="rep-html">
            HTML
          </button>
        )}
      </div>
      <AnalysisStatus what="The report" loading={loading} error={error ?? experiments.error} progress={progress} onRetry={rerun} testId="rep" />
      {result && charts && (
        <>
          <section className="av-table">
            <h3>Verdict</h3>
            <ul data-testid="rep-verdict">
              {result.verdict.map((v) => (
                <li key={v}>{v}</li>
              ))}
            </ul>
            <p className="muted">
              {result.settings.permutations} permutations (p corrected for the layers and poolings searched), {result.settings.ablation} ablation on the first{' '}
              {result.settings.evaluation} test images, faithfulness at {result.settings.budget} edges, α = {result.settings.alpha}; intervals: 95% t over seeds.
              {result.missing.length > 0 && ` Not included: ${result.missing.join('; ')}.`}
            </p>
          </section>
          <table className="results av-results" data-testid="rep-table">
            <TableHead cells={['stage', 'seeds', 'beat the null', 'best AUROC [95%]', 'logit share removed [95%]', 'faithfulness [95%]']} />
            <tbody>
              {result.stages.map((s) => (
                <tr key={s.stage} data-testid="rep-row" data-stage={s.stage}>
                  <td>{s.label}</td>
                  <td>{s.seeds.length}</td>
                  <td>{s.significant}</td>
                  <td>{`${f(s.auroc.mean)} [${f(s.auroc.lo)}, ${f(s.auroc.hi)}]`}</td>
                  <td>{`${f(s.fraction.mean)} [${f(s.fraction.lo)}, ${f(s.fraction.hi)}]`}</td>
                  <td>{`${f(s.faithfulness.mean)} [${f(s.faithfulness.lo)}, ${f(s.faithfulness.hi)}]`}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="av-chart-wrap" data-testid="rep-charts">
            <img src={svgImage(charts.auroc)} alt="best unit AUROC per stage and seed" />
            <img src={svgImage(charts.ablation)} alt="share of the class logit removed per stage and seed" />
            <img src={svgImage(charts.faithfulness)} alt="faithfulness at the budget per stage and seed" />
          </div>
        </>
      )}
    </AnalysisPage>
  );
}

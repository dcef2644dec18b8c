// The Activation view's causal check (issue #12): "ablate this unit" mean-ablates the shown unit in each shown state
// (analyzeAblate, cached) and puts what that removes (the class logit on its images, the other classes' own logits,
// class and overall accuracy before and after) beside the unit's AUROC for the class (analyzeSelectivity with the
// Selectivity view's defaults, cached: the same numbers as there). Selective is not the same as needed (Morcos et
// al. 2018): a high AUROC with a small drop is a detector the class logit does not use.
import { useState } from 'react';
import { ANALYSIS_DEFAULTS, type SelectivityResult, type StateInfo } from '../../../../shared/analysis';
import { CAUSAL_DEFAULTS, type AblationResult } from '../../../../shared/causal';
import type { Api } from '../../../../shared/contract';
import { AnalysisStatus } from '../../analysis/AnalysisStatus';
import { formatPercent } from '../../app/format';
import { StateCell, TableHead } from '../../analysis/TableHead';
import { useAnalysis } from '../../analysis/useAnalysis';
import { poolOf } from '../../charts/selectivity-data';
import { inTurn } from '../causal/AblationSection';

const pct = (x: number) => formatPercent(x, 1);

export function UnitAblation(props: { api: Api; states: StateInfo[]; layer: string; unit: number; cls: number; className: string; isOutput: boolean; dark: boolean }) {
  const { api, states, layer, unit, cls, className, isOutput, dark } = props;
  const refs = states.map((s) => s.ref);
  const key = `${refs.join(',')} ${layer} ${unit} ${cls}`;
  const [asked, setAsked] = useState<string | null>(null);
  const on = asked === key;
  const ablations = useAnalysis<AblationResult[]>(on ? (call) => inTurn(refs, (state) => api.analyzeAblate({ state, class: cls, layer, units: [unit] }, call)) : null, [key, on], { api, kind: 'ablate' });
  const selectivity = useAnalysis<SelectivityResult>(
    on ? (call) => api.analyzeSelectivity({ states: refs, class: cls, threshold: ANALYSIS_DEFAULTS.threshold, permutations: ANALYSIS_DEFAULTS.permutations, split: ANALYSIS_DEFAULTS.split }, call) : null,
    [key, on],
    { api, kind: 'selectivity' },
  );
  const aurocOf = (si: number): number | null => {
    const l = selectivity.result?.states[si]?.layers.find((x) => x.layer === layer);
    const p = l ? poolOf(l, 'mean') : null;
    return p?.auroc[unit] ?? null;
  };
  // The image counts the ablations used (the same for every state: one data set, one evaluation and reference size).
  const used = ablations.result?.[0]?.images;
  if (isOutput) return null;
  return (
    <section className="av-table" data-testid="act-ablation">
      <div className="table-head">
        <h3>
          Does the {className} logit use {layer} #{unit}? Ablate it
        </h3>
        <span className="muted">
          The unit replaced by its mean over up to {CAUSAL_DEFAULTS.reference} training images ({CAUSAL_DEFAULTS.ablation} ablation), on up to the first{' '}
          {CAUSAL_DEFAULTS.evaluation} test images (the counts used are under the table): the drop of the {className} logit on its images and of the other classes&apos; own logits (before minus after; 0 = no effect), beside the unit&apos;s
          AUROC for {className} (0.5 = chance; conv units mean-pooled, as in the Selectivity view).
        </span>
      </div>
      <div className="toolbar">
        <button type="button" className="btn small" onClick={() => setAsked(key)} disabled={on && ablations.loading} data-testid="act-ablate">
          ablate {layer} #{unit} in {states.length === 1 ? 'this state' : `these ${states.length} states`}
        </button>
      </div>
      <AnalysisStatus what="Ablation" loading={ablations.loading || selectivity.loading} error={ablations.error ?? selectivity.error} progress={ablations.progress ?? selectivity.progress} onRetry={ablations.rerun} testId="act-abl" />
      {on && ablations.result && (
        <table className="results av-results" data-testid="act-abl-table">
          <TableHead cells={['state', 'AUROC', 'ablation', `${className} logit: before → after (drop)`, 'other classes’ logit drop', `${className} accuracy before → after`, 'accuracy before → after']} />
          <tbody>
            {ablations.result.map((r, si) => {
              const a = aurocOf(si);
              return (
                <tr key={r.state.ref} data-testid="act-abl-row" data-state={r.state.ref}>
                  <StateCell si={si} label={r.state.label} dark={dark} />
                  <td data-testid="act-abl-auroc">{a === null ? '…' : a.toFixed(3)}</td>
                  <td>{r.ablation}</td>
                  <td data-testid="act-abl-drop">
                    {r.targetLogit.before.toFixed(3)} → {r.targetLogit.after.toFixed(3)} ({r.targetLogitDrop.toFixed(3)})
                  </td>
                  <td data-testid="act-abl-other">{r.otherLogitDrop === null ? '—' : r.otherLogitDrop.toFixed(3)}</td>
                  <td>
                    {pct(r.targetAccuracy.before)} → {pct(r.targetAccuracy.after)}
                  </td>
                  <td>
                    {pct(r.accuracy.before)} → {pct(r.accuracy.after)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {on && used && (
        <p className="muted" data-testid="act-abl-images">
          Measured on {used.class} {className} test image(s) and {used.other} of the other classes
          {used.reference > 0 ? `; the mean over ${used.reference} training images` : ''}.
        </p>
      )}
    </section>
  );
}

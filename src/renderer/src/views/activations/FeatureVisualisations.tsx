// Feature visualisations of the Activation view's unit (Olah et al. 2017; docs/analysis.md): for each picked state
// (e.g. init, ticket-at-init, supermask, trained), the image that maximises the unit, beside the unit's output on
// that image and on its top dataset image (the baseline: what real images reach). Computed on demand (a checkbox),
// one state after another, cached by the core like every analysis.
import { useEffect, useRef, useState } from 'react';
import type { ActivationsResult, StateInfo } from '../../../../shared/analysis';
import type { Api } from '../../../../shared/contract';
import type { VisualizeAnalysisResult } from '../../../../shared/detector';
import { AnalysisStatus } from '../../analysis/AnalysisStatus';
import { NumberField } from '../../analysis/controls';
import { useAnalysis } from '../../analysis/useAnalysis';
import { formatValue } from '../../charts/activation-draw';
import { stateColour } from '../../charts/analysis-palette';

const SIDE = 112;

function VisImage({ r }: { r: VisualizeAnalysisResult }) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  const [h, w] = r.image.shape;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const bytes = Uint8ClampedArray.from(atob(r.image.rgba), (c) => c.charCodeAt(0));
    ctx.putImageData(new ImageData(bytes, w, h), 0, 0);
  }, [r, h, w]);
  return <canvas ref={ref} width={w} height={h} className="fv-image" style={{ width: SIDE, height: SIDE }} aria-label={`feature visualisation of ${r.layer} unit ${r.unit} in ${r.state.label}`} />;
}

export function FeatureVisualisations(props: { api: Api; states: StateInfo[]; layer: string | null; unit: number; activations: ActivationsResult | null; dark: boolean }) {
  const { api, states, layer, unit, activations, dark } = props;
  const [on, setOn] = useState(false);
  const [steps, setSteps] = useState(256);
  const refs = states.map((s) => s.ref);
  const { result, loading, error, progress, rerun } = useAnalysis<VisualizeAnalysisResult[]>(
    on && layer && refs.length
      ? async (call) => {
          const out: VisualizeAnalysisResult[] = [];
          for (const state of refs) out.push(await api.analyzeVisualize({ state, layer, unit, steps }, call));
          return out;
        }
      : null,
    [on, refs.join(','), layer, unit, steps],
    { api, kind: 'visualize' },
  );
  const topOf = (ref: string) => activations?.states.find((s) => s.state.ref === ref)?.top[0]?.activation;
  return (
    <section className="fv-section" data-testid="fv-section">
      <div className="toolbar av-toolbar">
        <label className="field-inline">
          <input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} data-testid="fv-toggle" />
          feature visualisation of this unit in each state
        </label>
        <NumberField label="steps" value={steps} min={16} max={2048} integer onCommit={setSteps} testId="fv-steps" width={58} title="optimisation steps (lucid uses 512)" />
        <span className="muted small">an image optimised to maximise the unit (Olah et al. 2017: Fourier basis, decorrelated colour, random jitter, scale, rotation)</span>
      </div>
      {on && <AnalysisStatus what="feature visualisations" loading={loading} error={error} progress={progress} onRetry={rerun} testId="fv" />}
      {on && result && (
        <div className={`fv-row${loading ? ' av-stale' : ''}`} data-testid="fv-row">
          {result.map((r, i) => {
            const top = topOf(r.state.ref);
            return (
              <figure key={r.state.ref} className="fv-card" data-testid="fv-card" data-state={r.state.ref}>
                <VisImage r={r} />
                <figcaption>
                  <span className="swatch" style={{ background: stateColour(i, dark) }} />
                  {r.state.label}
                  <br />
                  <span className="muted small" data-testid="fv-output" title="the unit's output (after its ReLU; conv: max over positions) on the optimised image, and on its top-activating dataset image">
                    unit output {formatValue(r.final.activationMax)}
                    {top !== undefined ? ` · top dataset image ${formatValue(top)}` : ''}
                  </span>
                </figcaption>
              </figure>
            );
          })}
        </div>
      )}
    </section>
  );
}

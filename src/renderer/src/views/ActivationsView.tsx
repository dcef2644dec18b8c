// Activation maps: one unit (layer, index) in up to four states side by side, on images of the class of interest.
// Is the unit a "dog detector" already at initialisation, only under the ticket's mask, or only after training? Each
// state gets a row of the class images with the unit's map overlaid, its mean map, Grad-CAM of the class logit and its
// top-activating images with their labels; a table of the numbers per state. Route argument
// `RUN.ROUND.WHICH.LAYER.UNIT[.CLASS]` (what the selectivity view links to) or a state / run. PNG of the grid, CSV
// of the activations. Feature visualisations of the unit in each state on demand (activations/FeatureVisualisations.tsx),
// and its ablation beside its AUROC on demand (activations/UnitAblation.tsx).
import { useMemo, useRef, useState } from 'react';
import { ANALYSIS_DEFAULTS, type ActivationsResult, type StateInfo } from '../../../shared/analysis';
import { AnalysisPage } from '../analysis/AnalysisPage';
import { AnalysisProvenance, AnalysisStatus } from '../analysis/AnalysisStatus';
import { ClassPicker, NumberField, Select, StateList } from '../analysis/controls';
import { describeStates } from '../analysis/route-defaults';
import { RouteNotice } from '../analysis/RouteNotice';
import { StateCell, TableHead } from '../analysis/TableHead';
import { classNamesOf, defaultClassIndex, layersOf } from '../analysis/nets';
import type { AnalysisViewProps } from '../analysis/types';
import { useAnalysis } from '../analysis/useAnalysis';
import { useRouteArg } from '../analysis/useRouteArg';
import { useStates } from '../analysis/useStates';
import { stateArg, statesForArg } from '../analysis/view-args';
import { useDarkMode } from '../app/theme';
import { formatValue } from '../charts/activation-draw';
import { ActivationGrid, type ScaleMode } from '../charts/ActivationGrid';
import { nearZeroGradcam } from '../charts/activation-layout';
import { exportCanvasPng, exportCsv, fileStem } from '../charts/export';
import { csvLine } from '../charts/selectivity-data';
import { useElementWidth } from '../charts/useElementWidth';
import { FeatureVisualisations } from './activations/FeatureVisualisations';
import { UnitAblation } from './activations/UnitAblation';
import './analysis-views.css';

const MAX_STATES = 4;
const SCALE_OPTIONS: readonly { value: ScaleMode; label: string }[] = [
  { value: 'shared', label: 'shared by all states' },
  { value: 'per-state', label: 'per state' },
];

export function activationsCsv(r: ActivationsResult): string {
  const label = new Map(r.images.map((im) => [im.index, im.label]));
  const lines = [csvLine(['state', 'state_label', 'layer', 'unit', 'class_index', 'class_name', 'set', 'rank', 'image_index', 'image_label', 'image_class', 'activation', 'map_max', 'map_mean', 'map_h', 'map_w'])];
  const [h, w] = r.mapShape ?? [null, null];
  for (const s of r.states) {
    for (const [set, list] of [
      ['class', s.classImages],
      ['top', s.top],
    ] as const) {
      list.forEach((m, k) => {
        const l = label.get(m.index);
        const mx = m.map.length ? Math.max(...m.map) : null;
        const mean = m.map.length ? m.map.reduce((a, b) => a + b, 0) / m.map.length : null;
        lines.push(csvLine([s.state.ref, s.state.label, r.layer, r.unit, r.class.index, r.class.name, set, k + 1, m.index, l, l === undefined ? '' : r.classNames[l], m.activation, mx, mean, h, w]));
      });
    }
    lines.push(csvLine([s.state.ref, s.state.label, r.layer, r.unit, r.class.index, r.class.name, 'mean-class', '', '', '', '', s.meanClass, '', '', h, w]));
    lines.push(csvLine([s.state.ref, s.state.label, r.layer, r.unit, r.class.index, r.class.name, 'mean-other', '', '', '', '', s.meanOther, '', '', h, w]));
  }
  return `${lines.join('\n')}\n`;
}

export function ActivationsView({ api, arg, navigate, epoch, onError }: AnalysisViewProps) {
  const dark = useDarkMode();
  const statesState = useStates(api, epoch);
  const { states, loading: statesLoading } = statesState;
  const [picked, setPicked] = useState<string[]>([]);
  const [layer, setLayer] = useState<string | null>(null);
  const [unit, setUnit] = useState(0);
  const [classIndex, setClassIndex] = useState<number | null>(null);
  const [images, setImages] = useState(ANALYSIS_DEFAULTS.images);
  const [top, setTop] = useState(ANALYSIS_DEFAULTS.top);
  const [gradcamLayer, setGradcamLayer] = useState<string>('');
  const [opacity, setOpacity] = useState(0.75);
  const [scaleMode, setScaleMode] = useState<ScaleMode>('shared');
  const [camScaleMode, setCamScaleMode] = useState<ScaleMode>('shared');
  const [wrapRef, width] = useElementWidth<HTMLDivElement>(1200);
  const canvas = useRef<HTMLCanvasElement | null>(null);

  const routeProblem = useRouteArg(arg, statesState, (parsed) => {
    const next = statesForArg(states, parsed, picked.length, MAX_STATES);
    if (next.length) setPicked(next);
    if (parsed?.layer) setLayer(parsed.layer);
    if (parsed?.unit !== null && parsed?.unit !== undefined) setUnit(parsed.unit);
    if (parsed?.classIndex !== null && parsed?.classIndex !== undefined) setClassIndex(parsed.classIndex);
  });

  const infos = useMemo(() => picked.map((r) => states.find((s) => s.ref === r)).filter((s): s is StateInfo => !!s), [picked, states]);
  const first = infos[0] ?? null;
  const names = classNamesOf(first?.dataset);
  const cls = classIndex !== null && classIndex < names.length ? classIndex : defaultClassIndex(names);
  const layers = useMemo(() => layersOf(first?.arch, names.length), [first?.arch, names.length]);
  const layerInfo = layers.find((l) => l.name === layer) ?? layers[0] ?? null;
  const layerName = layerInfo?.name ?? null;
  const maxUnit = (layerInfo?.units ?? 1) - 1;
  const u = Math.min(unit, maxUnit);
  const convs = layers.filter((l) => l.kind === 'conv');
  const mixed = new Set(infos.map((s) => s.arch)).size > 1 || new Set(infos.map((s) => s.dataset)).size > 1;

  const ready = picked.length > 0 && infos.length === picked.length && layerName !== null && !mixed;
  const { result, loading, error, progress, rerun } = useAnalysis<ActivationsResult>(
    ready
      ? (call) =>
          api.analyzeActivations(
            {
              states: picked,
              layer: layerName!,
              unit: u,
              class: cls,
              images,
              top,
              ...(gradcamLayer && convs.some((l) => l.name === gradcamLayer) ? { gradcamLayer } : {}),
            },
            call,
          )
      : null,
    [picked.join(','), layerName, u, cls, images, top, gradcamLayer],
    { api, kind: 'activations' },
  );

  const camName = (result ? result.states[0]?.gradcam.method === 'input-x-gradient' : !convs.length) ? 'input × gradient' : 'Grad-CAM';
  const stem = result ? fileStem('activations', result.layer, `unit${result.unit}`, result.class.name, first?.runId ?? '') : 'activations';
  const doPng = () => canvas.current && exportCanvasPng(canvas.current, `${stem}.png`, onError);

  return (
    <AnalysisPage
      view="activations"
      states={statesState}
      emptyTitle="Activation maps"
      emptyText={
        <p>
          No stored state with weights yet. Train a network first (the Runs view or the Experiment builder); then pick a state, a layer and a unit here, or
          click a best unit in the Selectivity view.
        </p>
      }
      loading={loading || statesLoading}
      ready={!!result && !loading}
      markers={{ 'data-states': picked.join(' '), 'data-layer': result?.layer ?? '', 'data-unit': result?.unit ?? '', 'data-class': cls }}
    >
      <RouteNotice problem={routeProblem} shown={describeStates(infos)} />
      <div className="toolbar av-toolbar">
        <StateList states={states} value={picked} onChange={setPicked} max={MAX_STATES} dark={dark} testId="act-states" />
      </div>
      <div className="toolbar av-toolbar">
        <span className="field-inline">
          <label htmlFor="act-layer" className="muted">
            layer
          </label>
          <select id="act-layer" value={layerName ?? ''} onChange={(e) => setLayer(e.target.value)} data-testid="act-layer" disabled={!layers.length}>
            {layers.map((l) => (
              <option key={l.name} value={l.name}>
                {l.name} ({l.units} {l.kind === 'conv' ? 'channels' : 'units'})
              </option>
            ))}
          </select>
        </span>
        <span className="act-unit">
          <button type="button" className="btn small" aria-label="previous unit" onClick={() => setUnit(Math.max(0, u - 1))} disabled={u <= 0} data-testid="act-unit-prev">
            ‹
          </button>
          <NumberField label="unit" value={u} min={0} max={maxUnit} integer onCommit={setUnit} testId="act-unit" width={58} title={`0 … ${maxUnit}`} />
          <button type="button" className="btn small" aria-label="next unit" onClick={() => setUnit(Math.min(maxUnit, u + 1))} disabled={u >= maxUnit} data-testid="act-unit-next">
            ›
          </button>
          <span className="muted small">of {maxUnit + 1}</span>
        </span>
        <ClassPicker names={names} value={cls} onChange={setClassIndex} testId="act-class" />
        <NumberField label="class images" value={images} min={1} max={64} integer onCommit={setImages} testId="act-images" width={50} />
        <NumberField label="top" value={top} min={1} max={64} integer onCommit={setTop} testId="act-top" width={50} />
        <span className="field-inline">
          <label htmlFor="act-gradcam" className="muted">
            Grad-CAM at
          </label>
          <select id="act-gradcam" value={gradcamLayer} onChange={(e) => setGradcamLayer(e.target.value)} data-testid="act-gradcam" disabled={!convs.length}>
            <option value="">{convs.length ? `last conv (${convs[convs.length - 1]!.name})` : 'no conv layer: input × gradient'}</option>
            {convs.map((l) => (
              <option key={l.name} value={l.name}>
                {l.name}
              </option>
            ))}
          </select>
        </span>
      </div>
      <div className="toolbar av-toolbar">
        <span className="field-inline act-opacity">
          <label htmlFor="act-opacity" className="muted">
            overlay opacity
          </label>
          <input id="act-opacity" type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} data-testid="act-opacity" />
          <span className="muted small">{Math.round(opacity * 100)}%</span>
        </span>
        <Select
          label="colour scale"
          value={scaleMode}
          options={SCALE_OPTIONS}
          onChange={setScaleMode}
          testId="act-scale"
        />
        <Select
          label={`${camName} scale`}
          value={camScaleMode}
          options={SCALE_OPTIONS}
          onChange={setCamScaleMode}
          testId="act-cam-scale"
          title={`The ${camName} maps' colour scale, apart from the activations': its size differs by orders between states (at init it is near zero)`}
        />
        {first && (
          <button type="button" className="link" onClick={() => navigate('selectivity', stateArg(first.ref))} data-testid="act-to-selectivity">
            selectivity of these states
          </button>
        )}
        <AnalysisProvenance meta={result?.meta} testId="act-provenance" />
        <span className="table-tools">
          <button type="button" className="btn small" onClick={doPng} disabled={!result} data-testid="act-export-png">
            PNG
          </button>
          <button type="button" className="btn small" onClick={() => result && exportCsv(activationsCsv(result), `${stem}.csv`)} disabled={!result} data-testid="act-export-csv">
            CSV
          </button>
        </span>
      </div>
      {mixed && <p className="error-text">The states have different networks or data sets: pick states of one architecture and data set to compare the same unit.</p>}
      <AnalysisStatus what="Activation maps" loading={loading} error={error} progress={progress} onRetry={rerun} testId="act" />
      {!ready && !mixed && !statesLoading && <p className="muted">Pick a state, a layer and a unit above.</p>}
      {result && <ActivationSummary result={result} dark={dark} />}
      {ready && result && (
        <UnitAblation api={api} states={infos} layer={layerName} unit={u} cls={cls} className={result.class.name} isOutput={layerInfo === layers[layers.length - 1]} dark={dark} />
      )}
      {ready && <FeatureVisualisations api={api} states={infos} layer={layerName} unit={u} activations={result} dark={dark} />}
      {result && camScaleMode === 'shared' && <NearZeroNote result={result} camName={camName} onPerState={() => setCamScaleMode('per-state')} />}
      <div ref={wrapRef} className={`av-chart-wrap${loading ? ' av-stale' : ''}`}>
        {result && <ActivationGrid result={result} width={Math.max(480, width)} dark={dark} opacity={opacity} scaleMode={scaleMode} camScaleMode={camScaleMode} canvasRef={canvas} />}
      </div>
    </AnalysisPage>
  );
}

/** States whose Grad-CAM draws as black on the shared scale, with their largest |value|, and the way to see them. */
function NearZeroNote({ result, camName, onPerState }: { result: ActivationsResult; camName: string; onPerState: () => void }) {
  const near = nearZeroGradcam(result);
  if (!near.length) return null;
  const names = near.map((r) => `${result.states[r.si]!.state.label} (largest |value| ${formatValue(r.max)})`);
  return (
    <p className="warn-text small act-near-zero" data-testid="act-near-zero" data-states={near.map((r) => result.states[r.si]!.state.ref).join(' ')}>
      {camName} is near zero in {names.join(', ')} against {formatValue(near[0]!.sharedMax)} on the shared scale, so those rows draw as black.{' '}
      <button type="button" className="link" onClick={onPerState} data-testid="act-near-zero-per-state">
        Give each state its own scale
      </button>{' '}
      to see their shape.
    </p>
  );
}

function ActivationSummary({ result, dark }: { result: ActivationsResult; dark: boolean }) {
  const labelOf = new Map(result.images.map((im) => [im.index, im.label]));
  const cls = result.class.name;
  return (
    <table className="results av-results" data-testid="act-table">
      <TableHead
        cells={[
          'state',
          'density',
          { label: `mean on “${cls}”`, title: `Mean pooled activation over every ${cls} image of the split` },
          'mean on others',
          'difference',
          `max on the ${result.classImages.length} shown`,
          `top ${result.states[0]?.top.length ?? 0}: of class “${cls}”`,
          'attribution map',
        ]}
      />
      <tbody>
        {result.states.map((s, si) => {
          const inTop = s.top.filter((m) => labelOf.get(m.index) === result.class.index).length;
          return (
            <tr key={s.state.ref} data-testid="act-row" data-state={s.state.ref}>
              <StateCell si={si} label={s.state.label} dark={dark} />
              <td>{(s.state.density * 100).toFixed(2)}%</td>
              <td data-testid="act-mean-class">{formatValue(s.meanClass)}</td>
              <td data-testid="act-mean-other">{formatValue(s.meanOther)}</td>
              <td>{formatValue(s.meanClass - s.meanOther)}</td>
              <td>{formatValue(Math.max(...s.classImages.map((m) => m.activation)))}</td>
              <td data-testid="act-top-class">
                {inTop} / {s.top.length}
              </td>
              <td>{s.gradcam.method === 'grad-cam' ? `Grad-CAM at ${s.gradcam.layer}` : 'input × gradient (no conv layer)'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

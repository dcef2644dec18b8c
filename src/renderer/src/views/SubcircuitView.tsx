// Subcircuit: which units and connections carry a class's logit in a state, and how much of that circuit a second
// state shares (ticket at init vs. trained, two seeds, IMP vs. a pruning-at-init mask). A layered graph (columns:
// input, conv1, …, fc3), the top units per layer by attribution, edges sized by |attribution| and coloured by sign
// or by which state holds them, an edge-budget slider over the returned edges (largest first), details of a clicked
// unit with a link to its activation maps, and the share against chance (subcircuit/SidePanel.tsx). Layout in a Web
// Worker, drawing on canvas.
import { useEffect, useMemo, useRef, useState } from 'react';
import { ANALYSIS_DEFAULTS, type StateInfo, type SubcircuitResult } from '../../../shared/analysis';
import { AnalysisPage } from '../analysis/AnalysisPage';
import { AnalysisProvenance, AnalysisStatus } from '../analysis/AnalysisStatus';
import { ClassPicker, NumberField, Select } from '../analysis/controls';
import { defaultRunId, describeStates } from '../analysis/route-defaults';
import { RouteNotice } from '../analysis/RouteNotice';
import { classNamesOf, defaultClassIndex } from '../analysis/nets';
import { StatePicker } from '../analysis/StatePicker';
import type { LayoutResult } from '../analysis/subcircuit-layout';
import type { AnalysisViewProps } from '../analysis/types';
import { useAnalysis } from '../analysis/useAnalysis';
import { useRouteArg } from '../analysis/useRouteArg';
import { useStates } from '../analysis/useStates';
import { useSubcircuitLayout } from '../analysis/useSubcircuitLayout';
import { comparisonStates, refOfArg, unitArg } from '../analysis/view-args';
import { formatInt } from '../app/format';
import { chartPalette, useDarkMode } from '../app/theme';
import { stateColour } from '../charts/analysis-palette';
import { download, exportCanvasPng, exportCsv, fileStem } from '../charts/export';
import { csvLine } from '../charts/selectivity-data';
import { SubcircuitGraph } from '../charts/SubcircuitGraph';
import { buildScene, SCENE_BOTTOM, SCENE_TOP, sceneSvg, type EdgeColouring } from '../charts/subcircuit-scene';
import { useElementWidth } from '../charts/useElementWidth';
import { connectionKey, unitKey, type PinnedSet } from '../../../shared/pinned-circuit';
import { FaithfulnessSection } from './causal/FaithfulnessSection';
import { NO_PINS, PinnedSection, togglePin } from './causal/PinnedSection';
import { SidePanel } from './subcircuit/SidePanel';
import './analysis-views.css';

const withWeights = (s: StateInfo) => s.hasWeights;

function useViewportHeight(): number {
  const [h, setH] = useState(() => window.innerHeight);
  useEffect(() => {
    const on = () => setH(window.innerHeight);
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return h;
}
const DEFAULT_SHOWN = 400;

/**
 * Every returned edge of every circuit, largest |attribution| first per state; `shown` marks the budget's prefix and
 * `membership` says, for shown edges of two circuits, whether the other circuit's shown edges hold it too.
 */
export function subcircuitEdgesCsv(r: SubcircuitResult, layout: LayoutResult | null, budget: number): string {
  const names = r.circuits[0]?.layers.map((l) => l.name) ?? [];
  const two = r.circuits.length === 2;
  const ks = r.circuits.map((c) => Math.min(budget, c.edges.length));
  const lines = [csvLine(['state', 'state_label', 'class_index', 'class_name', 'rank', 'from_layer', 'from_unit', 'to_layer', 'to_unit', 'attribution', 'kept_weights', 'shown', 'membership'])];
  r.circuits.forEach((c, ci) => {
    const match = layout?.edges[ci]?.match;
    c.edges.forEach((e, i) => {
      const shown = i < ks[ci]!;
      const m = match ? match[i]! : -1;
      const membership = !shown || !two ? '' : m >= 0 && m < ks[1 - ci]! ? 'both' : ci === 0 ? 'a' : 'b';
      lines.push(csvLine([c.state.ref, c.state.label, r.class.index, r.class.name, i + 1, names[e.layer], e.from, names[e.layer + 1], e.to, e.attribution, e.weights, shown ? 1 : 0, membership]));
    });
  });
  return `${lines.join('\n')}\n`;
}

export function SubcircuitView({ api, arg, navigate, epoch, onError }: AnalysisViewProps) {
  const dark = useDarkMode();
  const pal = chartPalette(dark);
  const statesState = useStates(api, epoch);
  const { states, loading: statesLoading } = statesState;
  const [stateA, setStateA] = useState<string | null>(null);
  const [stateB, setStateB] = useState<string | null>(null);
  const [classIndex, setClassIndex] = useState<number | null>(null);
  const [units, setUnits] = useState(ANALYSIS_DEFAULTS.units);
  const [edges, setEdges] = useState(ANALYSIS_DEFAULTS.edges);
  const [images, setImages] = useState(ANALYSIS_DEFAULTS.subcircuitImages);
  const [budget, setBudget] = useState<number | null>(null);
  const [colouring, setColouring] = useState<EdgeColouring>('membership');
  const [selected, setSelected] = useState<number | null>(null);
  const [pinned, setPinned] = useState<PinnedSet>(NO_PINS);
  const [pinMode, setPinMode] = useState(false);
  const [wrapRef, wrapWidth] = useElementWidth<HTMLDivElement>(920);
  const canvas = useRef<HTMLCanvasElement | null>(null);

  // A state the route names becomes A; a run the route names opens its comparison; with neither (or one that is not
  // stored), the default run's (route-defaults.ts) when nothing is picked yet.
  const routeProblem = useRouteArg(arg, statesState, (parsed) => {
    const ref = refOfArg(parsed);
    if (ref && states.some((s) => s.ref === ref && s.hasWeights)) {
      setStateA(ref);
    } else {
      const named = parsed && states.some((s) => s.runId === parsed.runId && s.hasWeights) ? parsed.runId : null;
      const runId = named ?? (stateA ? null : defaultRunId(states));
      const cmp = runId ? comparisonStates(states, runId) : [];
      // Default: the trained ticket, overlaid on the ticket at init (same mask: what training changed).
      const trained = cmp.find((s) => s.which === 'trained' && s.round > 0) ?? cmp.find((s) => s.which === 'trained') ?? cmp[0];
      const atInit = cmp.find((s) => s.which === 'ticket-at-init') ?? cmp.find((s) => s.which === 'init');
      if (trained) {
        setStateA(trained.ref);
        setStateB(atInit && atInit.ref !== trained.ref ? atInit.ref : null);
      }
    }
    if (parsed?.classIndex !== null && parsed?.classIndex !== undefined) setClassIndex(parsed.classIndex);
  });

  const infoA = states.find((s) => s.ref === stateA) ?? null;
  const infoB = states.find((s) => s.ref === stateB) ?? null;
  const names = classNamesOf(infoA?.dataset);
  const cls = classIndex !== null && classIndex < names.length ? classIndex : defaultClassIndex(names);
  const mismatch = infoA && infoB && (infoA.arch !== infoB.arch || infoA.dataset !== infoB.dataset);
  const ready = !!infoA && !mismatch;

  const { result, loading, error, progress, rerun } = useAnalysis<SubcircuitResult>(
    ready ? (call) => api.analyzeSubcircuit({ state: stateA!, ...(stateB && stateB !== stateA ? { compare: stateB } : {}), class: cls, units, edges, images }, call) : null,
    [stateA, stateB, cls, units, edges, images],
    { api, kind: 'subcircuit' },
  );

  // A new result clears the selected unit (adjusted while rendering, not in an effect).
  const [selectedFor, setSelectedFor] = useState(result);
  if (selectedFor !== result) {
    setSelectedFor(result);
    setSelected(null);
  }
  // The pinned set belongs to state A and the class: another A or class clears it (a new edge budget does not).
  const pinOwner = `${stateA} ${cls}`;
  const [pinnedFor, setPinnedFor] = useState(pinOwner);
  if (pinnedFor !== pinOwner) {
    setPinnedFor(pinOwner);
    setPinned(NO_PINS);
  }
  const pinKeys = useMemo(() => ({ units: new Set(pinned.units.map((u) => unitKey(u.layer, u.unit))), connections: new Set(pinned.connections.map(connectionKey)) }), [pinned]);

  const viewportH = useViewportHeight();
  const graphW = Math.max(560, wrapWidth);
  // Tall enough for the nodes, short enough that the graph and the controls fit the window together.
  const graphH = Math.max(420, Math.min(640, viewportH - 215, 150 + (result ? Math.max(...result.circuits.flatMap((c) => c.layers.map((l) => l.units.length))) * (result.circuits.length === 2 ? 30 : 40) : 400)));
  const circuits = useMemo(() => result?.circuits.map((c) => ({ layers: c.layers, edges: c.edges })) ?? null, [result]);
  const { layout, engine, error: layoutError } = useSubcircuitLayout(circuits, graphW, graphH, SCENE_TOP + 10, SCENE_BOTTOM);
  const layoutOk = layout && result && layout.edges.length === result.circuits.length && layout.edges.every((e, i) => e.from.length === result.circuits[i]!.edges.length) ? layout : null;

  const maxEdges = result ? Math.max(1, ...result.circuits.map((c) => c.edges.length)) : 1;
  const k = Math.min(maxEdges, budget ?? Math.min(DEFAULT_SHOWN, maxEdges));
  const two = result?.circuits.length === 2;
  const selNode = selected !== null && layoutOk ? layoutOk.nodes[selected] : undefined;
  const selectedUnit = selNode ? { layer: layoutOk!.columns[selNode.layer]!.name, unit: selNode.unit } : null;
  const scene = useMemo(() => (result && layoutOk ? buildScene(result, layoutOk, k, two ? colouring : 'sign', pal, dark) : null), [result, layoutOk, k, colouring, two, pal, dark]);

  const stem = result ? fileStem('subcircuit', result.class.name, infoA?.runId ?? '', `r${infoA?.round ?? ''}`, infoA?.which ?? '', infoB ? `vs-${infoB.which}` : '') : 'subcircuit';
  const doPng = () => canvas.current && exportCanvasPng(canvas.current, `${stem}.png`, onError);
  const doSvg = () => {
    if (!scene || !result || !layoutOk) return;
    download(new Blob([sceneSvg(scene, result, layoutOk, pal.font)], { type: 'image/svg+xml;charset=utf-8' }), `${stem}.svg`);
  };

  return (
    <AnalysisPage
      view="subcircuit"
      states={statesState}
      emptyTitle="Subcircuit"
      emptyText={
        <p>
          No stored state with weights yet. Train a network first (the Runs view or the Experiment builder); then pick a state here to see which units and
          connections carry a class, and overlay a second state (e.g. the ticket at init) to see what they share.
        </p>
      }
      loading={loading || statesLoading}
      ready={!!result && !loading && !!scene}
      markers={{
        'data-layout-engine': engine ?? '',
        'data-units-per-layer': result?.unitsPerLayer ?? '',
        'data-edge-budget': result?.edgeBudget ?? '',
        'data-a': stateA ?? '',
        'data-b': stateB ?? '',
        'data-class': cls,
        'data-layout-ms': layoutOk ? layoutOk.ms.toFixed(1) : '',
      }}
    >
      <RouteNotice problem={routeProblem} shown={describeStates([infoA, infoB].filter((s): s is StateInfo => !!s))} />
      <div className="toolbar av-toolbar">
        <span className="av-state-row">
          <span className="swatch av-swatch" style={{ background: stateColour(0, dark) }} aria-hidden="true" />
          <StatePicker label="state A" states={states} value={stateA} onChange={setStateA} filter={withWeights} testId="sub-state-a" />
        </span>
        <span className="av-state-row">
          <span className="swatch av-swatch" style={{ background: stateColour(1, dark) }} aria-hidden="true" />
          <StatePicker label="overlay B" hint="optional" states={states} value={stateB} onChange={setStateB} filter={withWeights} testId="sub-state-b" />
          {stateB && (
            <button type="button" className="btn small av-remove" aria-label="remove the overlaid state" onClick={() => setStateB(null)} data-testid="sub-state-b-remove">
              ×
            </button>
          )}
        </span>
        <ClassPicker names={names} value={cls} onChange={setClassIndex} testId="sub-class" />
      </div>
      <div className="toolbar av-toolbar">
        <NumberField label="units per layer" value={units} min={1} max={512} integer onCommit={setUnits} testId="sub-units" width={56} title="Top units by |attribution| kept per layer" />
        <NumberField label="edges computed" value={edges} min={1} max={50000} integer onCommit={setEdges} testId="sub-edges" width={70} title="Edges the core returns (largest |attribution| first); the slider shows a prefix" />
        <NumberField label="class images" value={images} min={1} max={10000} integer onCommit={setImages} testId="sub-images" width={64} />
        <span className="sub-budget field-inline">
          <label htmlFor="sub-budget" className="muted">
            edges shown
          </label>
          <input
            id="sub-budget"
            type="range"
            min={1}
            max={maxEdges}
            step={1}
            value={k}
            onChange={(e) => setBudget(Number(e.target.value))}
            disabled={!result}
            data-testid="sub-budget"
          />
          <span className="muted small" data-testid="sub-budget-text">
            {formatInt(k)} of {formatInt(maxEdges)} per state
          </span>
        </span>
        {two && (
          <Select
            label="edge colour"
            value={colouring}
            options={[
              { value: 'membership', label: 'shared / only A / only B' },
              { value: 'sign', label: 'sign of attribution' },
            ]}
            onChange={setColouring}
            testId="sub-colouring"
          />
        )}
        <AnalysisProvenance meta={result?.meta} testId="sub-provenance" />
        <span className="table-tools">
          <button type="button" className="btn small" onClick={doPng} disabled={!scene} data-testid="sub-export-png">
            PNG
          </button>
          <button type="button" className="btn small" onClick={doSvg} disabled={!scene} data-testid="sub-export-svg">
            SVG
          </button>
          <button type="button" className="btn small" onClick={() => result && exportCsv(subcircuitEdgesCsv(result, layoutOk, k), `${stem}-edges.csv`)} disabled={!result} data-testid="sub-export-csv">
            CSV
          </button>
        </span>
      </div>
      {mismatch && <p className="error-text">States A and B have different networks or data sets: overlay states of one architecture and data set.</p>}
      <AnalysisStatus what="Subcircuit" loading={loading} error={error ?? layoutError} progress={progress} onRetry={rerun} testId="sub" />
      {!ready && !mismatch && !statesLoading && <p className="muted">Pick state A above (and optionally a state B to overlay).</p>}
      <div className="sub-layout">
        <div ref={wrapRef} className={`av-chart-wrap${loading ? ' av-stale' : ''}`}>
          {result && layoutOk && scene && <SubcircuitGraph result={result} layout={layoutOk} scene={scene} dark={dark} selected={selected} onSelect={setSelected} canvasRef={canvas} pinMode={pinMode} pinned={pinKeys} onPin={(item) => setPinned((p) => togglePin(p, item))} />}
          {result && !layoutOk && !layoutError && <p className="muted">Laying out the graph…</p>}
        </div>
        {result && (
          <SidePanel result={result} layout={layoutOk} scene={scene} selected={selected} dark={dark} onOpenUnit={(ref, layer, unit) => navigate('activations', unitArg(ref, layer, unit, result.class.index))} />
        )}
      </div>
      {result && <PinnedSection api={api} result={result} pinned={pinned} onPinned={setPinned} pinMode={pinMode} onPinMode={setPinMode} selected={selectedUnit} stem={stem} />}
      {result && <FaithfulnessSection api={api} result={result} k={k} dark={dark} width={graphW} stem={stem} onError={onError} />}
    </AnalysisPage>
  );
}

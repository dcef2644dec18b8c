// The app shell: header, view navigation, banners and the routed view. Owns the run selection (kept across views,
// useRunSelection) and the start / cancel / resume actions (useRunActions), so every view acts the same way; the
// desktop menu's commands arrive through useMenuCommands.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Host } from '../api';
import type { AnalysisViewProps } from '../analysis/types';
import { ConnectionBanner, ErrorBanner, InfoBanner } from '../views/Banners';
import { BuilderView } from '../views/BuilderView';
import { Header } from '../views/Header';
import { HelpOverlay } from '../views/HelpOverlay';
import { ActivationsView } from '../views/ActivationsView';
import { LotteryView } from '../views/LotteryView';
import { MultigraphView } from '../views/MultigraphView';
import { Nav } from '../views/Nav';
import { OverlapView } from '../views/OverlapView';
import { QUICK_PRESET, RunsView } from '../views/RunsView';
import { SelectivityView } from '../views/SelectivityView';
import { SubcircuitView } from '../views/SubcircuitView';
import { useExperimentDetails, useExperiments } from './experiments';
import { useAppData, useConnection, useRunView, type AppPhase } from './hooks';
import { unknownViewOf, useRoute, type ViewId } from './routes';
import { useGlobalShortcuts, useStartShortcut } from './shortcuts';
import { useMenuCommands } from './useMenuCommands';
import { useRunActions } from './useRunActions';
import { useRunSelection } from './useRunSelection';

const ANALYSIS_VIEWS: ReadonlySet<ViewId> = new Set<ViewId>(['overlap', 'multigraph', 'selectivity', 'activations', 'subcircuit']);

/** The analysis views share one set of props (analysis/types.ts). */
function AnalysisRoute({ view, props }: { view: ViewId; props: AnalysisViewProps }) {
  switch (view) {
    case 'overlap':
      return <OverlapView {...props} />;
    case 'multigraph':
      return <MultigraphView {...props} />;
    case 'selectivity':
      return <SelectivityView {...props} />;
    case 'activations':
      return <ActivationsView {...props} />;
    case 'subcircuit':
      return <SubcircuitView {...props} />;
    default:
      return null;
  }
}

/** The state markers for tests and tooling, on the root element: the app's phase and the view. */
function useRootMarkers(phase: AppPhase, view: ViewId): void {
  useEffect(() => {
    const root = document.getElementById('root');
    if (root) root.dataset.appState = phase;
  }, [phase]);
  useEffect(() => {
    const root = document.getElementById('root');
    if (root) root.dataset.view = view;
  }, [view]);
}

export function App({ host }: { host: Host }) {
  const { api } = host;
  const conn = useConnection(host.connection);
  const [banner, setBanner] = useState<string | null>(null);
  const showError = useCallback((message: string) => setBanner(message), []);
  const data = useAppData(api, conn, showError);
  const { phase, info, runs } = data;
  const [route, navigate] = useRoute();
  const [zoom, setZoom] = useState(false);
  const [help, setHelp] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const { selectedId, setSelectedId, onMissing } = useRunSelection(route, navigate, phase, runs, data.listEpoch, setNotice);
  const { starting, startRun, startPreset, actions } = useRunActions(api, data.refreshRuns, setSelectedId, navigate, showError);
  useMenuCommands(api, selectedId, setSelectedId, data.refreshRuns, navigate, showError, setNotice);
  useRootMarkers(phase, route.view);
  // An address naming no view shows the Runs view and says so (it is never ignored silently). Read as rendered: the
  // Runs view's selection may rewrite the address before this effect runs.
  // The notice is set while rendering (as React advises over effects that set state), the address in an effect.
  const unknownView = unknownViewOf(window.location.hash);
  const [noticedView, setNoticedView] = useState<string | null>(null);
  if (noticedView !== unknownView) {
    setNoticedView(unknownView);
    if (unknownView) setNotice(`There is no view “${unknownView}”; showing the Runs view instead.`);
  }
  useEffect(() => {
    if (unknownView && unknownViewOf(window.location.hash)) navigate('runs', null, true);
  }, [unknownView, navigate]);

  const summary = runs.find((r) => r.runId === selectedId);
  const view = useRunView(api, route.view === 'runs' ? selectedId : null, summary, conn.epoch, showError, onMissing);
  const experimentsState = useExperiments(api, runs, conn.epoch);
  const experiments = useMemo(
    () => new Map(experimentsState.experiments.map((e) => [e.experimentId, e])),
    [experimentsState.experiments],
  );
  const details = useExperimentDetails(api, route.view === 'runs' ? runs : [], conn.epoch);

  // Ctrl/Cmd+Enter starts a quick run from the Runs view.
  const startQuick = useCallback(() => startPreset(QUICK_PRESET), [startPreset]);
  useStartShortcut(phase === 'ready' && route.view === 'runs', startQuick);

  const analysisView = ANALYSIS_VIEWS.has(route.view);
  const toggleHelp = useCallback(() => setHelp((h) => !h), []);
  const closeHelp = useCallback(() => setHelp(false), []);
  useGlobalShortcuts({ go: (v) => navigate(v, v === 'runs' ? selectedId : null), toggleHelp });

  return (
    <div className="app">
      <Header info={info} />
      <Nav current={route.view} onHelp={toggleHelp} />
      <ConnectionBanner state={conn} onRetry={host.connection.retryNow} />
      {banner && <ErrorBanner message={banner} onDismiss={() => setBanner(null)} />}
      {notice && <InfoBanner message={notice} onDismiss={() => setNotice(null)} />}
      {phase === 'connecting' && (
        <div className="center muted" data-testid="connecting">
          Connecting to the Ticketscope core…
        </div>
      )}
      {phase === 'error' && (
        <div className="center">
          <p>The app core could not be reached: {data.loadError}</p>
          <button type="button" className="btn" onClick={data.reload}>
            Try again
          </button>
        </div>
      )}
      {phase === 'ready' && route.view === 'runs' && (
        <RunsView
          info={info}
          runs={runs}
          experiments={experiments}
          details={details}
          selectedId={selectedId}
          onSelect={setSelectedId}
          actions={actions}
          starting={starting}
          onStartPreset={startPreset}
          view={view}
          zoom={zoom}
          onZoom={setZoom}
        />
      )}
      {phase === 'ready' && route.view === 'builder' && (
        <BuilderView
          // A preset named in the address (#/builder/NAME) loads it, also when the address changes on this view.
          key={route.arg ?? ''}
          info={info}
          presetArg={route.arg}
          experiments={experimentsState.experiments}
          starting={starting}
          onStart={(config) => startRun({ config }, 'experiment')}
        />
      )}
      {phase === 'ready' && route.view === 'lottery' && (
        <LotteryView
          api={api}
          experimentArg={route.arg}
          experiments={experimentsState}
          runs={runs}
          epoch={conn.epoch}
          onPick={(id) => navigate('lottery', id, true)}
        />
      )}
      {phase === 'ready' && analysisView && (
        <AnalysisRoute
          key={route.view}
          view={route.view}
          props={{ api, arg: route.arg, navigate, epoch: conn.epoch, onError: showError }}
        />
      )}
      {help && <HelpOverlay onClose={closeHelp} />}
    </div>
  );
}

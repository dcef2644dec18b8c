// The app shell: header, view navigation, banners and the routed view. Owns the run selection (kept across views)
// and the start / cancel / resume actions, so every view acts the same way.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Host } from '../api';
import { errorMessage } from '../api';
import type { Methods } from '../../../shared/contract';
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
import { useAppData, useConnection, useRunView } from './hooks';
import { useRoute, type ViewId } from './routes';
import { useGlobalShortcuts } from './shortcuts';

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

export function App({ host }: { host: Host }) {
  const { api } = host;
  const conn = useConnection(host.connection);
  const [banner, setBanner] = useState<string | null>(null);
  const showError = useCallback((message: string) => setBanner(message), []);
  const data = useAppData(api, conn, showError);
  const { phase, info, runs } = data;
  const [route, navigate] = useRoute();

  const [selectedId, setSelectedId] = useState<string | null>(route.view === 'runs' ? route.arg : null);
  const [starting, setStarting] = useState(false);
  const [zoom, setZoom] = useState(false);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [help, setHelp] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const autoSelected = useRef(false);

  // A run id in the URL (#/runs/<id>) selects that run.
  useEffect(() => {
    if (route.view === 'runs' && route.arg) setSelectedId(route.arg);
  }, [route.view, route.arg]);
  // The selection shows in the URL of the Runs view (replacing the entry: selecting is not navigating).
  useEffect(() => {
    if (route.view === 'runs' && selectedId && route.arg !== selectedId) navigate('runs', selectedId, true);
  }, [route.view, route.arg, selectedId, navigate]);

  // Select the newest run once, when the first list arrives.
  useEffect(() => {
    if (autoSelected.current || phase !== 'ready') return;
    autoSelected.current = true;
    if (selectedId === null && runs[0]) setSelectedId(runs[0].runId);
  }, [phase, runs, selectedId]);

  // The state marker for tests and tooling, on the root element; the view too.
  useEffect(() => {
    const root = document.getElementById('root');
    if (root) root.dataset.appState = phase;
  }, [phase]);
  useEffect(() => {
    const root = document.getElementById('root');
    if (root) root.dataset.view = route.view;
  }, [route.view]);

  // After a full listing, a selection that is not in the database any more falls back to the newest run.
  const { listEpoch } = data;
  const runsRef = useRef(runs);
  runsRef.current = runs;
  useEffect(() => {
    if (listEpoch === 0) return;
    setSelectedId((id) => (id === null || runsRef.current.some((r) => r.runId === id) ? id : (runsRef.current[0]?.runId ?? null)));
  }, [listEpoch]);
  const onMissing = useCallback(
    (runId: string) => setSelectedId((id) => (id === runId ? (runsRef.current.find((r) => r.runId !== runId)?.runId ?? null) : id)),
    [],
  );

  const summary = runs.find((r) => r.runId === selectedId);
  const view = useRunView(api, route.view === 'runs' ? selectedId : null, summary, conn.epoch, showError, onMissing);
  const experimentsState = useExperiments(api, runs, conn.epoch);
  const experiments = useMemo(
    () => new Map(experimentsState.experiments.map((e) => [e.experimentId, e])),
    [experimentsState.experiments],
  );
  const details = useExperimentDetails(api, route.view === 'runs' ? runs : [], conn.epoch);

  const startRun = useCallback(
    (params: Methods['startRun']['params'], what: string): Promise<boolean> => {
      if (starting) return Promise.resolve(false);
      setStarting(true);
      return api
        .startRun(params)
        .then(
          (res) => {
            const first = res.runIds[0];
            if (first) setSelectedId(first);
            data.refreshRuns();
            navigate('runs', first ?? null);
            return true;
          },
          (e: unknown) => {
            showError(`Start ${what} failed: ${errorMessage(e)}`);
            return false;
          },
        )
        .finally(() => setStarting(false));
    },
    [api, starting, data, showError, navigate],
  );
  const startPreset = useCallback((preset: string) => void startRun({ preset }, `"${preset}"`), [startRun]);

  const withBusy = useCallback((runId: string, work: () => Promise<void>) => {
    setBusy((s) => new Set(s).add(runId));
    void work().finally(() =>
      setBusy((s) => {
        const n = new Set(s);
        n.delete(runId);
        return n;
      }),
    );
  }, []);
  const actions = useMemo(
    () => ({
      busy,
      onCancel: (runId: string) =>
        withBusy(runId, () =>
          api.cancelRun({ runId }).then(
            (r) => {
              if (!r.cancelled) showError(`Run ${runId} was not running any more; nothing to cancel.`);
            },
            (e: unknown) => showError(`Cancel failed: ${errorMessage(e)}`),
          ),
        ),
      onResume: (runId: string) =>
        withBusy(runId, () =>
          api.resumeRun({ runId }).then(
            () => data.refreshRuns(),
            (e: unknown) => showError(`Resume failed: ${errorMessage(e)}`),
          ),
        ),
    }),
    [api, busy, withBusy, showError, data],
  );

  // Ctrl/Cmd+Enter starts a quick run from the Runs view.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.repeat && phase === 'ready' && route.view === 'runs') {
        e.preventDefault();
        startPreset(QUICK_PRESET);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [startPreset, phase, route.view]);

  // Menu commands of the desktop app (Electron only): show an imported run; export the selected run's snapshot.
  const selectedRef = useRef(selectedId);
  selectedRef.current = selectedId;
  const refreshRef = useRef(data.refreshRuns);
  refreshRef.current = data.refreshRuns;
  useEffect(
    () =>
      api.on('menu', (m) => {
        if (m.action === 'showRun') {
          setSelectedId(m.runId);
          refreshRef.current();
          navigate('runs', m.runId);
          return;
        }
        if (m.action !== 'exportSnapshot') return;
        const runId = selectedRef.current;
        if (!runId) {
          showError('Export snapshot: select a run in the Runs view first.');
          return;
        }
        api
          .chooseSnapshotPath({ mode: 'save', defaultName: `${runId}.safetensors` })
          .then((c) => (c.path ? api.exportSnapshot({ runId, path: c.path }) : null))
          .then(
            (r) =>
              r &&
              setNotice(
                `Wrote ${r.which} of run ${r.runId}, round ${r.round} (${(r.density * 100).toFixed(2)}% of weights remaining) to ${r.path} (${r.format}, ${r.bytes.toLocaleString('en-US')} bytes).`,
              ),
            (e: unknown) => showError(`Export snapshot failed: ${errorMessage(e)}`),
          );
      }),
    [api, navigate, showError],
  );

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

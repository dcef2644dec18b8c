// The app shell: header, banners, run list (left), selected run (main). Owns selection and the start/cancel actions.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Host } from '../api';
import { errorMessage } from '../api';
import { ConnectionBanner, ErrorBanner } from '../views/Banners';
import { EmptyState } from '../views/EmptyState';
import { Header } from '../views/Header';
import { RunList } from '../views/RunList';
import { RunPanel } from '../views/RunPanel';
import { startShortcutLabel } from './format';
import { useAppData, useConnection, useRunView } from './hooks';

const QUICK_PRESET = 'quick';

export function App({ host }: { host: Host }) {
  const { api } = host;
  const conn = useConnection(host.connection);
  const [banner, setBanner] = useState<string | null>(null);
  const showError = useCallback((message: string) => setBanner(message), []);
  const data = useAppData(api, conn, showError);
  const { phase, info, runs } = data;

  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [zoom, setZoom] = useState(false);
  const [cancelling, setCancelling] = useState<ReadonlySet<string>>(new Set());
  const autoSelected = useRef(false);

  // Select the newest run once, when the first list arrives.
  useEffect(() => {
    if (autoSelected.current || phase !== 'ready') return;
    autoSelected.current = true;
    if (selectedId === null && runs[0]) setSelectedId(runs[0].runId);
  }, [phase, runs, selectedId]);

  // The state marker for tests and tooling, on the root element.
  useEffect(() => {
    const root = document.getElementById('root');
    if (root) root.dataset.appState = phase;
  }, [phase]);

  // After a full listing, a selection that is not in the database any more (another server after a reconnect, a
  // deleted run) falls back to the newest run. A run just started is listed, since startRun answered first.
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
  const view = useRunView(api, selectedId, summary, conn.epoch, showError, onMissing);

  const startQuickRun = useCallback(() => {
    if (starting) return;
    setStarting(true);
    api
      .startRun({ preset: QUICK_PRESET })
      .then(
        (res) => {
          const first = res.runIds[0];
          if (first) setSelectedId(first);
          data.refreshRuns();
        },
        (e: unknown) => showError(`Start quick run failed: ${errorMessage(e)}`),
      )
      .finally(() => setStarting(false));
  }, [api, starting, data, showError]);

  const cancelRun = useCallback(
    (runId: string) => {
      setCancelling((s) => new Set(s).add(runId));
      api
        .cancelRun({ runId })
        .then(
          (r) => {
            if (!r.cancelled) showError(`Run ${runId} was not running any more; nothing to cancel.`);
          },
          (e: unknown) => showError(`Cancel failed: ${errorMessage(e)}`),
        )
        .finally(() =>
          setCancelling((s) => {
            const n = new Set(s);
            n.delete(runId);
            return n;
          }),
        );
    },
    [api, showError],
  );

  // Ctrl/Cmd+Enter starts a quick run from anywhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.repeat && phase === 'ready') {
        e.preventDefault();
        startQuickRun();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [startQuickRun, phase]);

  const quick = info?.presets.find((p) => p.name === QUICK_PRESET);
  const quickTitle = quick
    ? `${quick.description}\n${quick.config.arch} on ${quick.config.dataset}, ${quick.config.iterations} iterations, seeds ${quick.config.seeds.join(', ')} (${startShortcutLabel})`
    : `Start the "${QUICK_PRESET}" preset (${startShortcutLabel})`;

  return (
    <div className="app">
      <Header info={info} />
      <ConnectionBanner state={conn} onRetry={host.connection.retryNow} />
      {banner && <ErrorBanner message={banner} onDismiss={() => setBanner(null)} />}
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
      {phase === 'ready' && (
        <div className="layout">
          <aside className="sidebar">
            <div className="sidebar-head">
              <span className="sidebar-title">
                Runs <span className="muted">({runs.length})</span>
              </span>
              <button
                type="button"
                className="btn primary"
                onClick={startQuickRun}
                disabled={starting}
                title={quickTitle}
                data-testid="start-quick-run"
              >
                {starting ? 'Starting…' : 'Start quick run'} <kbd>{startShortcutLabel}</kbd>
              </button>
            </div>
            <RunList
              runs={runs}
              selectedId={selectedId}
              cancelling={cancelling}
              onSelect={setSelectedId}
              onCancel={cancelRun}
            />
          </aside>
          <main className="main">
            {runs.length === 0 && !summary ? (
              <EmptyState />
            ) : summary ? (
              <RunPanel
                key={summary.runId}
                summary={summary}
                detail={view.detail}
                points={view.points}
                historyLoaded={view.historyLoaded}
                zoom={zoom}
                onZoom={setZoom}
              />
            ) : (
              <div className="center muted">
                {selectedId ? 'Loading the new run…' : 'Select a run on the left (↑/↓, Enter).'}
              </div>
            )}
          </main>
        </div>
      )}
    </div>
  );
}

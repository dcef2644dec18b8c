// Data hooks: app info + run list (live from runUpdate/backend events), and the selected run's detail + metrics
// (history from getMetrics, live points from metrics events). Both re-sync after a reconnect (connection epoch),
// because events pushed while disconnected are lost.
import { useEffect, useEffectEvent, useState, useSyncExternalStore } from 'react';
import type { Api, AppInfo, MetricPoint, RunDetail, RunSummary } from '../../../shared/contract';
import { errorMessage, type Connection, type ConnectionState } from '../api';
import { mergeListed, upsert } from './run-order';

export type AppPhase = 'connecting' | 'ready' | 'error';

export function useConnection(connection: Connection): ConnectionState {
  return useSyncExternalStore(connection.subscribe, connection.get);
}

export interface AppData {
  phase: AppPhase;
  info: AppInfo | null;
  runs: RunSummary[];
  loadError: string | null;
  /** Increments whenever a full listRuns answer replaced the list. */
  listEpoch: number;
  reload: () => void;
  refreshRuns: () => void;
}

export function useAppData(api: Api, conn: ConnectionState, onError: (message: string) => void): AppData {
  const [phase, setPhase] = useState<AppPhase>('connecting');
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reloadCount, setReloadCount] = useState(0);
  const [listEpoch, setListEpoch] = useState(0);
  const reportError = useEffectEvent(onError);

  useEffect(() => {
    const offRun = api.on('runUpdate', (run) => setRuns((prev) => upsert(prev, run)));
    const offBackend = api.on('backend', (backend) => setInfo((i) => (i ? { ...i, backend } : i)));
    return () => {
      offRun();
      offBackend();
    };
  }, [api]);

  const open = conn.status === 'open';
  useEffect(() => {
    if (!open) return;
    let stale = false;
    Promise.all([api.getInfo({}), api.listRuns({})]).then(
      ([i, listed]) => {
        if (stale) return;
        setInfo(i);
        setRuns((prev) => mergeListed(prev, listed));
        setListEpoch((n) => n + 1);
        setLoadError(null);
        setPhase('ready');
      },
      (e: unknown) => {
        if (stale) return;
        const msg = errorMessage(e);
        if ((e as { code?: unknown }).code === 'disconnected') return; // the next epoch retries
        setLoadError(msg);
        setPhase((p) => (p === 'ready' ? p : 'error'));
        reportError(`Loading runs failed: ${msg}`);
      },
    );
    return () => {
      stale = true;
    };
  }, [api, open, conn.epoch, reloadCount]);

  const refreshRuns = () => {
    api.listRuns({}).then(
      (listed) => {
        setRuns((prev) => mergeListed(prev, listed));
        setListEpoch((n) => n + 1);
      },
      (e: unknown) => onError(`Listing runs failed: ${errorMessage(e)}`),
    );
  };

  return { phase, info, runs, loadError, listEpoch, reload: () => setReloadCount((n) => n + 1), refreshRuns };
}

const pointKey = (p: MetricPoint) => `${p.round}:${p.iteration}:${p.split}`;

function sortPoints(points: Iterable<MetricPoint>): MetricPoint[] {
  return [...points].sort((a, b) => a.round - b.round || a.iteration - b.iteration || (a.split < b.split ? -1 : 1));
}

/** Finished runs do not change: keep the last few so moving through the list does not flash empty charts. */
const CACHE_SIZE = 24;
const finishedCache = new Map<string, { detail: RunDetail | null; points: MetricPoint[] }>();
const isFinished = (status: RunSummary['status'] | undefined) =>
  status === 'done' || status === 'failed' || status === 'cancelled';
function remember(runId: string, patch: { detail?: RunDetail; points?: MetricPoint[] }): void {
  const prev = finishedCache.get(runId) ?? { detail: null, points: [] };
  finishedCache.delete(runId);
  finishedCache.set(runId, { ...prev, ...patch });
  while (finishedCache.size > CACHE_SIZE) finishedCache.delete(finishedCache.keys().next().value!);
}

export interface RunView {
  detail: RunDetail | null;
  points: MetricPoint[];
  /** getMetrics has answered for this run (so an empty chart means "no evaluation yet"). */
  historyLoaded: boolean;
}

export function useRunView(
  api: Api,
  runId: string | null,
  summary: RunSummary | undefined,
  epoch: number,
  onError: (message: string) => void,
  /** The run is gone from the core (not-found). */
  onMissing: (runId: string) => void,
): RunView {
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [metrics, setMetrics] = useState<{ runId: string | null; points: MetricPoint[]; loaded: boolean }>({
    runId: null,
    points: [],
    loaded: false,
  });
  const reportError = useEffectEvent(onError);
  const reportMissing = useEffectEvent(onMissing);
  const finished = isFinished(summary?.status);
  // Read once per load: a run that finishes while shown keeps its live points.
  const finishedNow = useEffectEvent(() => finished);

  // Metrics: history + live points, keyed by (round, iteration, split) so overlap between the two is harmless. Until
  // the run's own arrive, a finished run shows what the cache holds of it.
  useEffect(() => {
    if (!runId) return;
    const wasFinished = finishedNow();
    let stale = false;
    const byKey = new Map<string, MetricPoint>();
    let frame = 0;
    const commit = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (!stale) setMetrics((m) => ({ runId, points: sortPoints(byKey.values()), loaded: m.runId === runId && m.loaded }));
      });
    };
    const off = api.on('metrics', (m) => {
      if (m.runId !== runId) return;
      for (const p of m.points) byKey.set(pointKey(p), p);
      commit();
    });
    api.getMetrics({ runId }).then(
      (history) => {
        if (stale) return;
        for (const p of history) if (!byKey.has(pointKey(p))) byKey.set(pointKey(p), p);
        const all = sortPoints(byKey.values());
        setMetrics({ runId, points: all, loaded: true });
        if (wasFinished) remember(runId, { points: all });
      },
      (e: unknown) => {
        const code = (e as { code?: unknown }).code;
        if (stale || code === 'disconnected' || code === 'not-found') return;
        reportError(`Loading metrics of ${runId} failed: ${errorMessage(e)}`);
      },
    );
    return () => {
      stale = true;
      if (frame) cancelAnimationFrame(frame);
      off();
    };
  }, [api, runId, epoch]);

  // Detail: refetched when the run's status or result changes.
  const status = summary?.status;
  const testAccuracy = summary?.testAccuracy;
  const backend = summary?.backend;
  useEffect(() => {
    if (!runId) return;
    let stale = false;
    api.getRun({ runId }).then(
      (d) => {
        if (stale) return;
        setDetail(d);
        if (isFinished(d.status)) remember(d.runId, { detail: d });
      },
      (e: unknown) => {
        const code = (e as { code?: unknown }).code;
        if (stale || code === 'disconnected') return;
        if (code === 'not-found') reportMissing(runId);
        else reportError(`Loading run ${runId} failed: ${errorMessage(e)}`);
      },
    );
    return () => {
      stale = true;
    };
  }, [api, runId, epoch, status, testAccuracy, backend]);

  // Never show another run's detail while the new one loads.
  const shown = detail && detail.runId === runId ? detail : runId ? (finishedCache.get(runId)?.detail ?? null) : null;
  const mine = metrics.runId === runId;
  const cached = runId && !mine ? finishedCache.get(runId)?.points : undefined;
  return { detail: shown, points: mine ? metrics.points : (cached ?? []), historyLoaded: mine ? metrics.loaded : (cached?.length ?? 0) > 0 };
}

// The selected run, kept across views: from the URL of the Runs view (#/runs/<id>) and written back to it (replacing
// the history entry: selecting is not navigating); the newest run once the first list arrives; and, when the
// selected run leaves the database, the newest one left.
import { useCallback, useEffect, useState } from 'react';
import type { RunSummary } from '../../../shared/contract';
import type { AppPhase } from './hooks';
import type { Route, ViewId } from './routes';

export interface RunSelection {
  selectedId: string | null;
  setSelectedId: (id: string | null) => void;
  /** The core says this run does not exist (any more): select another. */
  onMissing: (runId: string) => void;
}

export function useRunSelection(
  route: Route,
  navigate: (view: ViewId, arg?: string | null, replace?: boolean) => void,
  phase: AppPhase,
  runs: RunSummary[],
  /** Increments whenever a full listRuns answer replaced the list. */
  listEpoch: number,
): RunSelection {
  const [selectedId, setSelectedId] = useState<string | null>(route.view === 'runs' ? route.arg : null);
  // What the selection last followed (state adjusted while rendering, as React advises over effects that set state).
  const urlArg = route.view === 'runs' ? route.arg : null;
  const [followed, setFollowed] = useState({ urlArg, autoSelected: false, listEpoch });

  // A run id in the URL (#/runs/<id>) selects that run.
  if (followed.urlArg !== urlArg) {
    setFollowed((f) => ({ ...f, urlArg }));
    if (urlArg) setSelectedId(urlArg);
  }
  // Select the newest run once, when the first list arrives.
  if (!followed.autoSelected && phase === 'ready') {
    setFollowed((f) => ({ ...f, autoSelected: true }));
    if (selectedId === null && runs[0]) setSelectedId(runs[0].runId);
  }
  // After a full listing, a selection that is not in the database any more falls back to the newest run.
  if (followed.listEpoch !== listEpoch) {
    setFollowed((f) => ({ ...f, listEpoch }));
    if (selectedId !== null && !runs.some((r) => r.runId === selectedId)) setSelectedId(runs[0]?.runId ?? null);
  }

  // The selection shows in the URL of the Runs view (replacing the entry: selecting is not navigating).
  useEffect(() => {
    if (route.view === 'runs' && selectedId && route.arg !== selectedId) navigate('runs', selectedId, true);
  }, [route.view, route.arg, selectedId, navigate]);

  const onMissing = useCallback(
    (runId: string) => setSelectedId((id) => (id === runId ? (runs.find((r) => r.runId !== runId)?.runId ?? null) : id)),
    [runs],
  );

  return { selectedId, setSelectedId, onMissing };
}

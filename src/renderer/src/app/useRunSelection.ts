// The selected run, kept across views: from the URL of the Runs view (#/runs/<id>) and written back to it (replacing
// the history entry: selecting is not navigating); the newest run once the first list arrives; and, when the
// selected run leaves the database, the newest one left.
import { useCallback, useEffect, useRef, useState } from 'react';
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

  // After a full listing, a selection that is not in the database any more falls back to the newest run.
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

  return { selectedId, setSelectedId, onMissing };
}

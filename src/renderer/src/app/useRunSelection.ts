// The selected run, kept across views. On the Runs view the URL is the one source of truth: `#/runs/<id>` selects
// that run, and a selection made in the view is written to the URL (replacing the entry: selecting is not
// navigating); the other views keep the last selection. Nothing here writes the URL in answer to the URL, so a hash
// change can never bounce between two ids (issue #15: React error #185 when the hash changed to `#/runs/OTHER` while
// another run was selected). The newest run is selected once the first list arrives; when the selected run leaves the
// database, the newest one left.
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

/** The selection shown: the URL's run id on the Runs view, else the kept one. */
export function selectedOf(route: Route, kept: string | null): string | null {
  return route.view === 'runs' && route.arg ? route.arg : kept;
}

export function useRunSelection(
  route: Route,
  navigate: (view: ViewId, arg?: string | null, replace?: boolean) => void,
  phase: AppPhase,
  runs: RunSummary[],
  /** Increments whenever a full listRuns answer replaced the list. */
  listEpoch: number,
  /** Says, in one line, that the run the address named is not in the database and which run is shown instead. */
  notify: (message: string) => void,
): RunSelection {
  const [kept, setKept] = useState<string | null>(route.view === 'runs' ? route.arg : null);
  const selectedId = selectedOf(route, kept);
  const onRuns = route.view === 'runs';
  const urlId = onRuns ? route.arg : null;
  const viewRef = useRef(route.view);
  viewRef.current = route.view;
  const urlRef = useRef(urlId);
  urlRef.current = urlId;
  const notifyRef = useRef(notify);
  notifyRef.current = notify;
  const selectedRef = useRef(selectedId);
  selectedRef.current = selectedId;

  // The URL's run id is kept for the other views.
  useEffect(() => {
    if (urlId) setKept(urlId);
  }, [urlId]);

  const select = useCallback(
    (id: string | null) => {
      selectedRef.current = id;
      setKept(id);
      if (viewRef.current === 'runs') navigate('runs', id, true);
    },
    [navigate],
  );

  // The Runs view opened without a run id shows the kept selection in its URL (one way: URL without id -> URL with id).
  useEffect(() => {
    if (onRuns && !urlId && kept) navigate('runs', kept, true);
  }, [onRuns, urlId, kept, navigate]);

  // Select the newest run once, when the first list arrives.
  const autoSelected = useRef(false);
  useEffect(() => {
    if (autoSelected.current || phase !== 'ready') return;
    autoSelected.current = true;
    if (selectedRef.current === null && runs[0]) select(runs[0].runId);
  }, [phase, runs, select]);

  // After a full listing, a selection that is not in the database any more falls back to the newest run; one the
  // address named says so.
  const runsRef = useRef(runs);
  runsRef.current = runs;
  const replace = useCallback(
    (gone: string, next: string | null) => {
      if (urlRef.current === gone) notifyRef.current(`Run ${gone} is not in this database; ${next ? `showing the newest run, ${next}, instead` : 'there is no run to show'}.`);
      select(next);
    },
    [select],
  );
  useEffect(() => {
    if (listEpoch === 0) return;
    const id = selectedRef.current;
    if (id !== null && !runsRef.current.some((r) => r.runId === id)) replace(id, runsRef.current[0]?.runId ?? null);
  }, [listEpoch, replace]);
  const onMissing = useCallback(
    (runId: string) => {
      if (selectedRef.current === runId) replace(runId, runsRef.current.find((r) => r.runId !== runId)?.runId ?? null);
    },
    [replace],
  );

  return { selectedId, setSelectedId: select, onMissing };
}

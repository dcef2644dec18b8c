// The selected run, kept across views. On the Runs view the URL is the one source of truth: `#/runs/<id>` selects
// that run, and a selection made in the view is written to the URL (replacing the entry: selecting is not
// navigating); the other views keep the last selection. Nothing here writes the URL in answer to the URL, so a hash
// change can never bounce between two ids (issue #15: React error #185 when the hash changed to `#/runs/OTHER` while
// another run was selected); the URL is written only by a selection, when the Runs view opens without an id, and when
// the run it names has left the database. The newest run is selected once the first list arrives; when the selected
// run leaves the database, the newest one left.
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

/** The selection shown: the URL's run id on the Runs view, else the kept one. */
export function selectedOf(route: Route, kept: string | null): string | null {
  return route.view === 'runs' && route.arg ? route.arg : kept;
}

const goneText = (gone: string, next: string | null) =>
  `Run ${gone} is not in this database; ${next ? `showing the newest run, ${next}, instead` : 'there is no run to show'}.`;

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

  // What the selection last followed; adjusted while rendering, as React advises over effects that set state.
  const [followed, setFollowed] = useState({ urlId, autoSelected: false, listEpoch });
  // The URL's run id, when it changes, is kept for the other views.
  if (followed.urlId !== urlId) {
    setFollowed((f) => ({ ...f, urlId }));
    if (urlId) setKept(urlId);
  }
  // Select the newest run once, when the first list arrives.
  if (!followed.autoSelected && phase === 'ready') {
    setFollowed((f) => ({ ...f, autoSelected: true }));
    if (selectedId === null && runs[0]) setKept(runs[0].runId);
  }
  // After a full listing, a selection that is not in the database any more falls back to the newest run; one the
  // address named says so (the effect below then writes the newest run into the address).
  if (followed.listEpoch !== listEpoch) {
    setFollowed((f) => ({ ...f, listEpoch }));
    if (selectedId !== null && !runs.some((r) => r.runId === selectedId)) {
      const next = runs[0]?.runId ?? null;
      if (urlId === selectedId) notify(goneText(selectedId, next));
      setKept(next);
    }
  }

  const select = useCallback(
    (id: string | null) => {
      setKept(id);
      if (onRuns) navigate('runs', id, true);
    },
    [onRuns, navigate],
  );

  // The Runs view opened without a run id shows the kept selection in its URL (one way: URL without id -> URL with
  // id); a URL naming a run that left the database (listed in full since) shows the one kept instead.
  const urlGone = onRuns && !!urlId && listEpoch > 0 && kept !== urlId && !runs.some((r) => r.runId === urlId);
  useEffect(() => {
    if (onRuns && ((!urlId && kept) || urlGone)) navigate('runs', kept, true);
  }, [onRuns, urlId, urlGone, kept, navigate]);

  const onMissing = useCallback(
    (runId: string) => {
      if (selectedId !== runId) return;
      const next = runs.find((r) => r.runId !== runId)?.runId ?? null;
      if (urlId === runId) notify(goneText(runId, next));
      select(next);
    },
    [selectedId, runs, urlId, notify, select],
  );

  return { selectedId, setSelectedId: select, onMissing };
}

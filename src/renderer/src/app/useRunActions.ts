// Starting, cancelling and resuming runs, the same from every view: one start at a time (a second press while the
// core answers does nothing), the started run selected and shown in the Runs view, failures as one-line banners, and
// which runs have a cancel or resume in flight (their buttons wait).
import { useCallback, useMemo, useState } from 'react';
import type { Api, Methods } from '../../../shared/contract';
import { errorMessage } from '../api';
import type { RunActions } from '../views/RunList';
import type { ViewId } from './routes';

export interface RunStarter {
  starting: boolean;
  /** Starts a run (a preset or a config); resolves to whether the core accepted it. `what` names it in errors. */
  startRun: (params: Methods['startRun']['params'], what: string) => Promise<boolean>;
  startPreset: (preset: string) => void;
  actions: RunActions;
}

export function useRunActions(
  api: Api,
  refreshRuns: () => void,
  select: (runId: string) => void,
  navigate: (view: ViewId, arg?: string | null, replace?: boolean) => void,
  showError: (message: string) => void,
): RunStarter {
  const [starting, setStarting] = useState(false);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());

  const startRun = useCallback(
    (params: Methods['startRun']['params'], what: string): Promise<boolean> => {
      if (starting) return Promise.resolve(false);
      setStarting(true);
      return api
        .startRun(params)
        .then(
          (res) => {
            const first = res.runIds[0];
            if (first) select(first);
            refreshRuns();
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
    [api, starting, refreshRuns, select, showError, navigate],
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
            () => refreshRuns(),
            (e: unknown) => showError(`Resume failed: ${errorMessage(e)}`),
          ),
        ),
    }),
    [api, busy, withBusy, showError, refreshRuns],
  );

  return { starting, startRun, startPreset, actions };
}

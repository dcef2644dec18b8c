// Experiment data: the experiment list (configs and run counts) and one experiment's runs with their rounds. Both
// refetch when the live run list says something they show changed (a new experiment, a committed round, a status).
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Api, ExperimentDetail, ExperimentSummary, RunSummary } from '../../../shared/contract';
import { errorMessage } from '../api';

/** What, in the run list, changes an experiment's stored rounds or statuses. */
export function experimentSignature(runs: readonly RunSummary[], experimentId: string): string {
  return runs
    .filter((r) => r.experimentId === experimentId)
    .map((r) => `${r.runId}:${r.status}:${r.roundsDone}`)
    .sort()
    .join('|');
}

export interface ExperimentsState {
  experiments: ExperimentSummary[];
  loaded: boolean;
  error: string | null;
}

/** listExperiments, refreshed when an experiment appears or a run's status changes (throttled). */
export function useExperiments(api: Api, runs: readonly RunSummary[], epoch: number): ExperimentsState {
  const [state, setState] = useState<ExperimentsState>({ experiments: [], loaded: false, error: null });
  const key = useMemo(
    () =>
      [...new Set(runs.map((r) => r.experimentId))].sort().join(',') +
      '#' +
      runs
        .map((r) => r.status[0])
        .sort()
        .join(''),
    [runs],
  );
  useEffect(() => {
    let stale = false;
    const t = setTimeout(() => {
      api.listExperiments({}).then(
        (experiments) => !stale && setState({ experiments, loaded: true, error: null }),
        (e: unknown) => {
          if (stale || (e as { code?: unknown }).code === 'disconnected') return;
          setState((s) => ({ ...s, loaded: true, error: errorMessage(e) }));
        },
      );
    }, 150);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [api, key, epoch]);
  return state;
}

/** getExperiment for several ids at once (the run list's warnings); refetches only those whose runs changed. */
export function useExperimentDetails(api: Api, runs: readonly RunSummary[], epoch: number): ReadonlyMap<string, ExperimentDetail> {
  const [details, setDetails] = useState<ReadonlyMap<string, ExperimentDetail>>(new Map());
  const fetched = useRef(new Map<string, string>());
  const signatures = useMemo(() => {
    const ids = [...new Set(runs.map((r) => r.experimentId))];
    return new Map(ids.map((id) => [id, experimentSignature(runs, id)]));
  }, [runs]);
  useEffect(() => {
    fetched.current.clear();
  }, [epoch]);
  useEffect(() => {
    const t = setTimeout(() => {
      for (const [id, sig] of signatures) {
        if (fetched.current.get(id) === sig) continue;
        fetched.current.set(id, sig);
        api.getExperiment({ experimentId: id }).then(
          (d) => setDetails((m) => new Map(m).set(id, d)),
          () => fetched.current.delete(id),
        );
      }
    }, 500);
    return () => clearTimeout(t);
  }, [api, signatures, epoch]);
  return details;
}

/**
 * getExperiment for each id at once (the lottery plot and the experiments compared with it), refetched (throttled)
 * when those experiments' runs change status or commit a round; `pending` while a fetch is due or under way.
 */
export function useExperimentsOf(api: Api, ids: string[], runs: readonly RunSummary[], epoch: number) {
  const [state, setState] = useState<{ details: Map<string, ExperimentDetail>; error: string | null; answered: string }>({
    details: new Map(),
    error: null,
    answered: '',
  });
  const key = ids.map((id) => `${id}=${experimentSignature(runs, id)}`).join(';');
  const request = `${key}#${epoch}`;
  const last = useRef(0);
  useEffect(() => {
    // The ids, from the key (experiment ids hold neither ';' nor '='), so the request alone decides when to fetch.
    const wanted = key ? key.split(';').map((part) => part.slice(0, part.indexOf('='))) : [];
    if (!wanted.length) return;
    let stale = false;
    const t = setTimeout(
      () => {
        last.current = Date.now();
        Promise.all(wanted.map((experimentId) => api.getExperiment({ experimentId }))).then(
          (list) => !stale && setState({ details: new Map(list.map((d) => [d.experimentId, d])), error: null, answered: request }),
          (e: unknown) => !stale && setState((s) => ({ ...s, error: errorMessage(e), answered: request })),
        );
      },
      Math.max(0, 500 - (Date.now() - last.current)),
    );
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [api, key, request]);
  // A fetch is due or under way until the latest request is answered.
  return { details: state.details, error: state.error, pending: ids.length > 0 && state.answered !== request ? 1 : 0 };
}

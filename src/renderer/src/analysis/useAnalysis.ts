// Runs one analysis call and tracks it: the result, whether it is pending, its error, and the core's progress
// events (analysisProgress) for it while it is pending. A newer request wins: the older one is cancelled in the
// core (cancelRequest with its request id: its worker stops unless another view waits for the same result) and its
// reply is dropped, so a quick succession of picks never shows an answer for an earlier pick and never leaves work
// behind. The previous result stays available while a new one loads (charts do not flash empty); views that must not
// show it can check `loading`.
import { useCallback, useEffect, useEffectEvent, useState, type DependencyList } from 'react';
import type { AnalysisKind, AnalysisProgress } from '../../../shared/analysis';
import type { Api, CallOptions } from '../../../shared/contract';
import { errorMessage, getApi } from '../api';

export interface AnalysisState<R> {
  /** The latest answer (kept while a newer request is pending); null before the first and after an error. */
  result: R | null;
  loading: boolean;
  /** One line: why the latest request failed; null otherwise. */
  error: string | null;
  /** The latest progress event while a request is pending; null otherwise (or when the core sends none). */
  progress: AnalysisProgress | null;
  /** Runs the same request again (e.g. after an error). */
  rerun: () => void;
}

export interface UseAnalysisOptions {
  /** The api to listen on for progress events (default: the page's host api). */
  api?: Api;
  /** Only progress events of this kind count (several analyses of different kinds may run at once). */
  kind?: AnalysisKind;
}

/** A request id unique in this page: cancelRequest names it, and the call's progress carries it. */
const page = Math.random().toString(36).slice(2, 10);
let calls = 0;
export const newRequestId = (): string => `a${page}-${++calls}`;

/**
 * `run` performs the call with the options it is given (e.g. `(call) => api.analyzeOverlap({ a, b }, call)`), or is
 * null when there is nothing to compute yet (no states picked): then result, error and progress are cleared. The
 * call is (re)made when `deps` change; the one it replaces is cancelled.
 */
export function useAnalysis<R>(run: ((call: CallOptions) => Promise<R>) | null, deps: DependencyList, options?: UseAnalysisOptions): AnalysisState<R> {
  const api = options?.api ?? getApi();
  const kind = options?.kind;
  const [tick, setTick] = useState(0);
  const active = run !== null;
  // The call's number: it changes when the caller's deps (or the api, the kind, a rerun) do.
  const version = useVersion([...deps, active, tick, api, kind]);
  const [state, setState] = useState<{ answered: number; result: R | null; error: string | null; progress: { version: number; p: AnalysisProgress } | null }>({
    answered: -1,
    result: null,
    error: null,
    progress: null,
  });
  // `run` is a new closure every render: the version decides when to call it.
  const runNow = useEffectEvent((call: CallOptions) => run!(call));

  useEffect(() => {
    if (!active) return;
    const requestId = newRequestId();
    let current = true;
    let settled = false;
    const off = api.on('analysisProgress', (p) => {
      // This call's progress: by its request id, or (from a core that sends none) by kind.
      if (!current || (p.requestId !== undefined ? p.requestId !== requestId : kind && p.kind !== kind)) return;
      setState((s) => ({ ...s, progress: { version, p } }));
    });
    let promise: Promise<R>;
    try {
      promise = runNow({ requestId });
    } catch (e) {
      promise = Promise.reject(e);
    }
    promise
      .then(
        (result) => current && setState({ answered: version, result, error: null, progress: null }),
        (e: unknown) => current && setState({ answered: version, result: null, error: errorMessage(e), progress: null }),
      )
      .finally(() => {
        settled = true;
        off();
      });
    return () => {
      // Unmounted or superseded: the work stops (unless another call shares it) and a late reply is ignored.
      current = false;
      off();
      if (!settled) api.cancelRequest({ requestId }).catch(() => undefined);
    };
  }, [version, active, api, kind]);

  const rerun = useCallback(() => setTick((t) => t + 1), []);
  const loading = active && state.answered !== version;
  return {
    result: active ? state.result : null,
    loading,
    error: active && !loading ? state.error : null,
    progress: loading && state.progress?.version === version ? state.progress.p : null,
    rerun,
  };
}

/** A number that changes whenever one of `values` does (compared with Object.is), as an effect's deps would. */
function useVersion(values: readonly unknown[]): number {
  const [seen, setSeen] = useState({ values, version: 0 });
  if (seen.values.length === values.length && seen.values.every((v, i) => Object.is(v, values[i]))) return seen.version;
  setSeen({ values, version: seen.version + 1 });
  return seen.version + 1;
}

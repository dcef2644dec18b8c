// Runs one analysis call and tracks it: the result, whether it is pending, its error, and the core's progress
// events (analysisProgress) for it while it is pending. A newer request wins: the older one is cancelled in the
// core (cancelRequest with its request id: its worker stops unless another view waits for the same result) and its
// reply is dropped, so a quick succession of picks never shows an answer for an earlier pick and never leaves work
// behind. The previous result stays available while a new one loads (charts do not flash empty); views that must not
// show it can check `loading`.
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
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
  const [state, setState] = useState<Omit<AnalysisState<R>, 'rerun'>>({ result: null, loading: run !== null, error: null, progress: null });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const runRef = useRef(run);
  runRef.current = run;
  const active = run !== null;

  useEffect(() => {
    const fn = runRef.current;
    const id = ++seq.current;
    if (!fn) {
      setState({ result: null, loading: false, error: null, progress: null });
      return;
    }
    setState((s) => ({ ...s, loading: true, error: null, progress: null }));
    const requestId = newRequestId();
    let settled = false;
    const off = api.on('analysisProgress', (p) => {
      // This call's progress: by its request id, or (from a core that sends none) by kind.
      if (id !== seq.current || (p.requestId !== undefined ? p.requestId !== requestId : kind && p.kind !== kind)) return;
      setState((s) => (s.loading ? { ...s, progress: p } : s));
    });
    let promise: Promise<R>;
    try {
      promise = fn({ requestId });
    } catch (e) {
      promise = Promise.reject(e);
    }
    promise
      .then(
        (result) => {
          if (id === seq.current) setState({ result, loading: false, error: null, progress: null });
        },
        (e: unknown) => {
          if (id === seq.current) setState({ result: null, loading: false, error: errorMessage(e), progress: null });
        },
      )
      .finally(() => {
        settled = true;
        off();
      });
    return () => {
      // Unmounted or superseded: the work stops (unless another call shares it) and a late reply is ignored.
      if (seq.current === id) seq.current++;
      off();
      if (!settled) api.cancelRequest({ requestId }).catch(() => undefined);
    };
    // The caller's deps decide when to call again; `run` itself is a new closure every render.
  }, [...deps, active, tick, api, kind]);

  const rerun = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, rerun };
}

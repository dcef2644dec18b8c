// The stored states analyses can read (api.listStates), for the pickers of the analysis views. Refetches when the
// connection comes back (epoch) or the filter changes; a reply for an older request is dropped.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { StateInfo } from '../../../shared/analysis';
import type { Api } from '../../../shared/contract';
import { errorMessage } from '../api';

export interface StatesFilter {
  runId?: string;
  experimentId?: string;
}

export interface StatesState {
  states: StateInfo[];
  /** True until the first answer for the current filter arrives (and while a reload runs). */
  loading: boolean;
  /** One line: why listing failed; null when it did not. */
  error: string | null;
  /** Lists again (e.g. after a run committed a round). */
  reload: () => void;
}

export function useStates(api: Api, epoch: number, filter?: StatesFilter): StatesState {
  const runId = filter?.runId;
  const experimentId = filter?.experimentId;
  const [states, setStates] = useState<StateInfo[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);

  useEffect(() => {
    const id = ++seq.current;
    setLoading(true);
    const params: { runId?: string; experimentId?: string } = {};
    if (runId) params.runId = runId;
    if (experimentId) params.experimentId = experimentId;
    api.listStates(params).then(
      (list) => {
        if (id !== seq.current) return;
        setStates(list);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (id !== seq.current) return;
        setError(errorMessage(e));
        setLoading(false);
      },
    );
  }, [api, epoch, runId, experimentId, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { states, loading, error, reload };
}

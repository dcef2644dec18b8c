// The stored states analyses can read (api.listStates), for the pickers of the analysis views. Refetches when the
// connection comes back (epoch) or the filter changes; a reply for an older request is dropped.
import { useCallback, useEffect, useState } from 'react';
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
  const [tick, setTick] = useState(0);
  // The answer and the request it answers: loading until the latest request is answered.
  const request = `${runId ?? ''}|${experimentId ?? ''}|${epoch}|${tick}`;
  const [answer, setAnswer] = useState<{ request: string | null; states: StateInfo[]; error: string | null }>({ request: null, states: [], error: null });

  useEffect(() => {
    let current = true;
    const params: { runId?: string; experimentId?: string } = {};
    if (runId) params.runId = runId;
    if (experimentId) params.experimentId = experimentId;
    api.listStates(params).then(
      (list) => current && setAnswer({ request, states: list, error: null }),
      (e: unknown) => current && setAnswer((a) => ({ ...a, request, error: errorMessage(e) })),
    );
    return () => {
      current = false;
    };
  }, [api, request, runId, experimentId]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { states: answer.states, loading: answer.request !== request, error: answer.error, reload };
}

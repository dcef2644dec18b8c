// The route argument of an analysis view (a state, a unit or a run: view-args.ts), applied once the stored states
// are listed, and again whenever the argument changes; never again for the same argument, so picks made since stay.
// Returns why the argument could not be shown as given (route-defaults.ts), for the view's notice; null when it could.
import { useEffect, useEffectEvent, useMemo, useRef } from 'react';
import { routeProblem } from './route-defaults';
import type { StatesState } from './useStates';
import { parseViewArg, type ParsedArg } from './view-args';

export function useRouteArg(arg: string | null, { states, loading }: StatesState, apply: (parsed: ParsedArg | null) => void, needWeights = true): string | null {
  const applied = useRef<string | null | undefined>(undefined);
  // The latest closure: it reads the view's current picks when it runs.
  const applyNow = useEffectEvent(apply);
  useEffect(() => {
    if (loading || !states.length || applied.current === (arg ?? null)) return;
    applied.current = arg ?? null;
    applyNow(parseViewArg(arg));
  }, [arg, states, loading]);
  return useMemo(
    () => (loading || !states.length ? null : routeProblem(arg, parseViewArg(arg), states, needWeights)),
    [arg, states, loading, needWeights],
  );
}

// The route argument of an analysis view (a state, a unit or a run: view-args.ts), applied once the stored states
// are listed, and again whenever the argument changes; never again for the same argument, so picks made since stay.
// Returns why the argument could not be shown as given (route-defaults.ts), for the view's notice; null when it could.
import { useEffect, useRef, useState } from 'react';
import { routeProblem } from './route-defaults';
import type { StatesState } from './useStates';
import { parseViewArg, type ParsedArg } from './view-args';

export function useRouteArg(arg: string | null, { states, loading }: StatesState, apply: (parsed: ParsedArg | null) => void, needWeights = true): string | null {
  const applied = useRef<string | null | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  // The latest closure: it reads the view's current picks when it runs.
  const applyRef = useRef(apply);
  applyRef.current = apply;
  useEffect(() => {
    if (loading || !states.length || applied.current === (arg ?? null)) return;
    applied.current = arg ?? null;
    const parsed = parseViewArg(arg);
    setProblem(routeProblem(arg, parsed, states, needWeights));
    applyRef.current(parsed);
  }, [arg, states, loading, needWeights]);
  return problem;
}

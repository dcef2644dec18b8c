// The route argument of an analysis view (a state, a unit or a run: view-args.ts), applied once the stored states
// are listed, and again whenever the argument changes; never again for the same argument, so picks made since stay.
import { useEffect, useEffectEvent, useRef } from 'react';
import type { StatesState } from './useStates';
import { parseViewArg, type ParsedArg } from './view-args';

export function useRouteArg(arg: string | null, { states, loading }: StatesState, apply: (parsed: ParsedArg | null) => void): void {
  const applied = useRef<string | null | undefined>(undefined);
  // The latest closure: it reads the view's current picks when it runs.
  const applyNow = useEffectEvent(apply);
  useEffect(() => {
    if (loading || !states.length || applied.current === (arg ?? null)) return;
    applied.current = arg ?? null;
    applyNow(parseViewArg(arg));
  }, [arg, states, loading]);
}

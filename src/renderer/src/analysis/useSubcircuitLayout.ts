// Runs the subcircuit layout in a Web Worker (one per view, created on first use) and returns the latest layout for
// the latest request; an older reply is dropped. If the worker cannot start (a host that forbids workers), the same
// layout runs on the main thread and `engine` says so.
import { useEffect, useRef, useState } from 'react';
import { layoutSubcircuit, type LayoutCircuit, type LayoutResult } from './subcircuit-layout';

export type LayoutEngine = 'worker' | 'main-thread';

export interface LayoutState {
  layout: LayoutResult | null;
  engine: LayoutEngine | null;
  error: string | null;
}

const EMPTY: LayoutState = { layout: null, engine: null, error: null };

export function useSubcircuitLayout(circuits: LayoutCircuit[] | null, width: number, height: number, top: number, bottom: number): LayoutState {
  const worker = useRef<Worker | null | undefined>(undefined);
  const seq = useRef(0);
  const [state, setState] = useState<LayoutState>({ layout: null, engine: null, error: null });

  useEffect(
    () => () => {
      worker.current?.terminate();
      worker.current = undefined;
    },
    [],
  );

  useEffect(() => {
    if (!circuits || !circuits.length) return;
    const id = ++seq.current;
    const req = { id, circuits, width, height, top, bottom };
    const fallback = (why: string) => {
      if (id !== seq.current) return;
      try {
        setState({ layout: layoutSubcircuit(req), engine: 'main-thread', error: null });
      } catch (e) {
        setState({ layout: null, engine: 'main-thread', error: `${why}; layout failed: ${e instanceof Error ? e.message : String(e)}` });
      }
    };
    if (worker.current === undefined) {
      try {
        worker.current = new Worker(new URL('./subcircuit-layout.worker.ts', import.meta.url), { type: 'module', name: 'subcircuit-layout' });
      } catch {
        worker.current = null;
      }
    }
    const w = worker.current;
    if (!w) {
      fallback('no worker');
      return;
    }
    const onMessage = (e: MessageEvent<LayoutResult | { id: number; error: string }>) => {
      if (e.data.id !== id || id !== seq.current) return;
      if ('error' in e.data) setState({ layout: null, engine: 'worker', error: e.data.error });
      else setState({ layout: e.data, engine: 'worker', error: null });
    };
    const onError = (e: ErrorEvent) => {
      e.preventDefault();
      worker.current?.terminate();
      worker.current = null;
      fallback(`worker failed: ${e.message || 'could not load'}`);
    };
    w.addEventListener('message', onMessage);
    w.addEventListener('error', onError);
    w.postMessage(req);
    return () => {
      w.removeEventListener('message', onMessage);
      w.removeEventListener('error', onError);
    };
  }, [circuits, width, height, top, bottom]);

  // Nothing to lay out: no layout (the last one is kept for when circuits come back, then replaced).
  return circuits?.length ? state : EMPTY;
}

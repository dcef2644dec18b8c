// Web Worker: lays out subcircuits off the main thread (see subcircuit-layout.ts). Bundled by Vite as its own
// same-origin script, which the app's CSP (script-src 'self', no worker-src: falls back to script-src) allows.
import { layoutSubcircuit, transferablesOf, type LayoutRequest, type LayoutResult } from './subcircuit-layout';

interface WorkerScope {
  onmessage: ((e: MessageEvent<LayoutRequest>) => void) | null;
  postMessage(message: LayoutResult | { id: number; error: string }, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
scope.onmessage = (e) => {
  try {
    const out = layoutSubcircuit(e.data);
    scope.postMessage(out, transferablesOf(out));
  } catch (err) {
    scope.postMessage({ id: e.data.id, error: err instanceof Error ? err.message : String(err) });
  }
};

// Views and hash routing: `#/<view>[/<arg>]`, e.g. `#/lottery/e23de3a2f58854e5` or `#/runs/r29b4b9c345`, so a test
// or a screenshot script can open any view directly. The list of views drives the navigation and the shortcuts.
import { useCallback, useSyncExternalStore } from 'react';

export type ViewId = 'runs' | 'builder' | 'lottery' | 'subcircuit' | 'activations' | 'selectivity' | 'overlap' | 'multigraph';

export interface ViewDef {
  id: ViewId;
  label: string;
  /** The second key of the `g <key>` shortcut. */
  key: string;
}

export const VIEWS: readonly ViewDef[] = [
  { id: 'runs', label: 'Runs', key: 'r' },
  { id: 'builder', label: 'Experiment builder', key: 'b' },
  { id: 'lottery', label: 'Lottery plot', key: 'l' },
  { id: 'subcircuit', label: 'Subcircuit', key: 's' },
  { id: 'activations', label: 'Activation maps', key: 'a' },
  { id: 'selectivity', label: 'Selectivity', key: 'c' },
  { id: 'overlap', label: 'Mask overlap', key: 'o' },
  { id: 'multigraph', label: 'Multigraph', key: 'm' },
];

export interface Route {
  view: ViewId;
  /** The view's argument: a run id (runs), an experiment id (lottery), a preset name (builder), a state or run (analysis views). */
  arg: string | null;
}

/** A run, experiment or preset id, or a state reference RUN:ROUND:WHICH (analysis views). */
const ARG = /^[A-Za-z0-9_.:-]{1,100}$/;

/** The route a hash names; an unknown view is the Runs view, without the argument that was meant for another view. */
export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const view = VIEWS.find((v) => v.id === parts[0])?.id;
  const raw = view && parts[1] ? safeDecode(parts[1]) : null;
  return { view: view ?? 'runs', arg: raw !== null && ARG.test(raw) ? raw : null };
}

/** The view a hash names when it is none of VIEWS (so the Runs view is shown instead); null otherwise. */
export function unknownViewOf(hash: string): string | null {
  const name = hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  return name && !VIEWS.some((v) => v.id === name) ? (safeDecode(name) ?? name).slice(0, 40) : null;
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

export function hrefOf(view: ViewId, arg?: string | null): string {
  return `#/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}`;
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}
const getHash = () => window.location.hash;

/** The current route, and navigation: `replace` rewrites the history entry (selection changes, not new pages). */
export function useRoute(): [Route, (view: ViewId, arg?: string | null, replace?: boolean) => void] {
  const hash = useSyncExternalStore(subscribe, getHash);
  const navigate = useCallback((view: ViewId, arg?: string | null, replace = false) => {
    const next = hrefOf(view, arg);
    if (window.location.hash === next) return;
    if (replace) {
      history.replaceState(history.state, '', next);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } else {
      window.location.hash = next;
    }
  }, []);
  return [parseHash(hash), navigate];
}

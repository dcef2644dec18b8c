// The colour scheme (the system's, via prefers-color-scheme) and the explicit chart palette for it. Charts draw
// with these values rather than CSS variables, so an exported SVG or PNG keeps its colours outside the app.
import { useSyncExternalStore } from 'react';

const query = () => window.matchMedia('(prefers-color-scheme: dark)');

function subscribe(cb: () => void): () => void {
  const mq = query();
  mq.addEventListener('change', cb);
  return () => mq.removeEventListener('change', cb);
}

export function useDarkMode(): boolean {
  return useSyncExternalStore(subscribe, () => query().matches);
}

export interface ChartPalette {
  bg: string;
  fg: string;
  fg2: string;
  grid: string;
  frame: string;
  font: string;
}

export function chartPalette(dark: boolean): ChartPalette {
  const font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
  return dark
    ? { bg: '#15181d', fg: '#e6e8eb', fg2: '#a3abb5', grid: '#2a2f38', frame: '#4a525e', font }
    : { bg: '#ffffff', fg: '#1b1f24', fg2: '#57606a', grid: '#e7e9ed', frame: '#b8bfc8', font };
}

// Window size and place across launches: restore what was saved when it still fits a connected display, else fall
// back to a centred default. Pure functions over rectangles (the displays' work areas), so they are tested without
// Electron; index.ts feeds them screen.getAllDisplays() and the window's bounds.
import type { WindowState } from './settings';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_SIZE = { width: 1400, height: 900 };
export const MIN_SIZE = { width: 1024, height: 700 };
/** How much of the window's top strip (where the title bar is) must lie on a display for the saved place to count. */
const VISIBLE = { width: 120, height: 40 };

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * Options for the BrowserWindow: the saved size clamped to the largest display (and at least MIN_SIZE), the saved
 * place when the window's top strip is on a display, and whether to maximise or go full screen once shown.
 */
export function restoreWindow(
  saved: WindowState | undefined,
  workAreas: readonly Rect[],
): { x?: number; y?: number; width: number; height: number; maximized: boolean; fullScreen: boolean } {
  const largest = workAreas.reduce((m, a) => ({ width: Math.max(m.width, a.width), height: Math.max(m.height, a.height) }), {
    width: 0,
    height: 0,
  });
  const fit = (want: number, min: number, max: number) => Math.max(min, max > 0 ? Math.min(want, max) : want);
  const width = fit(saved?.width ?? DEFAULT_SIZE.width, MIN_SIZE.width, largest.width);
  const height = fit(saved?.height ?? DEFAULT_SIZE.height, MIN_SIZE.height, largest.height);
  const base = { width, height, maximized: saved?.maximized ?? false, fullScreen: saved?.fullScreen ?? false };
  if (saved?.x === undefined || saved.y === undefined) return base;
  const strip = { x: saved.x, y: saved.y, width, height: VISIBLE.height };
  const onScreen = workAreas.some((a) => {
    const o = overlap(strip, a);
    return o.width >= Math.min(VISIBLE.width, width) && o.height >= VISIBLE.height;
  });
  return onScreen ? { ...base, x: saved.x, y: saved.y } : base;
}

/** What to save: the normal (un-maximised) bounds, so restoring a maximised window un-maximises to a sane size. */
export function captureWindow(normalBounds: Rect, maximized: boolean, fullScreen: boolean): WindowState {
  const clamp = (v: number, min: number, max: number) => Math.max(min, Math.min(max, Math.round(Number.isFinite(v) ? v : 0)));
  return {
    x: clamp(normalBounds.x, -100_000, 100_000),
    y: clamp(normalBounds.y, -100_000, 100_000),
    width: clamp(normalBounds.width, 200, 100_000),
    height: clamp(normalBounds.height, 200, 100_000),
    maximized,
    fullScreen,
  };
}

// The geometry of the mask pixel view (MaskPixelView.tsx): which 256 × 256 windows of a weight matrix a view needs,
// how a view is clamped to the matrix, the zoom steps, ruler steps, and what a conv row index means. Pure functions.

/** Windows are fetched as TILE × TILE cells (maskPixels row0/col0). */
export const TILE = 256;
/** Pixels per weight the view steps through. */
export const ZOOMS = [1, 2, 3, 4, 6, 8, 12, 16, 24];

export interface PixelView {
  /** Top-left cell shown (fractional while dragging). */
  row0: number;
  col0: number;
  /** Pixels per weight. */
  zoom: number;
}

/** The view moved inside the matrix: no empty space right of or below it unless the matrix is smaller. */
export function clampView(v: PixelView, rows: number, cols: number, viewW: number, viewH: number): PixelView {
  const maxR = Math.max(0, rows - viewH / v.zoom);
  const maxC = Math.max(0, cols - viewW / v.zoom);
  return { zoom: v.zoom, row0: Math.min(maxR, Math.max(0, v.row0)), col0: Math.min(maxC, Math.max(0, v.col0)) };
}

/** The largest zoom step at which the whole matrix fits the view (1 when none does). */
export function fitZoom(rows: number, cols: number, viewW: number, viewH: number): number {
  const fit = Math.min(viewW / Math.max(1, cols), viewH / Math.max(1, rows));
  return [...ZOOMS].reverse().find((z) => z <= fit) ?? 1;
}

/** The zoom one step in (dir 1) or out (-1) from `zoom`, staying within ZOOMS. */
export function zoomStep(zoom: number, dir: 1 | -1): number {
  const i = ZOOMS.indexOf(zoom);
  return ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, (i < 0 ? 0 : i) + dir))]!;
}

/** The view after zooming to `zoom` about the point (px, py) of the view, which stays over the same cell. */
export function zoomAbout(v: PixelView, zoom: number, px: number, py: number): PixelView {
  const cellR = v.row0 + py / v.zoom;
  const cellC = v.col0 + px / v.zoom;
  return { zoom, row0: cellR - py / zoom, col0: cellC - px / zoom };
}

/**
 * The tiles to fetch for a view, as [tileRow, tileCol]: those it shows first (in row-major order), then the ring of
 * tiles around them (so a small pan finds them loaded).
 */
export function tilesFor(v: PixelView, rows: number, cols: number, viewW: number, viewH: number): [number, number][] {
  const rA = Math.max(0, Math.floor(v.row0 / TILE) - 1);
  const rB = Math.min(Math.ceil(rows / TILE) - 1, Math.floor((v.row0 + viewH / v.zoom) / TILE) + 1);
  const cA = Math.max(0, Math.floor(v.col0 / TILE) - 1);
  const cB = Math.min(Math.ceil(cols / TILE) - 1, Math.floor((v.col0 + viewW / v.zoom) / TILE) + 1);
  const want: [number, number, number][] = [];
  for (let tr = rA; tr <= rB; tr++)
    for (let tc = cA; tc <= cB; tc++) {
      const visible = tr * TILE < v.row0 + viewH / v.zoom && (tr + 1) * TILE > v.row0 && tc * TILE < v.col0 + viewW / v.zoom && (tc + 1) * TILE > v.col0;
      want.push([tr, tc, visible ? 0 : 1]);
    }
  want.sort((p, q) => p[2] - q[2]);
  return want.map(([tr, tc]) => [tr, tc]);
}

/** A ruler's label step for `span` cells over `px` pixels: 1, 2, 5 × 10^k, about one label per 60 px. */
export function rulerStep(span: number, px: number): number {
  const raw = (span * 60) / px;
  const p = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? p * 10;
}

/** Decomposes a conv row index into (kh, kw, in) when the row label names the factors, e.g. "… = 3·3·64". */
export function rowParts(rowLabel: string, row: number): string | null {
  const m = rowLabel.match(/=\s*(\d+)\s*[·x*]\s*(\d+)\s*[·x*]\s*(\d+)/);
  if (!m) return null;
  const kw = Number(m[2]);
  const cin = Number(m[3]);
  return `(kh ${Math.floor(row / (kw * cin))}, kw ${Math.floor(row / cin) % kw}, in ${row % cin})`;
}

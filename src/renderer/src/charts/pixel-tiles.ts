// The mask pixel view's engine, outside React: a cache of 256 × 256 windows (maskPixels calls, at most 6 in flight,
// at most 96 kept), the view (top-left cell and zoom) and its clamping, and the canvas drawing (tiles, grid at high
// zoom, hover box, rulers), one frame at a time. MaskPixelView.tsx owns one, feeds it the props and the pointer and
// keyboard, and renders what it reports (the visible window, the hovered cell, a failed window). Drawing: pixel-draw.ts.
import type { Api } from '../../../shared/contract';
import { errorMessage } from '../api';
import { decodeBase64 } from './overlap-data';
import { drawPixels, ML, MT, pixelsPng, type Tile } from './pixel-draw';
import { clampView, fitZoom, TILE, tilesFor, zoomAbout, zoomStep, type PixelView } from './pixel-geometry';

const MAX_INFLIGHT = 6;
const MAX_TILES = 96;

export interface PixelHover {
  row: number;
  col: number;
  /** The cell's code, or null while its window loads. */
  code: number | null;
}

/** What the view shows, for the text under it (reported when it changes). */
export interface PixelReadout {
  row0: number;
  col0: number;
  zoom: number;
  rows: number;
  cols: number;
  loaded: number;
  pending: number;
}

/** What the canvas shows: the states, the layer, its size, the canvas and view size in CSS px, the theme. */
export interface PixelSource {
  api: Api;
  a: string;
  b: string;
  layer: string;
  canvasW: number;
  canvasH: number;
  viewW: number;
  viewH: number;
  dark: boolean;
}

export interface PixelEvents {
  onReadout: (r: PixelReadout) => void;
  onHover: (h: PixelHover | null) => void;
  onError: (message: string | null) => void;
  onRowLabel: (label: string) => void;
}

export class PixelTiles {
  canvas: HTMLCanvasElement | null = null;

  /** The canvas it draws on (null: none, e.g. unmounted). */
  attach(canvas: HTMLCanvasElement | null): void {
    this.canvas = canvas;
  }
  /** The matrix: its size (refined by the first window), what a row means, dense or conv. */
  dims = { rows: 0, cols: 0, rowLabel: 'fan-in', kind: 'dense' as 'dense' | 'conv' };
  view: PixelView = { row0: 0, col0: 0, zoom: 1 };
  hover: PixelHover | null = null;
  private src: PixelSource | null = null;
  private tiles = new Map<string, Tile>();
  private pending = new Set<string>();
  private failed = new Set<string>();
  /** Bumped by reset: replies for an older source are dropped. */
  private gen = 0;
  private frame = 0;
  private drag: { x: number; y: number; row0: number; col0: number } | null = null;
  private readout: PixelReadout | null = null;

  constructor(private readonly events: PixelEvents) {}

  get dragging(): boolean {
    return this.drag !== null;
  }

  /** The latest props (every render); what changed takes effect with the next frame. */
  update(src: PixelSource): void {
    this.src = src;
  }

  /** New states or layer: forget every window, start at the top-left at the zoom that fits best. */
  reset(rows: number, cols: number): void {
    const src = this.src!;
    this.gen++;
    this.tiles.clear();
    this.pending.clear();
    this.failed.clear();
    this.events.onError(null);
    this.dims = { rows, cols, rowLabel: 'fan-in', kind: 'dense' };
    this.view = { row0: 0, col0: 0, zoom: fitZoom(rows, cols, src.viewW, src.viewH) };
    this.hover = null;
    this.events.onHover(null);
    this.schedule();
  }

  /** The size or theme changed: keep the view inside the matrix and redraw. */
  refit(): void {
    this.view = this.clamped(this.view);
    this.schedule();
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  private clamped(v: PixelView): PixelView {
    return clampView(v, this.dims.rows, this.dims.cols, this.src!.viewW, this.src!.viewH);
  }

  setView(v: PixelView): void {
    this.view = this.clamped(v);
    this.schedule();
  }

  /** One zoom step in or out about (px, py) of the view (default: its centre). */
  zoomAt(dir: 1 | -1, px = this.src!.viewW / 2, py = this.src!.viewH / 2): void {
    const z = zoomStep(this.view.zoom, dir);
    if (z !== this.view.zoom) this.setView(zoomAbout(this.view, z, px, py));
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Forget failed windows and fetch them again. */
  retry(): void {
    this.failed.clear();
    this.events.onError(null);
    this.schedule();
  }

  private ensureTiles(): void {
    const src = this.src!;
    const { rows, cols } = this.dims;
    const myGen = this.gen;
    for (const [tr, tc] of tilesFor(this.view, rows, cols, src.viewW, src.viewH)) {
      if (this.pending.size >= MAX_INFLIGHT) break;
      const key = `${tr},${tc}`;
      if (this.tiles.has(key) || this.pending.has(key) || this.failed.has(key)) continue;
      this.pending.add(key);
      const r0 = tr * TILE;
      const c0 = tc * TILE;
      src.api.maskPixels({ a: src.a, b: src.b, layer: src.layer, row0: r0, col0: c0, rows: Math.max(1, Math.min(TILE, rows - r0)), cols: Math.max(1, Math.min(TILE, cols - c0)) }).then(
        (px) => {
          if (this.gen !== myGen) return;
          this.pending.delete(key);
          const first = this.dims.rows !== px.totalRows || this.dims.cols !== px.totalCols;
          this.dims = { rows: px.totalRows, cols: px.totalCols, rowLabel: px.rowLabel, kind: px.kind };
          this.events.onRowLabel(px.rowLabel);
          if (this.tiles.size >= MAX_TILES) {
            const oldest = this.tiles.keys().next().value;
            if (oldest !== undefined) this.tiles.delete(oldest);
          }
          this.tiles.set(key, { r0: px.row0, c0: px.col0, rows: px.rows, cols: px.cols, codes: decodeBase64(px.codes), image: null, imageDark: false });
          if (first) this.view = this.clamped(this.view);
          this.schedule();
        },
        (e: unknown) => {
          if (this.gen !== myGen) return;
          this.pending.delete(key);
          this.failed.add(key);
          this.events.onError(errorMessage(e));
          this.schedule();
        },
      );
    }
  }

  private draw(): void {
    const canvas = this.canvas;
    const src = this.src;
    if (!canvas || !src) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const { rows, cols } = this.dims;
    const v = this.view;
    const loaded = drawPixels(ctx, { ...src, rows, cols, view: v, tiles: this.tiles.values(), hover: this.hover });
    const pending = this.pending.size;
    canvas.dataset.row0 = String(Math.floor(v.row0));
    canvas.dataset.col0 = String(Math.floor(v.col0));
    canvas.dataset.zoom = String(v.zoom);
    canvas.dataset.loaded = String(loaded);
    canvas.dataset.pending = String(pending);
    canvas.dataset.totalRows = String(rows);
    canvas.dataset.totalCols = String(cols);
    canvas.dataset.ready = pending === 0 && loaded > 0 ? 'true' : 'false';
    const r = this.readout;
    if (!r || r.row0 !== Math.floor(v.row0) || r.col0 !== Math.floor(v.col0) || r.zoom !== v.zoom || r.rows !== rows || r.cols !== cols || r.loaded !== loaded || r.pending !== pending) {
      this.readout = { row0: Math.floor(v.row0), col0: Math.floor(v.col0), zoom: v.zoom, rows, cols, loaded, pending };
      this.events.onReadout(this.readout);
    }
    this.ensureTiles();
  }

  /** The cell under a point of the canvas (CSS px from its top-left), or null outside the matrix. */
  cellAt(x: number, y: number): PixelHover | null {
    const src = this.src!;
    const vx = x - ML;
    const vy = y - MT;
    if (vx < 0 || vy < 0 || vx >= src.viewW || vy >= src.viewH) return null;
    const v = this.view;
    const row = Math.floor(v.row0 + vy / v.zoom);
    const col = Math.floor(v.col0 + vx / v.zoom);
    const { rows, cols } = this.dims;
    if (row >= rows || col >= cols) return null;
    const t = this.tiles.get(`${Math.floor(row / TILE)},${Math.floor(col / TILE)}`);
    const code = t ? t.codes[(row - t.r0) * t.cols + (col - t.c0)]! : null;
    return { row, col, code };
  }

  setHover(h: PixelHover | null): void {
    const prev = this.hover;
    if (prev?.row === h?.row && prev?.col === h?.col && prev?.code === h?.code) return;
    this.hover = h;
    this.events.onHover(h);
    this.schedule();
  }

  startDrag(clientX: number, clientY: number): void {
    this.drag = { x: clientX, y: clientY, row0: this.view.row0, col0: this.view.col0 };
  }

  /** Pans with a drag in progress; hovers the cell at (x, y) of the canvas. */
  pointerMove(clientX: number, clientY: number, x: number, y: number): void {
    const d = this.drag;
    if (d) {
      const z = this.view.zoom;
      this.setView({ zoom: z, row0: d.row0 - (clientY - d.y) / z, col0: d.col0 - (clientX - d.x) / z });
    }
    this.setHover(this.cellAt(x, y));
  }

  endDrag(): void {
    this.drag = null;
  }

  /** Wheel: pan (Shift: horizontally); Ctrl/Cmd: zoom about the pointer at (x, y) of the canvas. */
  wheel(e: WheelEvent, x: number, y: number): void {
    if (e.ctrlKey || e.metaKey) {
      this.zoomAt(e.deltaY < 0 ? 1 : -1, x - ML, y - MT);
      return;
    }
    const v = this.view;
    const dx = e.shiftKey ? e.deltaY : e.deltaX;
    const dy = e.shiftKey ? 0 : e.deltaY;
    this.setView({ ...v, row0: v.row0 + dy / v.zoom, col0: v.col0 + dx / v.zoom });
  }

  /** Arrow keys pan (Shift: a screenful), +/- zoom, Home / End jump to the corners; true when the key did something. */
  key(key: string, shift: boolean): boolean {
    const src = this.src!;
    const v = this.view;
    const stepR = (shift ? src.viewH : 64) / v.zoom;
    const stepC = (shift ? src.viewW : 64) / v.zoom;
    const moves: Record<string, [number, number]> = { ArrowUp: [-stepR, 0], ArrowDown: [stepR, 0], ArrowLeft: [0, -stepC], ArrowRight: [0, stepC] };
    const m = moves[key];
    if (m) this.setView({ ...v, row0: v.row0 + m[0], col0: v.col0 + m[1] });
    else if (key === '+' || key === '=') this.zoomAt(1);
    else if (key === '-' || key === '_') this.zoomAt(-1);
    else if (key === 'Home') this.setView({ ...v, row0: 0, col0: 0 });
    else if (key === 'End') this.setView({ ...v, row0: this.dims.rows, col0: this.dims.cols });
    else return false;
    return true;
  }

  /** The visible window as PNG at 2x, with a header: the layer, A and B, the window, and the code legend. */
  png(labelA: string, labelB: string): Promise<Blob> {
    if (!this.canvas || !this.src) return Promise.reject(new Error('nothing drawn'));
    return pixelsPng(this.canvas, { ...this.src, ...this.dims, view: this.view, labelA, labelB });
  }
}

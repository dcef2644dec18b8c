// Drawing of the mask pixel view (PixelTiles, pixel-tiles.ts): the loaded windows at the view's zoom over a hatched
// "not loaded yet" background, a cell grid from 8 px per weight, the hovered cell, the frame and both rulers; and
// the PNG export of the visible window with a header that says what it shows.
import { formatInt } from '../app/format';
import { chartPalette } from '../app/theme';
import { CODE_NAMES, codeColours, codeRgb } from './overlap-data';
import { rulerStep, type PixelView } from './pixel-geometry';

/** Rulers: left (row indices), top (column indices). */
export const ML = 52;
export const MT = 22;

/** A loaded window of the matrix: its codes, and their image (made on first draw, per theme). */
export interface Tile {
  r0: number;
  c0: number;
  rows: number;
  cols: number;
  codes: Uint8Array;
  image: HTMLCanvasElement | null;
  imageDark: boolean;
}

function tileImage(t: Tile, dark: boolean): HTMLCanvasElement {
  if (t.image && t.imageDark === dark) return t.image;
  const c = document.createElement('canvas');
  c.width = t.cols;
  c.height = t.rows;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(t.cols, t.rows);
  const rgb = codeRgb(dark);
  for (let i = 0; i < t.codes.length; i++) {
    const p = rgb[t.codes[i]! & 3]!;
    img.data[i * 4] = p[0];
    img.data[i * 4 + 1] = p[1];
    img.data[i * 4 + 2] = p[2];
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  t.image = c;
  t.imageDark = dark;
  return c;
}

export interface PixelScene {
  canvasW: number;
  canvasH: number;
  viewW: number;
  viewH: number;
  dark: boolean;
  rows: number;
  cols: number;
  view: PixelView;
  tiles: Iterable<Tile>;
  hover: { row: number; col: number } | null;
}

/** Draws the scene on a canvas context; returns how many windows were in view. */
export function drawPixels(ctx: CanvasRenderingContext2D, scene: PixelScene): number {
  const { canvasW, canvasH, viewW, viewH, dark, rows, cols, view: v, tiles, hover } = scene;
  const dpr = window.devicePixelRatio || 1;
  const pal = chartPalette(dark);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = pal.bg;
  ctx.fillRect(0, 0, canvasW, canvasH);
  ctx.save();
  ctx.beginPath();
  ctx.rect(ML, MT, viewW, viewH);
  ctx.clip();
  ctx.imageSmoothingEnabled = false;
  const matW = Math.min(viewW, (cols - v.col0) * v.zoom);
  const matH = Math.min(viewH, (rows - v.row0) * v.zoom);
  // Not yet loaded: hatched (inside the matrix only).
  ctx.fillStyle = pal.grid;
  ctx.fillRect(ML, MT, matW, matH);
  ctx.save();
  ctx.beginPath();
  ctx.rect(ML, MT, matW, matH);
  ctx.clip();
  ctx.strokeStyle = pal.frame;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let d = -viewH; d < viewW; d += 10) {
    ctx.moveTo(ML + d, MT + viewH);
    ctx.lineTo(ML + d + viewH, MT);
  }
  ctx.globalAlpha = 0.35;
  ctx.stroke();
  ctx.globalAlpha = 1;
  ctx.restore();
  let loaded = 0;
  for (const t of tiles) {
    const x = ML + (t.c0 - v.col0) * v.zoom;
    const y = MT + (t.r0 - v.row0) * v.zoom;
    const w = t.cols * v.zoom;
    const h = t.rows * v.zoom;
    if (x > ML + viewW || y > MT + viewH || x + w < ML || y + h < MT) continue;
    ctx.drawImage(tileImage(t, dark), x, y, w, h);
    loaded++;
  }
  if (v.zoom >= 8) {
    ctx.strokeStyle = pal.bg;
    ctx.globalAlpha = 0.5;
    ctx.beginPath();
    const fr = Math.floor(v.row0);
    const fc = Math.floor(v.col0);
    for (let r = fr; r <= Math.min(rows, v.row0 + viewH / v.zoom + 1); r++) {
      const y = MT + (r - v.row0) * v.zoom + 0.5;
      ctx.moveTo(ML, y);
      ctx.lineTo(ML + matW, y);
    }
    for (let c = fc; c <= Math.min(cols, v.col0 + viewW / v.zoom + 1); c++) {
      const x = ML + (c - v.col0) * v.zoom + 0.5;
      ctx.moveTo(x, MT);
      ctx.lineTo(x, MT + matH);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  const hv = hover;
  if (hv) {
    ctx.strokeStyle = pal.fg;
    ctx.lineWidth = 1.5;
    const s = Math.max(v.zoom, 3);
    ctx.strokeRect(ML + (hv.col - v.col0) * v.zoom - (s - v.zoom) / 2 - 1, MT + (hv.row - v.row0) * v.zoom - (s - v.zoom) / 2 - 1, s + 2, s + 2);
  }
  ctx.restore();
  // Frame and rulers.
  ctx.strokeStyle = pal.frame;
  ctx.lineWidth = 1;
  ctx.strokeRect(ML - 0.5, MT - 0.5, Math.min(viewW, matW) + 1, Math.min(viewH, matH) + 1);
  ctx.fillStyle = pal.fg2;
  ctx.font = `11px ${pal.font}`;
  const cStep = rulerStep(viewW / v.zoom, viewW);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  for (let c = Math.ceil(v.col0 / cStep) * cStep; c <= Math.min(cols, v.col0 + viewW / v.zoom); c += cStep) {
    const x = ML + (c - v.col0) * v.zoom;
    ctx.fillText(String(c), Math.min(canvasW - 14, x), MT - 6);
    ctx.fillRect(x, MT - 4, 1, 4);
  }
  const rStep = rulerStep((viewH / v.zoom) * 0.5, viewH);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let r = Math.ceil(v.row0 / rStep) * rStep; r <= Math.min(rows, v.row0 + viewH / v.zoom); r += rStep) {
    const y = MT + (r - v.row0) * v.zoom;
    ctx.fillText(String(r), ML - 6, Math.max(MT + 6, Math.min(canvasH - 6, y)));
    ctx.fillRect(ML - 4, y, 4, 1);
  }
  return loaded;
}

export interface PngHeader {
  canvasW: number;
  canvasH: number;
  viewW: number;
  viewH: number;
  dark: boolean;
  layer: string;
  rows: number;
  cols: number;
  rowLabel: string;
  kind: 'dense' | 'conv';
  view: PixelView;
  labelA: string;
  labelB: string;
}

/** The drawn canvas as PNG at 2x under a header: the layer and its size, A and B, the window shown, the legend. */
export function pixelsPng(canvas: HTMLCanvasElement, h: PngHeader): Promise<Blob> {
  const { canvasW, canvasH, viewW, viewH, dark, layer, rows, cols, rowLabel, kind, view: v, labelA, labelB } = h;
  const pal = chartPalette(dark);
  const colours = codeColours(dark);
  const scale = 2;
  const headH = 64;
  const out = document.createElement('canvas');
  out.width = canvasW * scale;
  out.height = (canvasH + headH + 20) * scale;
  const ctx = out.getContext('2d')!;
  ctx.scale(scale, scale);
  ctx.fillStyle = pal.bg;
  ctx.fillRect(0, 0, canvasW, canvasH + headH + 20);
  ctx.fillStyle = pal.fg;
  ctx.font = `600 13px ${pal.font}`;
  ctx.fillText(`Mask pixels of ${layer}: A vs B (${formatInt(rows)} × ${formatInt(cols)} weights)`, 12, 18);
  ctx.font = `11px ${pal.font}`;
  ctx.fillStyle = pal.fg2;
  ctx.fillText(`A = ${labelA} · B = ${labelB}`, 12, 34);
  const r1 = Math.min(rows, Math.floor(v.row0 + viewH / v.zoom));
  const c1 = Math.min(cols, Math.floor(v.col0 + viewW / v.zoom));
  ctx.fillText(
    `rows ${Math.floor(v.row0)}–${r1 - 1} of ${rows} (${rowLabel}) · columns ${Math.floor(v.col0)}–${c1 - 1} of ${cols} (output ${kind === 'conv' ? 'channels' : 'units'}) · ${v.zoom} px per weight`,
    12,
    49,
  );
  let x = 12;
  for (const c of [3, 1, 2, 0]) {
    ctx.fillStyle = colours[c]!;
    ctx.fillRect(x, headH - 8, 10, 10);
    ctx.strokeStyle = pal.frame;
    ctx.strokeRect(x + 0.5, headH - 7.5, 9, 9);
    ctx.fillStyle = pal.fg;
    ctx.fillText(CODE_NAMES[c]!, x + 14, headH + 1);
    x += 14 + ctx.measureText(CODE_NAMES[c]!).width + 18;
  }
  ctx.drawImage(canvas, 0, headH + 10, canvasW, canvasH);
  return new Promise<Blob>((ok, fail) => out.toBlob((b) => (b ? ok(b) : fail(new Error('PNG encoding failed'))), 'image/png'));
}

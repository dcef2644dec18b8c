// The pixel view of one layer's weight matrix (rows: fan-in, columns: units/channels), each weight coloured by two
// masks: pruned in both, kept only in A, only in B, in both. Large matrices are fetched in 256 x 256 windows
// (maskPixels row0/col0) as the view pans; tiles are cached and drawn with a <canvas> at 1..24 px per weight, so a
// 512 x 512 window pans and hovers without re-rendering React. Drag or arrow keys pan, +/- or Ctrl+wheel zoom.
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { MaskPixels } from '../../../shared/analysis';
import type { Api } from '../../../shared/contract';
import { errorMessage } from '../api';
import { formatInt } from '../app/format';
import { chartPalette } from '../app/theme';
import { ExportButtons } from './ExportButtons';
import { CODE_NAMES, codeColours, codeRgb, decodeBase64 } from './overlap-data';

export const TILE = 256;
const ZOOMS = [1, 2, 3, 4, 6, 8, 12, 16, 24];
/** Rulers: left (row indices), top (column indices). */
const ML = 52;
const MT = 22;
const MAX_INFLIGHT = 6;
const MAX_TILES = 96;

export interface MaskPixelViewProps {
  api: Api;
  a: string;
  b: string;
  layer: string;
  /** Expected size (from the overlap result), refined by the first window's totalRows/totalCols. */
  rows: number;
  cols: number;
  width: number;
  /** Height of the drawing area in CSS px (default 512 + rulers). */
  height?: number;
  dark: boolean;
  /** Labels of A and B for the export's header. */
  labelA: string;
  labelB: string;
  stem: string;
  onError: (message: string) => void;
}

interface Tile {
  r0: number;
  c0: number;
  rows: number;
  cols: number;
  codes: Uint8Array;
  image: HTMLCanvasElement | null;
  imageDark: boolean;
}

interface View {
  /** Top-left cell shown (fractional while dragging). */
  row0: number;
  col0: number;
  zoom: number;
}

interface Hover {
  row: number;
  col: number;
  code: number | null;
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

/** Decomposes a conv row index into (kh, kw, in) when the row label names the factors, e.g. "… = 3·3·64". */
export function rowParts(rowLabel: string, row: number): string | null {
  const m = rowLabel.match(/=\s*(\d+)\s*[·x*]\s*(\d+)\s*[·x*]\s*(\d+)/);
  if (!m) return null;
  const kw = Number(m[2]);
  const cin = Number(m[3]);
  return `(kh ${Math.floor(row / (kw * cin))}, kw ${Math.floor(row / cin) % kw}, in ${row % cin})`;
}

export function MaskPixelView(props: MaskPixelViewProps) {
  const { api, a, b, layer, width, dark, labelA, labelB, stem, onError } = props;
  const areaH = props.height ?? 512;
  const canvasW = Math.max(200, width);
  const canvasH = areaH + MT;
  const viewW = canvasW - ML;
  const viewH = areaH;

  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const tiles = useRef(new Map<string, Tile>());
  const pending = useRef(new Set<string>());
  const failed = useRef(new Set<string>());
  const gen = useRef(0);
  const dims = useRef({ rows: props.rows, cols: props.cols, rowLabel: 'fan-in', kind: 'dense' as 'dense' | 'conv' });
  const view = useRef<View>({ row0: 0, col0: 0, zoom: 1 });
  const drag = useRef<{ x: number; y: number; row0: number; col0: number } | null>(null);
  const frame = useRef(0);
  const hoverRef = useRef<Hover | null>(null);
  const darkRef = useRef(dark);
  darkRef.current = dark;

  const [readout, setReadout] = useState({ row0: 0, col0: 0, zoom: 1, rows: props.rows, cols: props.cols, loaded: 0, pending: 0 });
  const [hover, setHover] = useState<Hover | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rowLabel, setRowLabel] = useState('fan-in');

  const clampView = useCallback(
    (v: View): View => {
      const { rows, cols } = dims.current;
      const maxR = Math.max(0, rows - viewH / v.zoom);
      const maxC = Math.max(0, cols - viewW / v.zoom);
      return { zoom: v.zoom, row0: Math.min(maxR, Math.max(0, v.row0)), col0: Math.min(maxC, Math.max(0, v.col0)) };
    },
    [viewH, viewW],
  );

  // Declared before use through refs: draw() and ensureTiles() call each other via schedule().
  const drawRef = useRef<() => void>(() => undefined);
  const schedule = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      drawRef.current();
    });
  }, []);

  const ensureTiles = useCallback(() => {
    const { rows, cols } = dims.current;
    const v = view.current;
    const rA = Math.max(0, Math.floor(v.row0 / TILE) - 1);
    const rB = Math.min(Math.ceil(rows / TILE) - 1, Math.floor((v.row0 + viewH / v.zoom) / TILE) + 1);
    const cA = Math.max(0, Math.floor(v.col0 / TILE) - 1);
    const cB = Math.min(Math.ceil(cols / TILE) - 1, Math.floor((v.col0 + viewW / v.zoom) / TILE) + 1);
    // Visible tiles first (centre out), then the ring around them.
    const want: [number, number, number][] = [];
    for (let tr = rA; tr <= rB; tr++)
      for (let tc = cA; tc <= cB; tc++) {
        const visible = tr * TILE < v.row0 + viewH / v.zoom && (tr + 1) * TILE > v.row0 && tc * TILE < v.col0 + viewW / v.zoom && (tc + 1) * TILE > v.col0;
        want.push([tr, tc, visible ? 0 : 1]);
      }
    want.sort((p, q) => p[2] - q[2]);
    const myGen = gen.current;
    for (const [tr, tc] of want) {
      if (pending.current.size >= MAX_INFLIGHT) break;
      const key = `${tr},${tc}`;
      if (tiles.current.has(key) || pending.current.has(key) || failed.current.has(key)) continue;
      pending.current.add(key);
      const r0 = tr * TILE;
      const c0 = tc * TILE;
      api
        .maskPixels({ a, b, layer, row0: r0, col0: c0, rows: Math.max(1, Math.min(TILE, rows - r0)), cols: Math.max(1, Math.min(TILE, cols - c0)) })
        .then(
          (px: MaskPixels) => {
            if (gen.current !== myGen) return;
            pending.current.delete(key);
            const first = dims.current.rows !== px.totalRows || dims.current.cols !== px.totalCols;
            dims.current = { rows: px.totalRows, cols: px.totalCols, rowLabel: px.rowLabel, kind: px.kind };
            setRowLabel(px.rowLabel);
            if (tiles.current.size >= MAX_TILES) {
              const oldest = tiles.current.keys().next().value;
              if (oldest !== undefined) tiles.current.delete(oldest);
            }
            tiles.current.set(key, { r0: px.row0, c0: px.col0, rows: px.rows, cols: px.cols, codes: decodeBase64(px.codes), image: null, imageDark: false });
            if (first) view.current = clampView(view.current);
            schedule();
          },
          (e: unknown) => {
            if (gen.current !== myGen) return;
            pending.current.delete(key);
            failed.current.add(key);
            setError(errorMessage(e));
            schedule();
          },
        );
    }
  }, [api, a, b, layer, viewH, viewW, clampView, schedule]);

  const draw = useCallback(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const pal = chartPalette(darkRef.current);
    const { rows, cols } = dims.current;
    const v = view.current;
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
    for (const t of tiles.current.values()) {
      const x = ML + (t.c0 - v.col0) * v.zoom;
      const y = MT + (t.r0 - v.row0) * v.zoom;
      const w = t.cols * v.zoom;
      const h = t.rows * v.zoom;
      if (x > ML + viewW || y > MT + viewH || x + w < ML || y + h < MT) continue;
      ctx.drawImage(tileImage(t, darkRef.current), x, y, w, h);
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
    const hv = hoverRef.current;
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
    const step = (span: number, px: number) => {
      const raw = (span * 60) / px;
      const p = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
      return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? p * 10;
    };
    const cStep = step(viewW / v.zoom, viewW);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'alphabetic';
    for (let c = Math.ceil(v.col0 / cStep) * cStep; c <= Math.min(cols, v.col0 + viewW / v.zoom); c += cStep) {
      const x = ML + (c - v.col0) * v.zoom;
      ctx.fillText(String(c), Math.min(canvasW - 14, x), MT - 6);
      ctx.fillRect(x, MT - 4, 1, 4);
    }
    const rStep = step((viewH / v.zoom) * 0.5, viewH);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let r = Math.ceil(v.row0 / rStep) * rStep; r <= Math.min(rows, v.row0 + viewH / v.zoom); r += rStep) {
      const y = MT + (r - v.row0) * v.zoom;
      ctx.fillText(String(r), ML - 6, Math.max(MT + 6, Math.min(canvasH - 6, y)));
      ctx.fillRect(ML - 4, y, 4, 1);
    }
    canvas.dataset.row0 = String(Math.floor(v.row0));
    canvas.dataset.col0 = String(Math.floor(v.col0));
    canvas.dataset.zoom = String(v.zoom);
    canvas.dataset.loaded = String(loaded);
    canvas.dataset.pending = String(pending.current.size);
    canvas.dataset.totalRows = String(rows);
    canvas.dataset.totalCols = String(cols);
    canvas.dataset.ready = pending.current.size === 0 && loaded > 0 ? 'true' : 'false';
    setReadout((r) =>
      r.row0 === Math.floor(v.row0) && r.col0 === Math.floor(v.col0) && r.zoom === v.zoom && r.rows === rows && r.cols === cols && r.loaded === loaded && r.pending === pending.current.size
        ? r
        : { row0: Math.floor(v.row0), col0: Math.floor(v.col0), zoom: v.zoom, rows, cols, loaded, pending: pending.current.size },
    );
    ensureTiles();
  }, [canvasW, canvasH, viewW, viewH, ensureTiles]);
  drawRef.current = draw;

  // New states or layer: forget tiles, start at the top-left at the zoom that fits best.
  useEffect(() => {
    gen.current++;
    tiles.current.clear();
    pending.current.clear();
    failed.current.clear();
    setError(null);
    dims.current = { rows: props.rows, cols: props.cols, rowLabel: 'fan-in', kind: 'dense' };
    const fit = Math.min(viewW / Math.max(1, props.cols), viewH / Math.max(1, props.rows));
    const zoom = [...ZOOMS].reverse().find((z) => z <= fit) ?? 1;
    view.current = { row0: 0, col0: 0, zoom };
    hoverRef.current = null;
    setHover(null);
    schedule();
    // Size changes only re-clamp (below).
  }, [a, b, layer, props.rows, props.cols]);

  useEffect(() => {
    view.current = clampView(view.current);
    schedule();
  }, [clampView, schedule, dark, canvasW, canvasH]);

  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const setView = useCallback(
    (v: View) => {
      view.current = clampView(v);
      schedule();
    },
    [clampView, schedule],
  );

  const zoomAt = useCallback(
    (dir: 1 | -1, px = viewW / 2, py = viewH / 2) => {
      const v = view.current;
      const i = ZOOMS.indexOf(v.zoom);
      const z = ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, (i < 0 ? 0 : i) + dir))]!;
      if (z === v.zoom) return;
      const cellR = v.row0 + py / v.zoom;
      const cellC = v.col0 + px / v.zoom;
      setView({ zoom: z, row0: cellR - py / z, col0: cellC - px / z });
    },
    [setView, viewW, viewH],
  );

  // Wheel: pan (Shift: horizontally), Ctrl/Cmd: zoom at the pointer. Non-passive so the page does not scroll.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = canvas.getBoundingClientRect();
      if (e.ctrlKey || e.metaKey) {
        zoomAt(e.deltaY < 0 ? 1 : -1, e.clientX - r.left - ML, e.clientY - r.top - MT);
        return;
      }
      const v = view.current;
      const dx = e.shiftKey ? e.deltaY : e.deltaX;
      const dy = e.shiftKey ? 0 : e.deltaY;
      setView({ ...v, row0: v.row0 + dy / v.zoom, col0: v.col0 + dx / v.zoom });
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
  }, [zoomAt, setView]);

  const cellAt = (e: PointerEvent<HTMLCanvasElement>): Hover | null => {
    const r = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - r.left - ML;
    const y = e.clientY - r.top - MT;
    if (x < 0 || y < 0 || x >= viewW || y >= viewH) return null;
    const v = view.current;
    const row = Math.floor(v.row0 + y / v.zoom);
    const col = Math.floor(v.col0 + x / v.zoom);
    const { rows, cols } = dims.current;
    if (row >= rows || col >= cols) return null;
    const t = tiles.current.get(`${Math.floor(row / TILE)},${Math.floor(col / TILE)}`);
    const code = t ? t.codes[(row - t.r0) * t.cols + (col - t.c0)]! : null;
    return { row, col, code };
  };

  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, row0: view.current.row0, col0: view.current.col0 };
  };
  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (d) {
      const z = view.current.zoom;
      setView({ zoom: z, row0: d.row0 - (e.clientY - d.y) / z, col0: d.col0 - (e.clientX - d.x) / z });
    }
    const h = cellAt(e);
    const prev = hoverRef.current;
    if (prev?.row !== h?.row || prev?.col !== h?.col || prev?.code !== h?.code) {
      hoverRef.current = h;
      setHover(h);
      schedule();
    }
  };
  const onPointerUp = (e: PointerEvent<HTMLCanvasElement>) => {
    drag.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  };
  const onKey = (e: KeyboardEvent<HTMLCanvasElement>) => {
    const v = view.current;
    const stepR = (e.shiftKey ? viewH : 64) / v.zoom;
    const stepC = (e.shiftKey ? viewW : 64) / v.zoom;
    const moves: Record<string, [number, number]> = { ArrowUp: [-stepR, 0], ArrowDown: [stepR, 0], ArrowLeft: [0, -stepC], ArrowRight: [0, stepC] };
    const m = moves[e.key];
    if (m) {
      e.preventDefault();
      setView({ ...v, row0: v.row0 + m[0], col0: v.col0 + m[1] });
    } else if (e.key === '+' || e.key === '=') {
      e.preventDefault();
      zoomAt(1);
    } else if (e.key === '-' || e.key === '_') {
      e.preventDefault();
      zoomAt(-1);
    } else if (e.key === 'Home') {
      e.preventDefault();
      setView({ ...v, row0: 0, col0: 0 });
    } else if (e.key === 'End') {
      e.preventDefault();
      setView({ ...v, row0: dims.current.rows, col0: dims.current.cols });
    }
  };

  const retry = () => {
    failed.current.clear();
    setError(null);
    schedule();
  };

  const pngOf = useCallback(async (): Promise<Blob> => {
    const src = canvasRef.current;
    if (!src) throw new Error('nothing drawn');
    const pal = chartPalette(darkRef.current);
    const colours = codeColours(darkRef.current);
    const v = view.current;
    const { rows, cols } = dims.current;
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
    ctx.fillText(`rows ${Math.floor(v.row0)}–${r1 - 1} of ${rows} (${dims.current.rowLabel}) · columns ${Math.floor(v.col0)}–${c1 - 1} of ${cols} (output ${dims.current.kind === 'conv' ? 'channels' : 'units'}) · ${v.zoom} px per weight`, 12, 49);
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
    ctx.drawImage(src, 0, headH + 10, canvasW, canvasH);
    return new Promise<Blob>((ok, fail) => out.toBlob((b) => (b ? ok(b) : fail(new Error('PNG encoding failed'))), 'image/png'));
  }, [canvasW, canvasH, viewW, viewH, layer, labelA, labelB]);

  const dpr = typeof window !== 'undefined' ? window.devicePixelRatio || 1 : 1;
  const parts = hover ? rowParts(rowLabel, hover.row) : null;
  const colours = codeColours(dark);
  const r1 = Math.min(readout.rows, readout.row0 + Math.floor(viewH / readout.zoom));
  const c1 = Math.min(readout.cols, readout.col0 + Math.floor(viewW / readout.zoom));
  const legend = useMemo(() => [3, 1, 2, 0], []);

  return (
    <div className="pixel-view">
      <div className="pixel-head">
        <span className="pixel-legend" aria-label="Legend">
          {legend.map((c) => (
            <span key={c} className="legend-item">
              <span className="code-swatch" style={{ background: colours[c] }} />
              {CODE_NAMES[c]}
            </span>
          ))}
        </span>
        <span className="pixel-tools">
          <button type="button" className="btn small" onClick={() => zoomAt(-1)} aria-label="Zoom out" data-testid="pixels-zoom-out">
            −
          </button>
          <span className="muted" data-testid="pixels-zoom">
            {readout.zoom} px/weight
          </span>
          <button type="button" className="btn small" onClick={() => zoomAt(1)} aria-label="Zoom in" data-testid="pixels-zoom-in">
            +
          </button>
          <ExportButtons png={pngOf} stem={stem} testId="export-pixels" onError={onError} what="the visible window of the pixel view" />
        </span>
      </div>
      <canvas
        ref={canvasRef}
        width={Math.round(canvasW * dpr)}
        height={Math.round(canvasH * dpr)}
        style={{ width: canvasW, height: canvasH, display: 'block', cursor: drag.current ? 'grabbing' : 'crosshair', touchAction: 'none' }}
        tabIndex={0}
        role="img"
        aria-label={`Weight matrix of ${layer}, ${readout.rows} rows by ${readout.cols} columns, coloured by the two masks. Arrow keys pan, plus and minus zoom.`}
        data-testid="mask-pixels"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onPointerLeave={() => {
          if (!drag.current && hoverRef.current) {
            hoverRef.current = null;
            setHover(null);
            schedule();
          }
        }}
        onKeyDown={onKey}
      />
      <div className="pixel-foot">
        <span data-testid="pixels-window">
          rows {formatInt(readout.row0)}–{formatInt(Math.max(readout.row0, r1 - 1))} of {formatInt(readout.rows)} · columns {formatInt(readout.col0)}–
          {formatInt(Math.max(readout.col0, c1 - 1))} of {formatInt(readout.cols)} <span className="muted">(rows: {rowLabel}; columns: output {dims.current.kind === 'conv' ? 'channels' : 'units'})</span>
          {readout.pending > 0 && <span className="muted"> · loading {readout.pending} window{readout.pending > 1 ? 's' : ''}…</span>}
        </span>
        <span className="pixel-hover" data-testid="pixel-hover" data-row={hover?.row ?? ''} data-col={hover?.col ?? ''} data-code={hover?.code ?? ''} aria-live="off">
          {hover ? (
            <>
              row <b>{hover.row}</b>
              {parts && <span className="muted"> {parts}</span>} · col <b>{hover.col}</b> ·{' '}
              {hover.code === null ? (
                'loading…'
              ) : (
                <>
                  <span className="code-swatch" style={{ background: colours[hover.code] }} /> code {hover.code}: {CODE_NAMES[hover.code]}
                </>
              )}
            </>
          ) : (
            <span className="muted">hover a weight for its row, column and code · drag, arrow keys or wheel to pan · Ctrl+wheel or +/− to zoom</span>
          )}
        </span>
      </div>
      {error && (
        <div className="analysis-status error" role="alert" data-testid="pixels-error">
          <span className="analysis-error-text">
            <b>Loading a window of {layer} failed:</b> {error}
          </span>
          <button type="button" className="btn small" onClick={retry}>
            Retry
          </button>
        </div>
      )}
    </div>
  );
}

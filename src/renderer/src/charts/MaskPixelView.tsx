// The pixel view of one layer's weight matrix (rows: fan-in, columns: units/channels), each weight coloured by two
// masks: pruned in both, kept only in A, only in B, in both. Large matrices are fetched in 256 x 256 windows
// (maskPixels row0/col0) as the view pans; tiles are cached and drawn with a <canvas> at 1..24 px per weight, so a
// 512 x 512 window pans and hovers without re-rendering React. Drag or arrow keys pan, +/- or Ctrl+wheel zoom. The
// window cache, fetching and drawing are PixelTiles (pixel-tiles.ts); this component wires it to React.
import { useCallback, useEffect, useMemo, useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { Api } from '../../../shared/contract';
import { formatInt } from '../app/format';
import { ExportButtons } from './ExportButtons';
import { CODE_NAMES, codeColours } from './overlap-data';
import { rowParts } from './pixel-geometry';
import { ML, MT } from './pixel-draw';
import { PixelTiles, type PixelHover, type PixelReadout } from './pixel-tiles';

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

export function MaskPixelView(props: MaskPixelViewProps) {
  const { api, a, b, layer, width, dark, labelA, labelB, stem, onError } = props;
  const areaH = props.height ?? 512;
  const canvasW = Math.max(200, width);
  const canvasH = areaH + MT;
  const viewW = canvasW - ML;
  const viewH = areaH;

  const [readout, setReadout] = useState<PixelReadout>({ row0: 0, col0: 0, zoom: 1, rows: props.rows, cols: props.cols, loaded: 0, pending: 0 });
  const [hover, setHover] = useState<PixelHover | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rowLabel, setRowLabel] = useState('fan-in');
  const [tiles] = useState(() => new PixelTiles({ onReadout: setReadout, onHover: setHover, onError: setError, onRowLabel: setRowLabel }));
  tiles.update({ api, a, b, layer, canvasW, canvasH, viewW, viewH, dark });

  // New states or layer: forget the windows, start at the top-left at the zoom that fits best. Size changes re-clamp.
  useEffect(() => tiles.reset(props.rows, props.cols), [tiles, a, b, layer, props.rows, props.cols]);
  useEffect(() => tiles.refit(), [tiles, dark, canvasW, canvasH]);
  useEffect(() => () => tiles.dispose(), [tiles]);

  const canvasRef = useCallback(
    (el: HTMLCanvasElement | null) => {
      tiles.attach(el);
      if (!el) return;
      // Wheel: pan (Shift: horizontally), Ctrl/Cmd: zoom at the pointer. Non-passive so the page does not scroll.
      const onWheel = (e: WheelEvent) => {
        e.preventDefault();
        const r = el.getBoundingClientRect();
        tiles.wheel(e, e.clientX - r.left, e.clientY - r.top);
      };
      el.addEventListener('wheel', onWheel, { passive: false });
      return () => {
        el.removeEventListener('wheel', onWheel);
        tiles.attach(null);
      };
    },
    [tiles],
  );

  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    tiles.startDrag(e.clientX, e.clientY);
  };
  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    tiles.pointerMove(e.clientX, e.clientY, e.clientX - r.left, e.clientY - r.top);
  };
  const onPointerUp = (e: PointerEvent<HTMLCanvasElement>) => {
    tiles.endDrag();
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  };
  const onKey = (e: KeyboardEvent<HTMLCanvasElement>) => {
    if (tiles.key(e.key, e.shiftKey)) e.preventDefault();
  };
  const pngOf = useCallback(() => tiles.png(labelA, labelB), [tiles, labelA, labelB]);

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
          <button type="button" className="btn small" onClick={() => tiles.zoomAt(-1)} aria-label="Zoom out" data-testid="pixels-zoom-out">
            −
          </button>
          <span className="muted" data-testid="pixels-zoom">
            {readout.zoom} px/weight
          </span>
          <button type="button" className="btn small" onClick={() => tiles.zoomAt(1)} aria-label="Zoom in" data-testid="pixels-zoom-in">
            +
          </button>
          <ExportButtons png={pngOf} stem={stem} testId="export-pixels" onError={onError} what="the visible window of the pixel view" />
        </span>
      </div>
      <canvas
        ref={canvasRef}
        width={Math.round(canvasW * dpr)}
        height={Math.round(canvasH * dpr)}
        style={{ width: canvasW, height: canvasH, display: 'block', cursor: tiles.dragging ? 'grabbing' : 'crosshair', touchAction: 'none' }}
        tabIndex={0}
        role="img"
        aria-label={`Weight matrix of ${layer}, ${readout.rows} rows by ${readout.cols} columns, coloured by the two masks. Arrow keys pan, plus and minus zoom.`}
        data-testid="mask-pixels"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onPointerLeave={() => {
          if (!tiles.dragging && tiles.hover) tiles.setHover(null);
        }}
        onKeyDown={onKey}
      />
      <div className="pixel-foot">
        <span data-testid="pixels-window">
          rows {formatInt(readout.row0)}–{formatInt(Math.max(readout.row0, r1 - 1))} of {formatInt(readout.rows)} · columns {formatInt(readout.col0)}–
          {formatInt(Math.max(readout.col0, c1 - 1))} of {formatInt(readout.cols)} <span className="muted">(rows: {rowLabel}; columns: output {tiles.dims.kind === 'conv' ? 'channels' : 'units'})</span>
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
          <button type="button" className="btn small" onClick={() => tiles.retry()}>
            Retry
          </button>
        </div>
      )}
    </div>
  );
}

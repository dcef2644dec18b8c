// Activation maps of one unit, drawn on a canvas (hundreds of image tiles with overlays are too many for SVG): per
// state a row of the class images with the unit's map upsampled bilinearly onto each image in a perceptual colour map
// (alpha grows with the value, so a silent unit leaves the image visible), led by the mean map over the class; the
// same for Grad-CAM of the class logit (or input × gradient, for nets without convs); then the top-activating test
// images with their class names. Every tile shows its number; colour legends carry the scale. Hover a tile for the
// exact values at the pointer. The canvas is the exported PNG. Where everything goes: activation-layout.ts.
import { useEffect, useMemo, useRef, useState, type PointerEvent, type Ref } from 'react';
import type { ActivationsResult, ImageRef } from '../../../shared/analysis';
import { chartPalette, type ChartPalette } from '../app/theme';
import { bilinear, colourise, decodeBase64, formatValue, hwcToRgba, legendTicks, scaleT } from './activation-draw';
import { layoutGrid, type GridLayout, type Legend, type ScaleMode, type Tile } from './activation-layout';
import { lutCss, stateColour } from './analysis-palette';
import { assignRef, ChartTooltip, sizeCanvas } from './parts';

export type { ScaleMode } from './activation-layout';

export interface ActivationGridProps {
  result: ActivationsResult;
  width: number;
  dark: boolean;
  /** Overlay opacity, 0..1. */
  opacity: number;
  scaleMode: ScaleMode;
  /** Grad-CAM's colour scale (default: scaleMode). */
  camScaleMode?: ScaleMode;
  canvasRef?: Ref<HTMLCanvasElement>;
}

/** Native-resolution canvases of the result's images, by index. */
function useImageCanvases(images: ImageRef[], shape: [number, number, number]): Map<number, HTMLCanvasElement> {
  return useMemo(() => {
    const [h, w, c] = shape;
    const out = new Map<number, HTMLCanvasElement>();
    for (const im of images) {
      const cv = document.createElement('canvas');
      cv.width = w;
      cv.height = h;
      const ctx = cv.getContext('2d');
      if (!ctx) continue;
      ctx.putImageData(new ImageData(hwcToRgba(decodeBase64(im.pixels), h, w, c), w, h), 0, 0);
      out.set(im.index, cv);
    }
    return out;
  }, [images, shape]);
}

function drawGrid(ctx: CanvasRenderingContext2D, L: GridLayout, imgs: Map<number, HTMLCanvasElement>, pal: ChartPalette, dark: boolean, opacity: number, dpr: number) {
  ctx.save();
  ctx.scale(dpr, dpr);
  ctx.fillStyle = pal.bg;
  ctx.fillRect(0, 0, L.width, L.height);
  ctx.textBaseline = 'alphabetic';
  const colourOf = (c: string) => (c === 'fg' ? pal.fg : c === 'fg2' ? pal.fg2 : c === 'warn' ? (dark ? '#f0b429' : '#9a5b00') : c);
  for (const r of L.rules) {
    ctx.fillStyle = pal.grid;
    ctx.fillRect(12, r.y, L.width - 24, 1);
  }
  for (const t of L.texts) {
    ctx.font = `${t.weight ?? 400} ${t.size}px ${pal.font}`;
    ctx.fillStyle = colourOf(t.colour);
    ctx.textAlign = t.align ?? 'left';
    ctx.fillText(fit(ctx, t.text, t.maxWidth ?? L.width - t.x - 12), t.x, t.y);
  }
  for (const s of L.swatches) {
    ctx.fillStyle = stateColour(s.si, dark);
    ctx.fillRect(s.x, s.y, 10, 10);
  }
  for (const lg of L.legends) drawLegend(ctx, lg, pal);

  const tmp = document.createElement('canvas');
  const tctx = tmp.getContext('2d')!;
  for (const t of L.tiles) {
    const px = Math.max(1, Math.round(t.size * dpr));
    ctx.imageSmoothingEnabled = false;
    const img = t.image !== null ? imgs.get(t.image) : undefined;
    if (img) ctx.drawImage(img, t.x, t.y, t.size, t.size);
    else {
      ctx.fillStyle = dark ? '#000000' : '#ffffff';
      ctx.fillRect(t.x, t.y, t.size, t.size);
    }
    if (t.map && t.map.length === t.mapH * t.mapW && t.mapH > 0) {
      const up = bilinear(t.map, t.mapH, t.mapW, px, px);
      // Mean tiles have no image under them: full opacity, so the map itself is read.
      const rgba = colourise(up, t.scale, t.lut, img ? opacity : 1);
      if (!img) for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
      tmp.width = px;
      tmp.height = px;
      tctx.putImageData(new ImageData(rgba, px, px), 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(tmp, t.x, t.y, t.size, t.size);
    }
    ctx.strokeStyle = t.image === null ? pal.fg2 : pal.frame;
    ctx.lineWidth = 1;
    ctx.strokeRect(t.x + 0.5, t.y + 0.5, t.size - 1, t.size - 1);
    ctx.fillStyle = t.image === null ? pal.fg : pal.fg2;
    ctx.textAlign = 'center';
    // A caption takes the tile's width and the gap beside it, in a smaller font before it is cut.
    const w = t.size + 4;
    ctx.font = shrinkFont(ctx, t.caption, w, pal.font);
    ctx.fillText(fit(ctx, t.caption, w), t.x + t.size / 2, t.y + t.size + 10);
    if (t.caption2 !== null) {
      ctx.font = shrinkFont(ctx, t.caption2, w, pal.font);
      ctx.fillText(fit(ctx, t.caption2, w), t.x + t.size / 2, t.y + t.size + 22);
    }
  }
  ctx.restore();
}

/** The caption font: 10 px, or down to 8 px when that makes `s` fit `w`. */
function shrinkFont(ctx: CanvasRenderingContext2D, s: string, w: number, family: string): string {
  for (const px of [10, 9, 8]) {
    ctx.font = `400 ${px}px ${family}`;
    if (ctx.measureText(s).width <= w) break;
  }
  return ctx.font;
}

function drawLegend(ctx: CanvasRenderingContext2D, lg: Legend, pal: ChartPalette) {
  const barY = lg.y + 14;
  const barH = 9;
  ctx.font = `400 11px ${pal.font}`;
  ctx.fillStyle = pal.fg;
  ctx.textAlign = 'left';
  ctx.fillText(fit(ctx, lg.title, lg.w + 20), lg.x, lg.y + 10);
  for (let i = 0; i < lg.w; i++) {
    ctx.fillStyle = lutCss(lg.lut, i / Math.max(1, lg.w - 1));
    ctx.fillRect(lg.x + i, barY, 1, barH);
  }
  ctx.strokeStyle = pal.frame;
  ctx.strokeRect(lg.x + 0.5, barY + 0.5, lg.w - 1, barH - 1);
  const lo = lg.scale.diverging ? -lg.scale.max : 0;
  ctx.font = `400 10px ${pal.font}`;
  ctx.fillStyle = pal.fg2;
  for (const v of legendTicks(lo, lg.scale.max)) {
    const tx = lg.x + scaleT(v, lg.scale) * (lg.w - 1);
    ctx.fillRect(tx, barY + barH, 1, 3);
    ctx.textAlign = tx < lg.x + 4 ? 'left' : tx > lg.x + lg.w - 4 ? 'right' : 'center';
    ctx.fillText(formatValue(v), tx, barY + barH + 13);
  }
}

function fit(ctx: CanvasRenderingContext2D, s: string, w: number): string {
  if (ctx.measureText(s).width <= w) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(`${s.slice(0, mid)}…`).width <= w) lo = mid;
    else hi = mid - 1;
  }
  return `${s.slice(0, lo)}…`;
}

interface Hover {
  tile: Tile;
  /** Map cell under the pointer, when the tile has a map. */
  cell: { r: number; c: number; v: number } | null;
  x: number;
  y: number;
}

export function ActivationGrid({ result, width, dark, opacity, scaleMode, camScaleMode = scaleMode, canvasRef }: ActivationGridProps) {
  const pal = chartPalette(dark);
  const own = useRef<HTMLCanvasElement | null>(null);
  const layout = useMemo(() => layoutGrid(result, width, scaleMode, camScaleMode), [result, width, scaleMode, camScaleMode]);
  const imgs = useImageCanvases(result.images, result.imageShape);
  const [hover, setHover] = useState<Hover | null>(null);
  const [drawn, setDrawn] = useState(0);

  useEffect(() => {
    const cv = own.current;
    if (!cv) return;
    const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    const ctx = sizeCanvas(cv, layout.width, layout.height, dpr);
    if (!ctx) return;
    drawGrid(ctx, layout, imgs, pal, dark, opacity, dpr);
    setDrawn((d) => d + 1);
  }, [layout, imgs, pal, dark, opacity]);

  const setRef = (el: HTMLCanvasElement | null) => {
    own.current = el;
    assignRef(canvasRef, el);
  };

  const onMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const mx = e.clientX - r.left;
    const my = e.clientY - r.top;
    const t = layout.tiles.find((q) => mx >= q.x && mx < q.x + q.size && my >= q.y && my < q.y + q.size);
    if (!t) {
      if (hover) setHover(null);
      return;
    }
    let cell: Hover['cell'] = null;
    if (t.map && t.mapH > 0) {
      const rr = Math.min(t.mapH - 1, Math.floor(((my - t.y) / t.size) * t.mapH));
      const cc = Math.min(t.mapW - 1, Math.floor(((mx - t.x) / t.size) * t.mapW));
      cell = { r: rr, c: cc, v: t.map[rr * t.mapW + cc]! };
    }
    setHover({ tile: t, cell, x: mx, y: my });
  };

  const ht = hover?.tile;
  const st = ht ? result.states[ht.si] : undefined;
  const camName = result.states[0]?.gradcam.method === 'input-x-gradient' ? 'input × gradient' : 'Grad-CAM';
  return (
    <div
      className="act-grid-wrap"
      data-testid="activation-grid"
      data-tiles={layout.tiles.length}
      data-drawn={drawn}
      data-states={result.states.length}
      data-layout={JSON.stringify(layout.tiles.map((t) => [t.section, t.si, t.x, t.y, t.size, t.image]))}
    >
      <canvas
        ref={setRef}
        role="img"
        aria-label={`Activation maps of ${result.layer} unit ${result.unit} on class ${result.class.name} in ${result.states.length} states`}
        onPointerMove={onMove}
        onPointerLeave={() => setHover(null)}
        data-testid="activation-canvas"
      />
      {hover && ht && st && (
        <ChartTooltip
          extraClass="act-tooltip"
          left={Math.min(width - 270, hover.x + 14)}
          top={hover.y + 14}
          data-testid="act-tooltip"
          data-section={ht.section}
          data-image={ht.image ?? ''}
          data-state={st.state.ref}
          head={
            <>
              <span className="swatch" style={{ background: stateColour(ht.si, dark) }} />
              {st.state.label}
            </>
          }
          rows={[
            {
              label: ht.section === 'gradcam' ? camName : ht.section === 'top' ? 'top-activating image' : `“${result.class.name}” image`,
              value: ht.image === null ? 'mean over the class images' : `#${ht.image}`,
            },
            ...(ht.label !== null ? [{ label: 'label', value: `${result.classNames[ht.label] ?? ht.label} (${ht.label})` }] : []),
            ...(ht.value !== null ? [{ label: result.mapShape ? 'activation (max over map)' : 'activation', value: formatValue(ht.value), testId: 'act-tt-value' }] : []),
            ...(hover.cell
              ? [{ label: `value at (${hover.cell.r}, ${hover.cell.c}) of ${ht.mapH}×${ht.mapW}`, value: formatValue(hover.cell.v), testId: 'act-tt-cell' }]
              : []),
          ]}
        />
      )}
    </div>
  );
}

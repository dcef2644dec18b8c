// Activation maps of one unit, drawn on a canvas (hundreds of image tiles with overlays are too many for SVG): per
// state a row of the class images with the unit's map upsampled bilinearly onto each image in a perceptual colour map
// (alpha grows with the value, so a silent unit leaves the image visible), led by the mean map over the class; the
// same for Grad-CAM of the class logit (or input × gradient, for nets without convs); then the top-activating test
// images with their class names. Every tile shows its number; colour legends carry the scale. Hover a tile for the
// exact values at the pointer. The canvas is the exported PNG.
import { useEffect, useMemo, useRef, useState, type PointerEvent, type Ref } from 'react';
import type { ActivationsResult, ImageRef, StateActivations } from '../../../shared/analysis';
import { chartPalette, type ChartPalette } from '../app/theme';
import { divergingLut, lutCss, sequentialLut, stateColour, type Lut } from './analysis-palette';
import { wrapText } from './axes';
import { anyNegative, bilinear, colourise, decodeBase64, formatValue, hwcToRgba, legendTicks, maxAbs, scaleT, type ValueScale } from './activation-draw';
import { assignRef, ChartTooltip } from './parts';

export type ScaleMode = 'shared' | 'per-state';

export interface ActivationGridProps {
  result: ActivationsResult;
  width: number;
  dark: boolean;
  /** Overlay opacity, 0..1. */
  opacity: number;
  scaleMode: ScaleMode;
  canvasRef?: Ref<HTMLCanvasElement>;
}

type Section = 'class' | 'gradcam' | 'top';

interface Tile {
  section: Section;
  si: number;
  x: number;
  y: number;
  size: number;
  /** Image index in the split; null for a mean tile. */
  image: number | null;
  /** Map shown on it (row-major, mapH x mapW), or null (dense unit). */
  map: number[] | null;
  mapH: number;
  mapW: number;
  scale: ValueScale;
  lut: Lut;
  caption: string;
  /** Pooled activation (class / top tiles). */
  value: number | null;
  label: number | null;
}

interface Text {
  x: number;
  y: number;
  text: string;
  size: number;
  weight?: number;
  colour: 'fg' | 'fg2' | string;
  align?: CanvasTextAlign;
  maxWidth?: number;
}

interface Legend {
  x: number;
  y: number;
  w: number;
  title: string;
  scale: ValueScale;
  lut: Lut;
}

export interface GridLayout {
  width: number;
  height: number;
  tiles: Tile[];
  texts: Text[];
  legends: Legend[];
  swatches: { x: number; y: number; si: number }[];
  rules: { y: number }[];
}

const LABEL_W = 150;
const GAP = 4;
const CAPTION = 13;
const MEAN_GAP = 12;

function stateScales(result: ActivationsResult, mode: ScaleMode, pick: (s: StateActivations) => number[][]): ValueScale[] {
  const per = result.states.map((s) => pick(s));
  const all = per.flat();
  const diverging = anyNegative(all);
  const shared = maxAbs(all);
  return per.map((maps) => ({ diverging, max: mode === 'shared' ? shared : maxAbs(maps) }));
}

export function layoutGrid(result: ActivationsResult, width: number, mode: ScaleMode): GridLayout {
  const [mapH, mapW] = result.mapShape ?? [0, 0];
  const dense = result.mapShape === null;
  const nImg = Math.max(result.classImages.length, ...result.states.map((s) => s.top.length), 1);
  const avail = width - 12 - LABEL_W - MEAN_GAP;
  // Tiles per line: as many as fit at ≥ 46 px (the mean tile takes one slot); lines wrap when they do not.
  let perLine = nImg;
  let size = Math.floor((avail - perLine * GAP) / (perLine + 1));
  while (size < 46 && perLine > 4) {
    perLine = Math.ceil(perLine / 2);
    size = Math.floor((avail - perLine * GAP) / (perLine + 1));
  }
  size = Math.max(24, Math.min(size, 112));
  const lines = (n: number) => Math.max(1, Math.ceil(n / perLine));
  const rowH = (n: number) => lines(n) * (size + CAPTION + GAP) + 6;

  const seq = sequentialLut();
  const div = divergingLut();
  const actScales = stateScales(result, mode, (s) => (dense ? [] : [...s.classImages.map((m) => m.map), ...s.top.map((m) => m.map), s.meanMap]));
  const camScales = stateScales(result, mode, (s) => [...s.gradcam.maps, s.gradcam.mean]);
  const cam0 = result.states[0]?.gradcam;
  const [camH, camW] = cam0?.shape ?? [0, 0];
  const camName = cam0?.method === 'input-x-gradient' ? 'input × gradient' : 'Grad-CAM';
  const cls = result.class.name;
  const name = (i: number) => result.classNames[i] ?? String(i);

  const tiles: Tile[] = [];
  const texts: Text[] = [];
  const legends: Legend[] = [];
  const swatches: { x: number; y: number; si: number }[] = [];
  const rules: { y: number }[] = [];
  let y = 0;

  texts.push({ x: 12, y: 18, text: `${result.layer} unit #${result.unit} on class “${cls}” (index ${result.class.index}): activation maps`, size: 13, weight: 600, colour: 'fg' });
  const shape = dense ? `${result.layer} is dense: one value per image, no map` : `maps ${mapH}×${mapW}, upsampled bilinearly onto ${result.imageShape[0]}×${result.imageShape[1]} images`;
  texts.push({
    x: 12,
    y: 34,
    text: `${shape} · colour scale ${mode === 'shared' ? 'shared by all states' : 'per state'} · numbers under tiles: the unit's pooled activation (conv: max over its map)`,
    size: 11,
    colour: 'fg2',
  });
  y = 46;
  const legendW = Math.min(300, (width - 72) / 2);
  if (!dense) legends.push({ x: 12, y, w: legendW, title: `activation of ${result.layer} #${result.unit}${mode === 'per-state' ? ' (state 1; rows: own max)' : ''}`, scale: actScales[0] ?? { diverging: false, max: 0 }, lut: actScales[0]?.diverging ? div : seq });
  if (cam0) legends.push({ x: dense ? 12 : 60 + legendW, y, w: legendW, title: `${camName} of the “${cls}” logit${cam0.method === 'grad-cam' ? ` at ${cam0.layer}` : ''}`, scale: camScales[0] ?? { diverging: false, max: 0 }, lut: camScales[0]?.diverging ? div : seq });
  y += 46;

  const section = (title: string, count: (s: StateActivations) => number, fill: (s: StateActivations, si: number, top: number, textTop: number) => void) => {
    rules.push({ y });
    texts.push({ x: 12, y: y + 15, text: title, size: 11.5, weight: 600, colour: 'fg' });
    y += 22;
    result.states.forEach((s, si) => {
      swatches.push({ x: 12, y: y + 3, si });
      const lines = wrapText(s.state.label, 11, LABEL_W - 24, 2);
      lines.forEach((l, i) => texts.push({ x: 26, y: y + 12 + i * 13, text: l, size: 11, weight: 600, colour: 'fg', maxWidth: LABEL_W - 20 }));
      fill(s, si, y, y + (lines.length - 1) * 13);
      y += rowH(count(s));
    });
  };

  const rowTiles = (si: number, top: number, items: Omit<Tile, 'x' | 'y' | 'size' | 'si'>[], mean: Omit<Tile, 'x' | 'y' | 'size' | 'si'> | null) => {
    const x0 = 12 + LABEL_W;
    if (mean) tiles.push({ ...mean, si, x: x0, y: top, size });
    items.forEach((t, k) => {
      const line = Math.floor(k / perLine);
      const col = k % perLine;
      tiles.push({ ...t, si, x: x0 + size + MEAN_GAP + col * (size + GAP), y: top + line * (size + CAPTION + GAP), size });
    });
  };

  section(
    `${result.layer} #${result.unit} on ${result.classImages.length} “${cls}” images (the same images in every state)${dense ? '' : `; first tile: mean map over all “${cls}” images of the split`}`,
    () => result.classImages.length,
    (s, si, top, tt) => {
      const sc = actScales[si]!;
      const lut = sc.diverging ? div : seq;
      texts.push({ x: 26, y: tt + 26, text: `mean on “${cls}” ${formatValue(s.meanClass)}`, size: 10.5, colour: 'fg2', maxWidth: LABEL_W - 20 });
      texts.push({ x: 26, y: tt + 39, text: `mean on others ${formatValue(s.meanOther)}`, size: 10.5, colour: 'fg2', maxWidth: LABEL_W - 20 });
      if (mode === 'per-state' && !dense) texts.push({ x: 26, y: tt + 52, text: `scale max ${formatValue(sc.max)}`, size: 10.5, colour: 'fg2', maxWidth: LABEL_W - 20 });
      rowTiles(
        si,
        top,
        s.classImages.map((m) => ({ section: 'class', image: m.index, map: dense ? null : m.map, mapH, mapW, scale: sc, lut, caption: formatValue(m.activation), value: m.activation, label: result.images.find((im) => im.index === m.index)?.label ?? null })),
        dense ? null : { section: 'class', image: null, map: s.meanMap, mapH, mapW, scale: sc, lut, caption: 'mean map', value: null, label: null },
      );
    },
  );

  if (cam0) {
    section(
      `${camName} of the “${cls}” logit${cam0.method === 'grad-cam' ? ` at ${cam0.layer} (${camH}×${camW})` : ` (${camH}×${camW}; the net has no conv layer)`} on the same images; first tile: mean over the class images; caption: largest |value| of the map`,
      () => result.classImages.length,
      (s, si, top, tt) => {
        const sc = camScales[si]!;
        const lut = sc.diverging ? div : seq;
        const rowMax = maxAbs([...s.gradcam.maps, s.gradcam.mean]);
        texts.push({ x: 26, y: tt + 26, text: `largest |value| ${formatValue(rowMax)}`, size: 10.5, colour: 'fg2', maxWidth: LABEL_W - 20 });
        if (mode === 'per-state') texts.push({ x: 26, y: tt + 39, text: `scale max ${formatValue(sc.max)}`, size: 10.5, colour: 'fg2', maxWidth: LABEL_W - 20 });
        const [gh, gw] = s.gradcam.shape;
        rowTiles(
          si,
          top,
          s.gradcam.maps.map((map, k) => {
            const index = s.classImages[k]?.index ?? result.classImages[k] ?? null;
            return { section: 'gradcam' as const, image: index, map, mapH: gh, mapW: gw, scale: sc, lut, caption: formatValue(maxAbs([map])), value: null, label: result.images.find((im) => im.index === index)?.label ?? null };
          }),
          { section: 'gradcam', image: null, map: s.gradcam.mean, mapH: gh, mapW: gw, scale: sc, lut, caption: 'mean', value: null, label: null },
        );
      },
    );
  }

  section(
    `Top-activating images of the split for ${result.layer} #${result.unit} (any class), highest first; caption: class · activation`,
    (s) => s.top.length,
    (s, si, top, tt) => {
      const sc = actScales[si]!;
      const lut = sc.diverging ? div : seq;
      const k = s.top.filter((m) => result.images.find((im) => im.index === m.index)?.label === result.class.index).length;
      texts.push({ x: 26, y: tt + 26, text: `${k} of ${s.top.length} are “${cls}”`, size: 10.5, colour: 'fg2', maxWidth: LABEL_W - 20 });
      rowTiles(
        si,
        top,
        s.top.map((m) => {
          const label = result.images.find((im) => im.index === m.index)?.label ?? null;
          return { section: 'top', image: m.index, map: dense ? null : m.map, mapH, mapW, scale: sc, lut, caption: `${label === null ? '?' : name(label)} · ${formatValue(m.activation)}`, value: m.activation, label };
        }),
        null,
      );
    },
  );
  return { width, height: y + 8, tiles, texts, legends, swatches, rules };
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
  const colourOf = (c: string) => (c === 'fg' ? pal.fg : c === 'fg2' ? pal.fg2 : c);
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
    ctx.font = `400 10px ${pal.font}`;
    ctx.fillStyle = t.image === null ? pal.fg : pal.fg2;
    ctx.textAlign = 'center';
    ctx.fillText(fit(ctx, t.caption, t.size + 2), t.x + t.size / 2, t.y + t.size + 10);
  }
  ctx.restore();
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

export function ActivationGrid({ result, width, dark, opacity, scaleMode, canvasRef }: ActivationGridProps) {
  const pal = chartPalette(dark);
  const own = useRef<HTMLCanvasElement | null>(null);
  const layout = useMemo(() => layoutGrid(result, width, scaleMode), [result, width, scaleMode]);
  const imgs = useImageCanvases(result.images, result.imageShape);
  const [hover, setHover] = useState<Hover | null>(null);
  const [drawn, setDrawn] = useState(0);

  useEffect(() => {
    const cv = own.current;
    if (!cv) return;
    const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    cv.width = Math.round(layout.width * dpr);
    cv.height = Math.round(layout.height * dpr);
    cv.style.width = `${layout.width}px`;
    cv.style.height = `${layout.height}px`;
    const ctx = cv.getContext('2d');
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

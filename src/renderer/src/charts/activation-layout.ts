// The layout of the activation-map grid (ActivationGrid.tsx): per section (the unit's maps on the class images,
// Grad-CAM, the top-activating images) and per state, where each tile goes, at what size and with which colour scale,
// plus the texts, legends, swatches and rules around them. Pure: the canvas drawing reads it, the tests can too.
import type { ActivationsResult, StateActivations } from '../../../shared/analysis';
import { divergingLut, sequentialLut, type Lut } from './analysis-palette';
import { wrapText } from './axes';
import { anyNegative, formatValue, maxAbs, type ValueScale } from './activation-draw';

export type ScaleMode = 'shared' | 'per-state';

export type Section = 'class' | 'gradcam' | 'top';

export interface Tile {
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
  /** A second caption line (top images: the class name above, the activation here), or null. */
  caption2: string | null;
  /** Pooled activation (class / top tiles). */
  value: number | null;
  label: number | null;
}

export interface Text {
  x: number;
  y: number;
  text: string;
  size: number;
  weight?: number;
  colour: 'fg' | 'fg2' | string;
  align?: CanvasTextAlign;
  maxWidth?: number;
}

export interface Legend {
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
/** Height of one caption line under a tile. */
const CAPTION = 13;
const MEAN_GAP = 12;
/** A row whose largest |value| is under 1/20 of a shared scale's top draws as (nearly) black: say so. */
export const NEAR_ZERO = 0.05;

function stateScales(result: ActivationsResult, mode: ScaleMode, pick: (s: StateActivations) => number[][]): ValueScale[] {
  const per = result.states.map((s) => pick(s));
  const all = per.flat();
  const diverging = anyNegative(all);
  const shared = maxAbs(all);
  return per.map((maps) => ({ diverging, max: mode === 'shared' ? shared : maxAbs(maps) }));
}

const camMaps = (s: StateActivations) => [...s.gradcam.maps, s.gradcam.mean];

/** A state whose Grad-CAM row is near zero on the scale shared by all states: its largest |value| and the scale's top. */
export interface NearZero {
  si: number;
  max: number;
  sharedMax: number;
}

/** The states whose Grad-CAM maps draw as (nearly) black on the shared scale (e.g. at init: 1e-4 against 0.02). */
export function nearZeroGradcam(result: ActivationsResult): NearZero[] {
  const sharedMax = maxAbs(result.states.flatMap(camMaps));
  if (!(sharedMax > 0)) return [];
  return result.states.map((s, si) => ({ si, max: maxAbs(camMaps(s)), sharedMax })).filter((r) => r.max < NEAR_ZERO * sharedMax);
}

/**
 * `mode`: the colour scale of the unit's activation maps; `camMode`: Grad-CAM's, chosen apart because its magnitude
 * differs by orders between states (at init the class logit barely depends on a conv map).
 */
export function layoutGrid(result: ActivationsResult, width: number, mode: ScaleMode, camMode: ScaleMode = mode): GridLayout {
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
  const rowH = (n: number, captionLines = 1) => lines(n) * (size + CAPTION * captionLines + GAP) + 6;

  const seq = sequentialLut();
  const div = divergingLut();
  const actScales = stateScales(result, mode, (s) => (dense ? [] : [...s.classImages.map((m) => m.map), ...s.top.map((m) => m.map), s.meanMap]));
  const camScales = stateScales(result, camMode, camMaps);
  const nearZero = camMode === 'shared' ? nearZeroGradcam(result) : [];
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
    text: `${shape} · colour scale ${mode === 'shared' ? 'shared by all states' : 'per state'}${cam0 && camMode !== mode ? ` (${camName}: ${camMode === 'shared' ? 'shared' : 'per state'})` : ''} · numbers under tiles: the unit's pooled activation (conv: max over its map)`,
    size: 11,
    colour: 'fg2',
  });
  y = 46;
  const legendW = Math.min(300, (width - 72) / 2);
  if (!dense) legends.push({ x: 12, y, w: legendW, title: `activation of ${result.layer} #${result.unit}${mode === 'per-state' ? ' (state 1; rows: own max)' : ''}`, scale: actScales[0] ?? { diverging: false, max: 0 }, lut: actScales[0]?.diverging ? div : seq });
  if (cam0) legends.push({ x: dense ? 12 : 60 + legendW, y, w: legendW, title: `${camName} of the “${cls}” logit${cam0.method === 'grad-cam' ? ` at ${cam0.layer}` : ''}${camMode === 'per-state' ? ' (state 1)' : ''}`, scale: camScales[0] ?? { diverging: false, max: 0 }, lut: camScales[0]?.diverging ? div : seq });
  y += 46;

  const section = (title: string, count: (s: StateActivations) => number, fill: (s: StateActivations, si: number, top: number, textTop: number) => void, captionLines = 1) => {
    rules.push({ y });
    texts.push({ x: 12, y: y + 15, text: title, size: 11.5, weight: 600, colour: 'fg' });
    y += 22;
    result.states.forEach((s, si) => {
      swatches.push({ x: 12, y: y + 3, si });
      const lines = wrapText(s.state.label, 11, LABEL_W - 24, 2);
      lines.forEach((l, i) => texts.push({ x: 26, y: y + 12 + i * 13, text: l, size: 11, weight: 600, colour: 'fg', maxWidth: LABEL_W - 20 }));
      fill(s, si, y, y + (lines.length - 1) * 13);
      y += rowH(count(s), captionLines);
    });
  };

  type TileSpec = Omit<Tile, 'x' | 'y' | 'size' | 'si' | 'caption2'> & { caption2?: string };
  const rowTiles = (si: number, top: number, specs: TileSpec[], meanSpec: TileSpec | null, captionLines = 1) => {
    const items = specs.map((t): Omit<Tile, 'x' | 'y' | 'size' | 'si'> => ({ ...t, caption2: t.caption2 ?? null }));
    const mean = meanSpec && { ...meanSpec, caption2: meanSpec.caption2 ?? null };
    const x0 = 12 + LABEL_W;
    if (mean) tiles.push({ ...mean, si, x: x0, y: top, size });
    items.forEach((t, k) => {
      const line = Math.floor(k / perLine);
      const col = k % perLine;
      tiles.push({ ...t, si, x: x0 + size + MEAN_GAP + col * (size + GAP), y: top + line * (size + CAPTION * captionLines + GAP), size });
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
        const rowMax = maxAbs(camMaps(s));
        texts.push({ x: 26, y: tt + 26, text: `largest |value| ${formatValue(rowMax)}`, size: 10.5, colour: 'fg2', maxWidth: LABEL_W - 20 });
        if (camMode === 'per-state') texts.push({ x: 26, y: tt + 39, text: `scale max ${formatValue(sc.max)}`, size: 10.5, colour: 'fg2', maxWidth: LABEL_W - 20 });
        const near = nearZero.find((r) => r.si === si);
        if (near) {
          // Drawn as black on the shared scale: say so, and by how much.
          texts.push({ x: 26, y: tt + 39, text: near.max > 0 ? `near zero: 1/${formatValue(near.sharedMax / near.max)}` : 'all zero', size: 10.5, weight: 600, colour: 'warn', maxWidth: LABEL_W - 20 });
          texts.push({ x: 26, y: tt + 52, text: 'of the shared scale', size: 10.5, weight: 600, colour: 'warn', maxWidth: LABEL_W - 20 });
        }
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
    `Top-activating images of the split for ${result.layer} #${result.unit} (any class), highest first; captions: class, activation`,
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
          return { section: 'top', image: m.index, map: dense ? null : m.map, mapH, mapW, scale: sc, lut, caption: label === null ? '?' : name(label), caption2: formatValue(m.activation), value: m.activation, label };
        }),
        null,
        2,
      );
    },
    2,
  );
  return { width, height: y + 8, tiles, texts, legends, swatches, rules };
}

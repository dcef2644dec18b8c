// What the subcircuit graph draws, as plain primitives: the edges of the current budget (width by |attribution|,
// colour by sign or by which circuit holds them), the nodes, column heads, title and legend. The canvas draws this
// scene and the SVG export serialises the same scene, so both show the same picture.
import type { SubcircuitResult } from '../../../shared/analysis';
import { formatInt } from '../app/format';
import type { ChartPalette } from '../app/theme';
import type { LayoutResult } from '../analysis/subcircuit-layout';
import { membershipColour, signColour, type Membership } from './analysis-palette';
import { formatValue } from './activation-draw';

export type EdgeColouring = 'sign' | 'membership';

export interface SceneEdge {
  /** Circuit (0 = A, 1 = B) and index in its edge list; the source layer (column) of the edge. */
  c: number;
  i: number;
  layer: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  attribution: number;
  membership: Membership;
  colour: string;
  width: number;
  /** Width bucket (for batching strokes). */
  bucket: number;
  alpha: number;
}

export interface SceneNode {
  n: number;
  x: number;
  y: number;
  r: number;
  fill: string;
  membership: Membership;
  label: string;
}

export interface SceneText {
  x: number;
  y: number;
  text: string;
  size: number;
  weight: number;
  fill: string;
  anchor: 'start' | 'middle' | 'end';
  /** Drawn over a background-coloured outline (labels on top of edges). */
  halo?: boolean;
}

export interface Scene {
  width: number;
  height: number;
  bg: string;
  edges: SceneEdge[];
  nodes: SceneNode[];
  texts: SceneText[];
  legend: { x: number; y: number; colour: string; text: string; kind: 'line' | 'dot' }[];
  /** Colour of legend text. */
  fg2: string;
  /** Edges shown per circuit, shared among them. */
  shownA: number;
  shownB: number;
  shownShared: number;
  maxAbs: number;
}

export const BUCKETS = 8;
export const SCENE_TOP = 64;
export const SCENE_BOTTOM = 46;

export function buildScene(result: SubcircuitResult, layout: LayoutResult, budget: number, colouring: EdgeColouring, pal: ChartPalette, dark: boolean): Scene {
  const two = result.circuits.length === 2 && layout.edges.length === 2;
  const kA = Math.min(budget, layout.edges[0]?.from.length ?? 0);
  const kB = two ? Math.min(budget, layout.edges[1]!.from.length) : 0;
  const circ = result.circuits;
  const edges: SceneEdge[] = [];
  let shared = 0;
  const push = (c: number, i: number, membership: Membership) => {
    const L = layout.edges[c]!;
    const x0 = L.coords[4 * i]!;
    const y0 = L.coords[4 * i + 1]!;
    const x1 = L.coords[4 * i + 2]!;
    const y1 = L.coords[4 * i + 3]!;
    if (!Number.isFinite(x0) || !Number.isFinite(x1)) return;
    edges.push({ c, i, layer: circ[c]!.edges[i]!.layer, x0, y0, x1, y1, attribution: circ[c]!.edges[i]!.attribution, membership, colour: '', width: 0, bucket: 0, alpha: 0 });
  };
  for (let i = 0; i < kA; i++) {
    const m = two ? layout.edges[0]!.match[i]! : -1;
    const both = two && m >= 0 && m < kB;
    if (both) shared++;
    push(0, i, both ? 'both' : 'a');
  }
  for (let j = 0; j < kB; j++) {
    const m = layout.edges[1]!.match[j]!;
    if (m >= 0 && m < kA) continue;
    push(1, j, 'b');
  }
  let maxAbs = 0;
  for (const e of edges) maxAbs = Math.max(maxAbs, Math.abs(e.attribution));
  for (const e of edges) {
    const f = maxAbs > 0 ? Math.sqrt(Math.abs(e.attribution) / maxAbs) : 0;
    e.bucket = Math.min(BUCKETS - 1, Math.floor(f * BUCKETS));
    e.width = 0.5 + (5.5 * (e.bucket + 0.5)) / BUCKETS;
    e.colour = colouring === 'membership' && two ? membershipColour(e.membership, dark) : signColour(e.attribution >= 0, dark);
    e.alpha = e.membership === 'both' ? 0.85 : 0.55;
  }
  // Thin first, so strong edges lie on top.
  edges.sort((a, b) => a.bucket - b.bucket);

  // Nodes: radius by |attribution| relative to the column's largest; colour as the edges (sign, or membership; a
  // unit in both circuits takes A's sign).
  const nodes: SceneNode[] = [];
  const colMax = new Map<number, number>();
  for (const n of layout.nodes) {
    const a = Math.max(...n.attr.map((v) => (v === null ? 0 : Math.abs(v))));
    colMax.set(n.layer, Math.max(colMax.get(n.layer) ?? 0, a));
  }
  layout.nodes.forEach((n, idx) => {
    const inA = n.attr[0] !== null && n.attr[0] !== undefined;
    const inB = two && n.attr[1] !== null && n.attr[1] !== undefined;
    const membership: Membership = inA && inB ? 'both' : inA ? 'a' : 'b';
    const a = n.attr[inA ? 0 : 1] ?? 0;
    const m = colMax.get(n.layer) ?? 0;
    const r = 2.5 + 5 * (m > 0 ? Math.sqrt(Math.abs(a) / m) : 0);
    const fill = two && colouring === 'membership' ? membershipColour(membership, dark) : signColour(a >= 0, dark);
    nodes.push({ n: idx, x: n.x, y: n.y, r, fill, membership, label: `${n.unit}` });
  });

  const texts: SceneText[] = [];
  const cls = result.class;
  const stateText = circ.map((c, i) => `${two ? (i === 0 ? 'A: ' : 'B: ') : ''}${c.state.label}`).join(' vs. ');
  texts.push({ x: 12, y: 18, text: `Subcircuit of class “${cls.name}” (index ${cls.index}) · ${stateText}`, size: 13, weight: 600, fill: pal.fg, anchor: 'start' });
  const edgeText = two ? `${formatInt(kA)} + ${formatInt(kB)} edges (${formatInt(shared)} shared)` : `${formatInt(kA)} edges`;
  texts.push({
    x: 12,
    y: 34,
    text: `top ${result.unitsPerLayer} units per layer by |attribution| (mean over ${formatInt(result.images)} “${cls.name}” images of activation × ∂logit/∂activation) · ${edgeText} of the largest |attribution| (Σ w·∂logit/∂w) · width ∝ √|attribution|, max ${formatValue(maxAbs)}`,
    size: 11,
    weight: 400,
    fill: pal.fg2,
    anchor: 'start',
  });
  for (const col of layout.columns) {
    texts.push({ x: col.x, y: SCENE_TOP - 12, text: col.name, size: 12, weight: 600, fill: pal.fg, anchor: 'middle' });
    texts.push({ x: col.x, y: SCENE_TOP - 1, text: `${col.count} of ${formatInt(col.size)}`, size: 10, weight: 400, fill: pal.fg2, anchor: 'middle' });
  }
  // Unit numbers beside the nodes where they fit.
  const perCol = new Map<number, number>();
  for (const n of layout.nodes) perCol.set(n.layer, (perCol.get(n.layer) ?? 0) + 1);
  for (const node of nodes) {
    const ln = layout.nodes[node.n]!;
    const count = perCol.get(ln.layer) ?? 1;
    const spacing = (layout.height - SCENE_TOP - SCENE_BOTTOM) / count;
    if (spacing < 10) continue;
    const last = ln.layer === layout.columns.length - 1;
    texts.push({ x: last ? node.x + node.r + 3 : node.x - node.r - 3, y: node.y + 3.5, text: node.label, size: spacing < 13 ? 8.5 : 10, weight: 400, fill: pal.fg, anchor: last ? 'start' : 'end', halo: true });
  }

  const ly = layout.height - 16;
  const legend: Scene['legend'] = [];
  if (two && colouring === 'membership') {
    legend.push({ x: 12, y: ly, colour: membershipColour('a', dark), text: 'unit / edge only in A', kind: 'line' });
    legend.push({ x: 0, y: ly, colour: membershipColour('b', dark), text: 'only in B', kind: 'line' });
    legend.push({ x: 0, y: ly, colour: membershipColour('both', dark), text: 'in both A and B', kind: 'line' });
  } else {
    legend.push({ x: 12, y: ly, colour: signColour(true, dark), text: `positive attribution (supports the class)${two ? ', units: A’s sign where A selected them' : ''}`, kind: 'line' });
    legend.push({ x: 0, y: ly, colour: signColour(false, dark), text: 'negative attribution', kind: 'line' });
  }
  legend.push({ x: 0, y: ly, colour: pal.fg2, text: 'node size ∝ √|unit attribution| (per layer), most positive on top', kind: 'dot' });
  let lx = 12;
  for (const it of legend) {
    it.x = lx;
    lx += 30 + it.text.length * 6.3 + 18;
  }
  return { width: layout.width, height: layout.height, bg: pal.bg, fg2: pal.fg2, edges, nodes, texts, legend, shownA: kA, shownB: kB, shownShared: shared, maxAbs };
}

/** Path data of an edge: a cubic Bézier with horizontal tangents. */
export function edgePath(e: { x0: number; y0: number; x1: number; y1: number }, digits = 1): string {
  const f = (v: number) => v.toFixed(digits);
  const mx = (e.x0 + e.x1) / 2;
  return `M${f(e.x0)},${f(e.y0)}C${f(mx)},${f(e.y0)} ${f(mx)},${f(e.y1)} ${f(e.x1)},${f(e.y1)}`;
}

export function drawScene(ctx: CanvasRenderingContext2D, s: Scene, font: string, dpr: number): void {
  ctx.save();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = s.bg;
  ctx.fillRect(0, 0, s.width, s.height);
  // Edges batched by colour, width bucket and alpha: a few strokes instead of thousands.
  const groups = new Map<string, { colour: string; width: number; alpha: number; path: Path2D; bucket: number }>();
  for (const e of s.edges) {
    const key = `${e.bucket}|${e.colour}|${e.alpha}`;
    let g = groups.get(key);
    if (!g) {
      g = { colour: e.colour, width: e.width, alpha: e.alpha, path: new Path2D(), bucket: e.bucket };
      groups.set(key, g);
    }
    const mx = (e.x0 + e.x1) / 2;
    g.path.moveTo(e.x0, e.y0);
    g.path.bezierCurveTo(mx, e.y0, mx, e.y1, e.x1, e.y1);
  }
  ctx.lineCap = 'butt';
  for (const g of [...groups.values()].sort((a, b) => a.bucket - b.bucket || a.alpha - b.alpha)) {
    ctx.globalAlpha = g.alpha;
    ctx.strokeStyle = g.colour;
    ctx.lineWidth = g.width;
    ctx.stroke(g.path);
  }
  ctx.globalAlpha = 1;
  for (const n of s.nodes) {
    ctx.beginPath();
    ctx.arc(n.x, n.y, n.r, 0, Math.PI * 2);
    ctx.fillStyle = n.fill;
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = s.bg;
    ctx.stroke();
  }
  ctx.lineJoin = 'round';
  for (const t of s.texts) {
    ctx.font = `${t.weight} ${t.size}px ${font}`;
    ctx.fillStyle = t.fill;
    ctx.textAlign = t.anchor === 'start' ? 'left' : t.anchor === 'end' ? 'right' : 'center';
    if (t.halo) {
      ctx.strokeStyle = s.bg;
      ctx.lineWidth = 3;
      ctx.strokeText(t.text, t.x, t.y);
    }
    ctx.fillText(t.text, t.x, t.y, t.anchor === 'start' && t.y < 40 ? s.width - t.x - 12 : undefined);
  }
  for (const l of s.legend) drawLegendItem(ctx, l, font, s.fg2);
  ctx.restore();
}

function drawLegendItem(ctx: CanvasRenderingContext2D, l: Scene['legend'][number], font: string, fg2: string) {
  ctx.strokeStyle = l.colour;
  ctx.fillStyle = l.colour;
  if (l.kind === 'line') {
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(l.x, l.y - 4);
    ctx.lineTo(l.x + 24, l.y - 4);
    ctx.stroke();
  } else {
    ctx.beginPath();
    ctx.arc(l.x + 6, l.y - 4, 3, 0, Math.PI * 2);
    ctx.arc(l.x + 18, l.y - 4, 6, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.font = `400 11px ${font}`;
  ctx.textAlign = 'left';
  ctx.fillStyle = fg2;
  ctx.fillText(l.text, l.x + 30, l.y);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The scene as standalone SVG (the same picture as the canvas; edges as paths carrying their numbers). */
export function sceneSvg(s: Scene, result: SubcircuitResult, layout: LayoutResult, font: string): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${s.width}" height="${s.height}" viewBox="0 0 ${s.width} ${s.height}" font-family="${esc(font)}">`);
  out.push(`<rect width="${s.width}" height="${s.height}" fill="${s.bg}"/>`);
  out.push('<g class="edges" fill="none">');
  for (const e of s.edges) {
    const src = result.circuits[e.c]!.edges[e.i]!;
    const from = `${layout.columns[src.layer]?.name}:${src.from}`;
    const to = `${layout.columns[src.layer + 1]?.name}:${src.to}`;
    out.push(
      `<path class="edge" d="${edgePath(e)}" stroke="${e.colour}" stroke-opacity="${e.alpha}" stroke-width="${e.width.toFixed(2)}" data-from="${from}" data-to="${to}" data-attribution="${src.attribution}" data-membership="${e.membership}"/>`,
    );
  }
  out.push('</g><g class="nodes">');
  for (const n of s.nodes) {
    const ln = layout.nodes[n.n]!;
    const name = layout.columns[ln.layer]?.name ?? '';
    const attrs = ln.attr.map((a) => (a === null ? '—' : String(a))).join(' / ');
    out.push(`<circle class="node" cx="${n.x.toFixed(1)}" cy="${n.y.toFixed(1)}" r="${n.r.toFixed(2)}" fill="${n.fill}" stroke="${s.bg}" data-unit="${name}:${ln.unit}"><title>${esc(`${name} #${ln.unit}: attribution ${attrs}`)}</title></circle>`);
  }
  out.push('</g>');
  for (const t of s.texts) {
    out.push(`<text x="${t.x.toFixed(1)}" y="${t.y.toFixed(1)}" font-size="${t.size}" font-weight="${t.weight}" fill="${t.fill}" text-anchor="${t.anchor}"${t.halo ? ` stroke="${s.bg}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"` : ''}>${esc(t.text)}</text>`);
  }
  for (const l of s.legend) {
    if (l.kind === 'line') out.push(`<line x1="${l.x}" x2="${l.x + 24}" y1="${l.y - 4}" y2="${l.y - 4}" stroke="${l.colour}" stroke-width="3"/>`);
    else out.push(`<circle cx="${l.x + 6}" cy="${l.y - 4}" r="3" fill="${l.colour}"/><circle cx="${l.x + 18}" cy="${l.y - 4}" r="6" fill="${l.colour}"/>`);
    out.push(`<text x="${l.x + 30}" y="${l.y}" font-size="11" fill="${s.fg2}">${esc(l.text)}</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

// The subcircuit as a layered graph on canvas (thousands of edges stay smooth: strokes are batched by colour and
// width, see subcircuit-scene.ts). A second canvas on top carries the hover and selection highlights, so moving the
// pointer never redraws the edges. Hit-testing: nodes by distance, edges by their distance at the pointer's x
// (one Bézier parameter serves every edge of a column gap). Keyboard: focus the graph, arrows move between units,
// Enter selects one (its details show beside the graph), Escape clears. Pinning (views/causal/PinnedSection.tsx): with
// `pinMode`, a click pins or unpins the unit or A's connection under the pointer instead; P pins the focused unit.
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent, type Ref } from 'react';
import type { SubcircuitResult } from '../../../shared/analysis';
import { connectionKey, unitKey } from '../../../shared/pinned-circuit';
import { chartPalette } from '../app/theme';
import { bezierSlopeAt, bezierTAtX, bezierYAt, type LayoutResult } from '../analysis/subcircuit-layout';
import { formatValue } from './activation-draw';
import { stateColour } from './analysis-palette';
import { assignRef, ChartTooltip, sizeCanvas } from './parts';
import { drawScene, type Scene, type SceneEdge } from './subcircuit-scene';

export type GraphHover = { kind: 'node'; n: number; x: number; y: number } | { kind: 'edge'; e: SceneEdge; x: number; y: number };

export interface SubcircuitGraphProps {
  result: SubcircuitResult;
  layout: LayoutResult;
  scene: Scene;
  dark: boolean;
  selected: number | null;
  onSelect: (n: number | null) => void;
  canvasRef?: Ref<HTMLCanvasElement>;
  /** Hand pinning: when `pinMode`, clicks call onPin; pinned units and connections (unitKey, connectionKey) are marked. */
  pinMode?: boolean;
  pinned?: { units: ReadonlySet<string>; connections: ReadonlySet<string> };
  onPin?: (item: { layer: string; unit: number } | { layer: string; from: number; to: number }) => void;
}

export type PinItem = Parameters<NonNullable<SubcircuitGraphProps['onPin']>>[0];

/** The unit or state A's connection a hit stands for (B's connections are not pinned: the circuit is scored on A). */
function pinOf(result: SubcircuitResult, layout: LayoutResult, h: GraphHover | null): PinItem | null {
  if (h?.kind === 'node') {
    const n = layout.nodes[h.n]!;
    return { layer: layout.columns[n.layer]!.name, unit: n.unit };
  }
  if (h?.kind === 'edge' && h.e.c === 0) {
    const c = result.circuits[0]!;
    const src = c.edges[h.e.i]!;
    return { layer: c.layers[src.layer + 1]!.name, from: src.from, to: src.to };
  }
  return null;
}

function hitTest(scene: Scene, layout: LayoutResult, mx: number, my: number): GraphHover | null {
  let best: GraphHover | null = null;
  let bestD = Infinity;
  for (const n of scene.nodes) {
    const d = Math.hypot(n.x - mx, n.y - my);
    if (d <= n.r + 4 && d < bestD) {
      bestD = d;
      best = { kind: 'node', n: n.n, x: n.x, y: n.y };
    }
  }
  if (best) return best;
  const cols = layout.columns;
  let g = -1;
  for (let i = 0; i + 1 < cols.length; i++) if (mx >= cols[i]!.x && mx <= cols[i + 1]!.x) g = i;
  if (g < 0) return null;
  const x0 = cols[g]!.x;
  const x1 = cols[g + 1]!.x;
  const t = bezierTAtX(mx, x0, x1);
  let bestE: SceneEdge | null = null;
  for (const e of scene.edges) {
    if (e.layer !== g) continue;
    const y = bezierYAt(t, e.y0, e.y1);
    const slope = bezierSlopeAt(t, e.x0, e.y0, e.x1, e.y1);
    const d = Math.abs(y - my) / Math.sqrt(1 + slope * slope);
    const tol = Math.max(3, e.width / 2 + 2);
    if (d <= tol && (d < bestD - 0.5 || (Math.abs(d - bestD) <= 0.5 && bestE && Math.abs(e.attribution) > Math.abs(bestE.attribution)))) {
      bestD = d;
      bestE = e;
    }
  }
  return bestE ? { kind: 'edge', e: bestE, x: mx, y: my } : null;
}

export function SubcircuitGraph({ result, layout, scene, dark, selected, onSelect, canvasRef, pinMode = false, pinned, onPin }: SubcircuitGraphProps) {
  const pal = chartPalette(dark);
  const base = useRef<HTMLCanvasElement | null>(null);
  const over = useRef<HTMLCanvasElement | null>(null);
  const wrap = useRef<HTMLDivElement | null>(null);
  const [hover, setHover] = useState<GraphHover | null>(null);
  const [focusNode, setFocusNode] = useState<number | null>(null);
  const dpr = Math.max(1, Math.min(3, typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1));

  // Base layer: edges, nodes, text. Redrawn when the scene changes (budget, colouring, theme, size).
  useEffect(() => {
    const cv = base.current;
    const ctx = cv && sizeCanvas(cv, scene.width, scene.height, dpr);
    if (!ctx) return;
    const t0 = performance.now();
    drawScene(ctx, scene, pal.font, dpr);
    const ms = performance.now() - t0;
    if (wrap.current) {
      wrap.current.dataset.drawMs = ms.toFixed(1);
      wrap.current.dataset.draws = String(Number(wrap.current.dataset.draws ?? '0') + 1);
    }
  }, [scene, pal.font, dpr]);

  // Edges incident to a node (for highlighting).
  const incident = useMemo(() => {
    const m = new Map<number, SceneEdge[]>();
    for (const e of scene.edges) {
      const L = layout.edges[e.c]!;
      for (const n of [L.from[e.i]!, L.to[e.i]!]) {
        const list = m.get(n);
        if (list) list.push(e);
        else m.set(n, [e]);
      }
    }
    return m;
  }, [scene, layout]);

  // Overlay: hover and selection.
  useEffect(() => {
    const cv = over.current;
    const ctx = cv && sizeCanvas(cv, scene.width, scene.height, dpr);
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, scene.width, scene.height);
    const strokeEdge = (e: SceneEdge, colour: string, extra: number) => {
      const mx = (e.x0 + e.x1) / 2;
      ctx.beginPath();
      ctx.moveTo(e.x0, e.y0);
      ctx.bezierCurveTo(mx, e.y0, mx, e.y1, e.x1, e.y1);
      ctx.strokeStyle = colour;
      ctx.lineWidth = e.width + extra;
      ctx.stroke();
    };
    const ring = (n: number, colour: string, width: number, dash: number[]) => {
      const node = scene.nodes.find((q) => q.n === n);
      if (!node) return;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.arc(node.x, node.y, node.r + 3.5, 0, Math.PI * 2);
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.stroke();
      ctx.setLineDash([]);
    };
    const emph = (n: number) => {
      for (const e of incident.get(n) ?? []) strokeEdge(e, e.colour, 1.5);
    };
    if (pinned && (pinned.units.size || pinned.connections.size)) {
      const pin = dark ? '#f0b429' : '#b7791f';
      const names = result.circuits[0]!.layers.map((l) => l.name);
      for (const e of scene.edges) {
        if (e.c !== 0) continue;
        const src = result.circuits[0]!.edges[e.i]!;
        if (pinned.connections.has(connectionKey({ layer: names[src.layer + 1]!, from: src.from, to: src.to }))) strokeEdge(e, pin, 3);
      }
      for (const n of scene.nodes) {
        const ln = layout.nodes[n.n]!;
        if (pinned.units.has(unitKey(layout.columns[ln.layer]!.name, ln.unit))) ring(n.n, pin, 3, []);
      }
    }
    if (selected !== null) {
      emph(selected);
      ring(selected, pal.fg, 2, []);
    }
    if (hover?.kind === 'node') {
      emph(hover.n);
      ring(hover.n, pal.fg, 1.5, []);
    } else if (hover?.kind === 'edge') {
      strokeEdge(hover.e, pal.fg, 2.5);
      strokeEdge(hover.e, hover.e.colour, 0.5);
    }
    if (focusNode !== null) ring(focusNode, dark ? '#58a6ff' : '#2f81f7', 2, [3, 2]);
  }, [hover, selected, focusNode, scene, incident, pal.fg, dark, dpr, pinned, result, layout]);

  const setRef = (el: HTMLCanvasElement | null) => {
    base.current = el;
    assignRef(canvasRef, el);
  };

  const onMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const h = hitTest(scene, layout, e.clientX - r.left, e.clientY - r.top);
    setHover((old) => {
      if (!h && !old) return old;
      if (h && old && h.kind === 'node' && old.kind === 'node' && h.n === old.n) return old;
      if (h && old && h.kind === 'edge' && old.kind === 'edge' && h.e === old.e) return { ...old, x: h.x, y: h.y };
      return h;
    });
  };

  // Keyboard: nodes by column, ordered top to bottom.
  const columns = useMemo(() => {
    const cols: number[][] = layout.columns.map(() => []);
    layout.nodes.forEach((n, i) => cols[n.layer]?.push(i));
    for (const c of cols) c.sort((a, b) => layout.nodes[a]!.y - layout.nodes[b]!.y);
    return cols;
  }, [layout]);
  const onKey = (e: KeyboardEvent<HTMLCanvasElement>) => {
    const cur = focusNode ?? selected;
    const moveTo = (n: number | undefined) => {
      if (n === undefined) return;
      e.preventDefault();
      setFocusNode(n);
      const node = layout.nodes[n]!;
      setHover({ kind: 'node', n, x: node.x, y: node.y });
    };
    if (cur === null) {
      if (e.key.startsWith('Arrow')) moveTo(columns.find((c) => c.length)?.[0]);
      return;
    }
    const node = layout.nodes[cur]!;
    const col = columns[node.layer]!;
    const pos = col.indexOf(cur);
    const nearestIn = (li: number) => {
      const c = columns[li];
      if (!c || !c.length) return undefined;
      return c.reduce((a, b) => (Math.abs(layout.nodes[b]!.y - node.y) < Math.abs(layout.nodes[a]!.y - node.y) ? b : a));
    };
    if (e.key === 'ArrowDown') moveTo(col[Math.min(col.length - 1, pos + 1)]);
    else if (e.key === 'ArrowUp') moveTo(col[Math.max(0, pos - 1)]);
    else if (e.key === 'ArrowRight') moveTo(nearestIn(node.layer + 1));
    else if (e.key === 'ArrowLeft') moveTo(nearestIn(node.layer - 1));
    else if ((e.key === 'p' || e.key === 'P') && onPin) {
      e.preventDefault();
      onPin(pinOf(result, layout, { kind: 'node', n: cur, x: 0, y: 0 })!);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(cur);
    } else if (e.key === 'Escape') {
      onSelect(null);
      setFocusNode(null);
      setHover(null);
    }
  };

  return (
    <div
      ref={wrap}
      className="sub-canvas-wrap"
      data-testid="subcircuit-graph"
      data-edges={scene.edges.length}
      data-nodes={scene.nodes.length}
      data-shown-a={scene.shownA}
      data-shown-b={scene.shownB}
      data-shared={scene.shownShared}
      data-pin-mode={pinMode ? 'on' : 'off'}
      data-layout={JSON.stringify({ w: scene.width, h: scene.height, nodes: layout.nodes.map((n) => [layout.columns[n.layer]?.name, n.unit, Math.round(n.x * 10) / 10, Math.round(n.y * 10) / 10]) })}
      style={{ width: scene.width + 2 }}
    >
      <canvas ref={setRef} aria-hidden="true" data-testid="subcircuit-canvas" />
      <canvas
        ref={over}
        className="sub-overlay"
        tabIndex={0}
        role="img"
        aria-label={`Subcircuit graph of class ${result.class.name}: ${scene.nodes.length} units, ${scene.edges.length} edges. Arrow keys move between units, Enter shows a unit's details${onPin ? ', P pins or unpins it' : ''}.`}
        onPointerMove={onMove}
        onPointerLeave={() => setHover(null)}
        onClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          const h = hitTest(scene, layout, e.clientX - r.left, e.clientY - r.top);
          const pin = pinMode && onPin ? pinOf(result, layout, h) : null;
          if (pin) onPin!(pin);
          else onSelect(h?.kind === 'node' ? h.n : null);
        }}
        onKeyDown={onKey}
        onBlur={() => setFocusNode(null)}
        style={{ cursor: hover ? 'pointer' : 'default' }}
        data-testid="subcircuit-overlay"
      />
      {hover && <GraphTooltip hover={hover} result={result} layout={layout} scene={scene} dark={dark} />}
    </div>
  );
}

function GraphTooltip({ hover, result, layout, scene, dark }: { hover: GraphHover; result: SubcircuitResult; layout: LayoutResult; scene: Scene; dark: boolean }) {
  const at = { extraClass: 'sub-tooltip', left: hover.x + 300 > scene.width ? hover.x - 296 : hover.x + 14, top: Math.min(scene.height - 150, hover.y + 12), 'data-testid': 'sub-tooltip' };
  const two = result.circuits.length === 2;
  const labels = result.circuits.map((_, i) => (two ? (i === 0 ? 'A' : 'B') : 'attribution'));
  const label = (i: number) => (
    <>
      <span className="swatch" style={{ background: stateColour(i, dark) }} />
      {labels[i]}
    </>
  );
  if (hover.kind === 'node') {
    const n = layout.nodes[hover.n]!;
    const name = layout.columns[n.layer]?.name ?? '';
    return (
      <ChartTooltip
        {...at}
        data-kind="node"
        data-layer={name}
        data-unit={n.unit}
        head={
          <>
            {name} #{n.unit}
          </>
        }
        rows={n.attr.map((a, i) => ({ label: label(i), value: a === null ? 'not selected' : `${formatValue(a)} (rank ${n.rank[i]! + 1})`, testId: `sub-tt-attr-${i}` }))}
      >
        <div className="tt-note">Unit attribution: mean over the class images of activation × ∂logit/∂activation. Click for details.</div>
      </ChartTooltip>
    );
  }
  const e = hover.e;
  const src = result.circuits[e.c]!.edges[e.i]!;
  const from = `${layout.columns[src.layer]?.name} #${src.from}`;
  const to = `${layout.columns[src.layer + 1]?.name} #${src.to}`;
  const match = layout.edges[e.c]!.match[e.i]!;
  const other = match >= 0 ? result.circuits[1 - e.c]?.edges[match] : undefined;
  const attrs: (number | null)[] = result.circuits.map((_, i) => (i === e.c ? src.attribution : (other?.attribution ?? null)));
  const ranks = result.circuits.map((_, i) => (i === e.c ? e.i + 1 : match >= 0 ? match + 1 : null));
  return (
    <ChartTooltip
      {...at}
      data-kind="edge"
      data-from={from}
      data-to={to}
      data-attribution={src.attribution}
      data-membership={e.membership}
      head={
        <>
          {from} → {to}
        </>
      }
      rows={[
        ...attrs.map((a, i) => ({ label: label(i), value: a === null ? 'not in its edges' : `${formatValue(a)} (rank ${ranks[i]})`, testId: `sub-tt-attr-${i}` })),
        { label: 'kept weights', value: src.weights, testId: 'sub-tt-weights' },
      ]}
    >
      <div className="tt-note">Edge attribution: mean over the class images of Σ w·∂logit/∂w over the connection's kept weights.</div>
    </ChartTooltip>
  );
}

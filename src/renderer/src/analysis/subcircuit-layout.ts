// Layout of one or two class subcircuits as a layered graph: layers as columns (input, conv1, …, fc3), the selected
// units of each layer as nodes sorted by attribution (most positive on top), every returned edge as a pair of
// endpoints, and, for two circuits, which units and edges they share (the join runs over up to 2 x 50,000 edges).
// Pure: runs in a Web Worker (subcircuit-layout.worker.ts) and, as a fallback, on the main thread.
import type { SubEdge, SubLayer } from '../../../shared/analysis';

export interface LayoutCircuit {
  layers: SubLayer[];
  edges: SubEdge[];
}

export interface LayoutRequest {
  id: number;
  circuits: LayoutCircuit[];
  width: number;
  height: number;
  /** Space reserved above the columns (title, column heads) and below (legend). */
  top: number;
  bottom: number;
}

export interface LayoutNode {
  layer: number;
  unit: number;
  x: number;
  y: number;
  /** Attribution of the unit in each circuit; null where that circuit did not select it. */
  attr: (number | null)[];
  /** Rank (0 = largest |attribution|) in each circuit's selection of the layer; -1 where not selected. */
  rank: number[];
}

export interface LayoutColumn {
  name: string;
  /** Units of the layer in all. */
  size: number;
  x: number;
  /** Nodes shown in the column. */
  count: number;
}

export interface LayoutEdges {
  /** x0, y0, x1, y1 per edge, in the circuit's edge order (largest |attribution| first); NaN where an end is missing. */
  coords: Float32Array;
  /** Node index of each edge's source and target (-1 when missing). */
  from: Int32Array;
  to: Int32Array;
  /** Index of the same connection in the other circuit's edge list, or -1 (one circuit: all -1). */
  match: Int32Array;
}

export interface LayoutResult {
  id: number;
  width: number;
  height: number;
  columns: LayoutColumn[];
  nodes: LayoutNode[];
  edges: LayoutEdges[];
  /** Milliseconds the layout took. */
  ms: number;
}

const MARGIN_X = 78;

export function layoutSubcircuit(req: LayoutRequest): LayoutResult {
  const t0 = performance.now();
  const { circuits, width, height, top, bottom } = req;
  const base = circuits[0]?.layers ?? [];
  const nCols = base.length;
  const colX = (i: number) => (nCols <= 1 ? width / 2 : MARGIN_X + (i * (width - 2 * MARGIN_X)) / (nCols - 1));

  // Union of the selected units per layer; each keeps its attribution in every circuit.
  const nodes: LayoutNode[] = [];
  const nodeIndex = new Map<number, number>(); // key layer * 1e6 + unit
  const columns: LayoutColumn[] = [];
  for (let li = 0; li < nCols; li++) {
    const byUnit = new Map<number, LayoutNode>();
    circuits.forEach((c, ci) => {
      const layer = c.layers[li];
      if (!layer) return;
      layer.units.forEach((u, rank) => {
        let n = byUnit.get(u.unit);
        if (!n) {
          n = { layer: li, unit: u.unit, x: 0, y: 0, attr: circuits.map(() => null), rank: circuits.map(() => -1) };
          byUnit.set(u.unit, n);
        }
        n.attr[ci] = u.attribution;
        n.rank[ci] = rank;
      });
    });
    const list = [...byUnit.values()];
    const key = (n: LayoutNode) => n.attr.find((a) => a !== null) ?? 0;
    list.sort((a, b) => key(b) - key(a) || a.unit - b.unit);
    const x = colX(li);
    const span = Math.max(1, height - top - bottom);
    list.forEach((n, i) => {
      n.x = x;
      n.y = top + ((i + 0.5) * span) / list.length;
      nodeIndex.set(li * 1e6 + n.unit, nodes.length);
      nodes.push(n);
    });
    columns.push({ name: base[li]!.name, size: base[li]!.size, x, count: list.length });
  }

  const edgeKey = (e: SubEdge) => `${e.layer}:${e.from}:${e.to}`;
  const maps = circuits.map((c) => {
    const m = new Map<string, number>();
    c.edges.forEach((e, i) => m.set(edgeKey(e), i));
    return m;
  });
  const edges = circuits.map((c, ci) => {
    const n = c.edges.length;
    const coords = new Float32Array(n * 4);
    const from = new Int32Array(n);
    const to = new Int32Array(n);
    const match = new Int32Array(n).fill(-1);
    const other = circuits.length === 2 ? maps[1 - ci]! : null;
    c.edges.forEach((e, i) => {
      const a = nodeIndex.get(e.layer * 1e6 + e.from);
      const b = nodeIndex.get((e.layer + 1) * 1e6 + e.to);
      from[i] = a ?? -1;
      to[i] = b ?? -1;
      const na = a === undefined ? null : nodes[a]!;
      const nb = b === undefined ? null : nodes[b]!;
      coords[4 * i] = na ? na.x : NaN;
      coords[4 * i + 1] = na ? na.y : NaN;
      coords[4 * i + 2] = nb ? nb.x : NaN;
      coords[4 * i + 3] = nb ? nb.y : NaN;
      if (other) match[i] = other.get(edgeKey(e)) ?? -1;
    });
    return { coords, from, to, match };
  });
  return { id: req.id, width, height, columns, nodes, edges, ms: performance.now() - t0 };
}

/** The typed arrays of a layout, for postMessage transfer lists. */
export function transferablesOf(r: LayoutResult): ArrayBuffer[] {
  return r.edges.flatMap((e) => [e.coords.buffer, e.from.buffer, e.to.buffer, e.match.buffer] as ArrayBuffer[]);
}

// ---------------------------------------------------------------- geometry shared by drawing and hit-testing

/**
 * Edges are cubic Béziers from (x0, y0) to (x1, y1) with horizontal tangents (controls at the mid x). Along them
 * x(t) = x0 + d(1.5t − 1.5t² + t³), strictly increasing, and y(t) = y0·s + y1·(1 − s) with s = (1 − t)²(1 + 2t);
 * so for a pointer x between two columns one t serves every edge of that gap.
 */
export function bezierTAtX(x: number, x0: number, x1: number): number {
  const d = x1 - x0;
  if (d === 0) return 0;
  const target = Math.min(1, Math.max(0, (x - x0) / d));
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 30; k++) {
    const t = (lo + hi) / 2;
    const v = 1.5 * t - 1.5 * t * t + t * t * t;
    if (v < target) lo = t;
    else hi = t;
  }
  return (lo + hi) / 2;
}

export function bezierYAt(t: number, y0: number, y1: number): number {
  const s = (1 - t) * (1 - t) * (1 + 2 * t);
  return y0 * s + y1 * (1 - s);
}

/** Slope dy/dx of the edge at parameter t (for a perpendicular distance from a vertical one). */
export function bezierSlopeAt(t: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = (x1 - x0) * (1.5 - 3 * t + 3 * t * t);
  const dy = (y1 - y0) * 6 * t * (1 - t);
  return dx === 0 ? 0 : dy / dx;
}

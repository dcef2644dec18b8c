// The shape facts that interventions address, without tensors: a net's layers by name, how many units each has,
// which weights a connection folds, and the checked ablation set of a target or a circuit. A MaskedNet has this
// shape; so does geometryOf(arch, layers) of a stored state's layer shapes, which lets the core refuse a target that
// names a unit, connection or weight out of range before a worker loads the net (causal-kinds.ts).
import { ValidationError } from '../../../shared/errors';
import type { MaskedLayer } from '../nets/masked';

/** A prunable layer's shape facts (a MaskedLayer without its tensors). */
export type LayerGeometry = Pick<MaskedLayer, 'name' | 'kind' | 'shape' | 'size' | 'inSize' | 'outSize'>;

export interface NetGeometry {
  readonly arch: string;
  readonly layers: readonly LayerGeometry[];
}

/** The geometry of layers known by their shapes (a stored state's masks). */
export function geometryOf(arch: string, layers: readonly { name: string; kind: 'dense' | 'conv'; shape: readonly number[] }[]): NetGeometry {
  return {
    arch,
    layers: layers.map((l) => {
      const size = l.shape.reduce((a, b) => a * b, 1);
      const outSize = l.shape[l.shape.length - 1]!;
      return { name: l.name, kind: l.kind, shape: l.shape, size, inSize: size / outSize, outSize };
    }),
  };
}

/** How a layer's weight folds into connections [sources, outSize] (sources: input units of the connection). */
export function foldShape(net: NetGeometry, i: number): { positions: number; sources: number } {
  const l = net.layers[i]!;
  if (l.kind === 'conv') return { positions: l.shape[0]! * l.shape[1]!, sources: l.shape[2]! };
  const prev = i > 0 ? net.layers[i - 1] : undefined;
  if (prev?.kind === 'conv') {
    const channels = prev.outSize;
    if (l.inSize % channels !== 0) throw new Error(`${l.name}: ${l.inSize} inputs are not a multiple of ${prev.name}'s ${channels} channels`);
    return { positions: l.inSize / channels, sources: channels };
  }
  return { positions: 1, sources: l.inSize };
}

/** Number of input units of a net (subcircuit.ts's "input" layer): conv input channels, or the first layer's inputs. */
export const inputUnits = (net: NetGeometry): number => foldShape(net, 0).sources;

/** The index of a layer by name: "input" is -1, the prunable layers 0.., with a clear error naming those that exist. */
export function unitLayerIndex(net: NetGeometry, name: string): number {
  if (name === 'input') return -1;
  const i = net.layers.findIndex((l) => l.name === name);
  if (i < 0) throw new ValidationError(`layer ${name} does not exist in ${net.arch} (layers: input, ${net.layers.map((l) => l.name).join(', ')})`);
  return i;
}

/** Units of layer index k (-1: the input units). */
export const layerUnits = (net: NetGeometry, k: number): number => (k < 0 ? inputUnits(net) : net.layers[k]!.outSize);

/** What to ablate: per layer index (-1: the input units), units (1 = ablated); per prunable layer, edges (1 = ablated). */
export interface AblationSet {
  units: Map<number, Uint8Array>;
  edges: (Uint8Array | null)[];
}

export const emptyAblation = (net: NetGeometry): AblationSet => ({ units: new Map(), edges: net.layers.map(() => null) });

/** What to ablate. Layers by name; "input" names the input units (as in subcircuit.ts). */
export interface AblationTarget {
  /** Units of one layer ("input" or a hidden layer). */
  layer?: string;
  units?: readonly number[];
  /** Individual weights, by their flat index in the layer's weight (tfjs layout: dense [in, out], conv [kh, kw, in, out]). */
  weights?: readonly { layer: string; index: number }[];
  /** Connections, by the weight layer's name and SubEdge's source and target units: all of their weights. */
  connections?: readonly { layer: string; from: number; to: number }[];
}

/** The weight indices of connection from → to of layer k (subcircuit.ts's folding: every kernel position or pixel). */
export function connectionWeights(net: NetGeometry, k: number, from: number, to: number): number[] {
  const l = net.layers[k]!;
  const { positions, sources } = foldShape(net, k);
  if (!Number.isInteger(from) || from < 0 || from >= sources) throw new ValidationError(`connection source ${from} out of range: ${l.name} has ${sources} sources`);
  if (!Number.isInteger(to) || to < 0 || to >= l.outSize) throw new ValidationError(`connection target ${to} out of range: ${l.name} has ${l.outSize} units`);
  return Array.from({ length: positions }, (_, p) => (p * sources + from) * l.outSize + to);
}

function weightLayer(net: NetGeometry, name: string): number {
  const k = unitLayerIndex(net, name);
  if (k < 0) throw new ValidationError('edges belong to a prunable layer, not to "input"');
  return k;
}

/** The AblationSet of a target (validated: known layers, units and weights in range). */
export function ablationSet(net: NetGeometry, target: AblationTarget): AblationSet {
  const set = emptyAblation(net);
  if (target.units && target.units.length > 0) {
    if (target.layer === undefined) throw new ValidationError('units need a layer');
    const k = unitLayerIndex(net, target.layer);
    if (k === net.layers.length - 1) throw new ValidationError(`${target.layer} is the output layer: its class logit is what is measured, ablate a hidden layer`);
    const size = layerUnits(net, k);
    const m = new Uint8Array(size);
    for (const u of target.units) {
      if (!Number.isInteger(u) || u < 0 || u >= size) throw new ValidationError(`unit ${u} out of range: ${target.layer} has ${size} units`);
      m[u] = 1;
    }
    set.units.set(k, m);
  }
  const edge = (k: number): Uint8Array => (set.edges[k] ??= new Uint8Array(net.layers[k]!.size));
  for (const w of target.weights ?? []) {
    const k = weightLayer(net, w.layer);
    if (!Number.isInteger(w.index) || w.index < 0 || w.index >= net.layers[k]!.size) throw new ValidationError(`weight ${w.index} out of range: ${w.layer} has ${net.layers[k]!.size}`);
    edge(k)[w.index] = 1;
  }
  for (const c of target.connections ?? []) {
    const k = weightLayer(net, c.layer);
    const e = edge(k);
    for (const i of connectionWeights(net, k, c.from, c.to)) e[i] = 1;
  }
  return set;
}

/** A hidden layer to scan unit by unit: its index, or a clear error. */
export function hiddenLayerIndex(net: NetGeometry, layer: string): number {
  const k = unitLayerIndex(net, layer);
  if (k < 0 || k >= net.layers.length - 1) throw new ValidationError(`${layer} is not a hidden layer of ${net.arch}: scan a layer between the input and the output`);
  return k;
}

/** A circuit pinned by hand: units per layer ("input" or hidden layers), connections, individual weights. */
export interface CircuitSpec {
  units?: readonly { layer: string; units: readonly number[] }[];
  /** By the weight layer's name, with SubEdge's source and target units: all of the connection's weights. */
  connections?: readonly { layer: string; from: number; to: number }[];
  weights?: readonly { layer: string; index: number }[];
}

/** The circuit's members as an AblationSet (1 = in the circuit), validated; a circuit must name a unit or an edge. */
export function circuitMembers(net: NetGeometry, spec: CircuitSpec): { members: AblationSet; namesEdges: boolean } {
  const members = emptyAblation(net);
  for (const u of spec.units ?? []) {
    const k = unitLayerIndex(net, u.layer);
    if (members.units.has(k)) throw new ValidationError(`layer ${u.layer} is named twice in the circuit`);
    const one = ablationSet(net, { layer: u.layer, units: u.units });
    members.units.set(k, one.units.get(k) ?? new Uint8Array(layerUnits(net, k)));
  }
  const edges = ablationSet(net, { weights: spec.weights ?? [], connections: spec.connections ?? [] });
  const namesEdges = (spec.weights?.length ?? 0) + (spec.connections?.length ?? 0) > 0;
  if (namesEdges) members.edges = net.layers.map((l, k) => edges.edges[k] ?? new Uint8Array(l.size));
  if (members.units.size === 0 && !namesEdges) throw new ValidationError('the circuit names no unit and no edge');
  return { members, namesEdges };
}

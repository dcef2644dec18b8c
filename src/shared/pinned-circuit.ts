// The pinned-circuit file (`ticketscope.circuit/1`, docs/formats.md "Pinned circuits"): what the Subcircuit view
// exports and imports and what `ticketscope analyze circuit --circuit FILE` scores. Parsing with one clear line per
// problem, and the view's hand-pinned set (units and connections) as the `circuit` it scores: a pinned unit stands for
// every connection into and out of it (docs/analysis.md, "Pinned circuits"). Plain data; imports no runtime but zod.
import { z } from 'zod';
import { circuitSpecSchema, type CircuitSpec } from './causal';
import { ValidationError } from './errors';

export const PINNED_CIRCUIT_FORMAT = 'ticketscope.circuit/1';

const layerName = z.string().regex(/^(input|[a-z]+\d{1,2})$/);
const index = z.number().int().min(0).max(1_000_000);

/** What a user pinned by hand in the view (kept in the file so that an import restores the view exactly). */
export const pinnedSetSchema = z
  .object({
    units: z.array(z.object({ layer: layerName, unit: index }).strict()).max(10_000),
    connections: z.array(z.object({ layer: layerName, from: index, to: index }).strict()).max(50_000),
  })
  .strict();
export type PinnedSet = z.infer<typeof pinnedSetSchema>;

export const pinnedCircuitFileSchema = z.object({
  format: z.literal(PINNED_CIRCUIT_FORMAT),
  state: z.string().min(1).max(200).optional(),
  class: z.object({ index: z.number().int().min(0), name: z.string() }).optional(),
  circuit: circuitSpecSchema,
  pinned: pinnedSetSchema.optional(),
});
export type PinnedCircuitFile = z.infer<typeof pinnedCircuitFileSchema>;

/** A pinned-circuit file from its text, or a ValidationError with one line saying what is wrong. */
export function parsePinnedCircuit(text: string, what = 'the circuit file'): PinnedCircuitFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ValidationError(`${what} is not JSON`);
  }
  if (!raw || typeof raw !== 'object' || (raw as { format?: unknown }).format !== PINNED_CIRCUIT_FORMAT) {
    throw new ValidationError(`${what} is not a pinned circuit (expected "format": "${PINNED_CIRCUIT_FORMAT}")`);
  }
  const r = pinnedCircuitFileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ValidationError(`${what}: ${issue.path.join('.') || 'top level'}: ${issue.message}`);
  }
  const c = r.data.circuit;
  if (!c.units?.length && !c.connections?.length && !c.weights?.length) throw new ValidationError(`${what}: the circuit names no unit, connection or weight`);
  return r.data;
}

export interface PinLayer {
  name: string;
  /** Units of the layer (SubLayer.size). */
  size: number;
}

export const unitKey = (layer: string, unit: number): string => `${layer}#${unit}`;
export const connectionKey = (c: { layer: string; from: number; to: number }): string => `${c.layer}:${c.from}>${c.to}`;

/** Why a pinned set does not fit a net with these layers (the subcircuit's layers, input first), or null. */
export function pinnedMismatch(layers: readonly PinLayer[], p: PinnedSet): string | null {
  const at = (name: string) => layers.findIndex((l) => l.name === name);
  for (const u of p.units) {
    const i = at(u.layer);
    if (i < 0) return `layer ${u.layer} is not in this net (${layers.map((l) => l.name).join(', ')})`;
    if (u.unit >= layers[i]!.size) return `unit ${u.unit} out of range: ${u.layer} has ${layers[i]!.size} units`;
  }
  for (const c of p.connections) {
    const i = at(c.layer);
    if (i < 1) return `connection layer ${c.layer} is not a weight layer of this net`;
    if (c.from >= layers[i - 1]!.size || c.to >= layers[i]!.size) return `connection ${c.layer} ${c.from} → ${c.to} out of range (${layers[i - 1]!.size} sources, ${layers[i]!.size} units)`;
  }
  return null;
}

/**
 * The circuit a pinned set scores: its connections, plus every connection into and out of each pinned unit (all
 * sources of the layer before, all units of the layer after; of their weights only the state's surviving ones count),
 * without duplicates, in layer order. Everything else is ablated (faithfulness.ts, scoreCircuit).
 */
export function pinnedCircuit(layers: readonly PinLayer[], p: PinnedSet): CircuitSpec {
  const seen = new Set<string>();
  const out: { layer: string; from: number; to: number; li: number }[] = [];
  const add = (li: number, from: number, to: number) => {
    const c = { layer: layers[li]!.name, from, to };
    const key = connectionKey(c);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ...c, li });
  };
  const at = (name: string) => layers.findIndex((l) => l.name === name);
  for (const c of p.connections) add(at(c.layer), c.from, c.to);
  for (const u of p.units) {
    const i = at(u.layer);
    if (i >= 1) for (let s = 0; s < layers[i - 1]!.size; s++) add(i, s, u.unit);
    if (i >= 0 && i + 1 < layers.length) for (let t = 0; t < layers[i + 1]!.size; t++) add(i + 1, u.unit, t);
  }
  out.sort((a, b) => a.li - b.li || a.to - b.to || a.from - b.from);
  return { connections: out.map(({ layer, from, to }) => ({ layer, from, to })) };
}

/** The pinned set an imported file stands for: its `pinned` part, or else its connections (the view's first-k export). */
export function pinnedOfFile(f: PinnedCircuitFile): PinnedSet {
  if (f.pinned) return f.pinned;
  if (f.circuit.units?.length || f.circuit.weights?.length) {
    throw new ValidationError('this circuit names unit ablations or single weights, which the view does not pin: score it with `ticketscope analyze circuit`');
  }
  return { units: [], connections: f.circuit.connections ?? [] };
}

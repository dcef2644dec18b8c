// Every run kind in one table: the methods (a ticket's own run), the controls paired with a ticket, and imported
// snapshots. What the UI calls each and how it draws it (label, one-line description, Okabe-Ito based colours with
// separate light and dark values, d3 symbol) is read from here by the renderer (app/kinds.ts); the table's order is
// the legends' order. A method added to config.ts's METHOD_KINDS gets its entry here; the type makes it required.
import type { MethodKind, RunKind } from './config';

export type SymbolName = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'star' | 'wye';

export interface RunKindEntry {
  /** Short name for legends and lists. */
  label: string;
  /** One line for tooltips. */
  description: string;
  /** Whether it is a control of a method's ticket. */
  control: boolean;
  colour: readonly [light: string, dark: string];
  symbol: SymbolName;
}

const method = (label: string, description: string, colour: RunKindEntry['colour'], symbol: SymbolName): RunKindEntry => ({ label, description, control: false, colour, symbol });
const control = (label: string, description: string, colour: RunKindEntry['colour'], symbol: SymbolName): RunKindEntry => ({ label, description, control: true, colour, symbol });

/** The methods' own runs, in the legends' order. */
const METHOD_ENTRIES: { readonly [K in MethodKind]: RunKindEntry } = {
  dense: method('dense', 'dense training, no pruning', ['#1b1f24', '#e6e8eb'], 'circle'),
  imp: method('IMP ticket', 'iterative magnitude pruning, weights rewound to the init (or rewind point)', ['#0072b2', '#56b4e9'], 'circle'),
  'one-shot': method('one-shot ticket', 'one-shot magnitude pruning to the target density, rewound', ['#6e40c9', '#b69cf5'], 'circle'),
  'prune-at-init': method('pruning at init', 'mask chosen at initialisation, before any training', ['#8a6d00', '#e6c229'], 'cross'),
  supermask: method('supermask', 'mask trained on frozen random weights', ['#a23b72', '#e07bb0'], 'star'),
  'random-features': method('random features', 'conv layers frozen at init, only the head trained', ['#44546a', '#a9b6c8'], 'wye'),
};

/** In the legends' order: methods first, then controls, then imports. */
export const RUN_KINDS: { readonly [K in RunKind]: RunKindEntry } = {
  ...METHOD_ENTRIES,
  reinit: control('random re-init', 'control: the ticket’s mask with freshly drawn weights', ['#d55e00', '#f0884a'], 'square'),
  'random-prune': control('random pruning', 'control: the ticket’s per-layer densities, random positions', ['#009e73', '#3fcf9f'], 'triangle'),
  shuffle: control('shuffled mask', 'control: the ticket’s mask shuffled within each layer', ['#cc79a7', '#e8a6cc'], 'diamond'),
  imported: { label: 'imported', description: 'a network imported from a snapshot file', control: false, colour: ['#57606a', '#a3abb5'], symbol: 'circle' },
};

/** The entry of a stored kind, or undefined for one this version does not know (a newer database). */
export function runKindEntry(kind: string): RunKindEntry | undefined {
  return Object.hasOwn(RUN_KINDS, kind) ? RUN_KINDS[kind as RunKind] : undefined;
}

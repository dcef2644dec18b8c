// What each run kind is called and how it is drawn. Kinds the engine adds later get a fallback label and colour.
import type { ExperimentConfig, RunKind } from '../../../shared/config';
import { layersOf } from '../analysis/nets';

export interface KindInfo {
  /** Short name for legends and lists. */
  label: string;
  /** One line for tooltips. */
  description: string;
  /** Whether it is a control of a method's ticket. */
  control: boolean;
}

const KNOWN: Record<string, KindInfo> = {
  dense: { label: 'dense', description: 'dense training, no pruning', control: false },
  imp: { label: 'IMP ticket', description: 'iterative magnitude pruning, weights rewound to the init (or rewind point)', control: false },
  'one-shot': { label: 'one-shot ticket', description: 'one-shot magnitude pruning to the target density, rewound', control: false },
  reinit: { label: 'random re-init', description: 'control: the ticket’s mask with freshly drawn weights', control: true },
  'random-prune': { label: 'random pruning', description: 'control: the ticket’s per-layer densities, random positions', control: true },
  shuffle: { label: 'shuffled mask', description: 'control: the ticket’s mask shuffled within each layer', control: true },
  'prune-at-init': { label: 'pruning at init', description: 'mask chosen at initialisation, before any training', control: false },
  supermask: { label: 'supermask', description: 'mask trained on frozen random weights', control: false },
  'random-features': { label: 'random features', description: 'conv layers frozen at init, only the head trained', control: false },
  imported: { label: 'imported', description: 'a network imported from a snapshot file', control: false },
};

export function kindInfo(kind: string): KindInfo {
  return KNOWN[kind] ?? { label: kind, description: kind, control: false };
}

/** Drawing order in legends: methods first, then controls in a fixed order. */
const ORDER = ['dense', 'imp', 'one-shot', 'prune-at-init', 'supermask', 'random-features', 'reinit', 'random-prune', 'shuffle', 'imported'];
export function kindOrder(kind: string): number {
  const i = ORDER.indexOf(kind);
  return i < 0 ? ORDER.length : i;
}

/** Okabe-Ito based; separate light and dark values so lines stay readable on both backgrounds. */
const COLOURS: Record<string, [light: string, dark: string]> = {
  imp: ['#0072b2', '#56b4e9'],
  'one-shot': ['#6e40c9', '#b69cf5'],
  dense: ['#1b1f24', '#e6e8eb'],
  reinit: ['#d55e00', '#f0884a'],
  'random-prune': ['#009e73', '#3fcf9f'],
  shuffle: ['#cc79a7', '#e8a6cc'],
  'prune-at-init': ['#8a6d00', '#e6c229'],
  supermask: ['#a23b72', '#e07bb0'],
  'random-features': ['#44546a', '#a9b6c8'],
  imported: ['#57606a', '#a3abb5'],
};
const FALLBACK: [string, string][] = [
  ['#b8860b', '#f0c04a'],
  ['#2f4f4f', '#8fbcbc'],
  ['#8b0000', '#ff7b7b'],
];

export function kindColour(kind: string, dark: boolean): string {
  const c = COLOURS[kind] ?? FALLBACK[[...kind].reduce((a, ch) => a + ch.charCodeAt(0), 0) % FALLBACK.length]!;
  return dark ? c[1] : c[0];
}

/** d3 symbol per kind, so lines stay apart without colour. */
export type SymbolName = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'star' | 'wye';
const SYMBOLS: Record<string, SymbolName> = {
  imp: 'circle',
  'one-shot': 'circle',
  dense: 'circle',
  reinit: 'square',
  'random-prune': 'triangle',
  shuffle: 'diamond',
  'prune-at-init': 'cross',
  supermask: 'star',
  'random-features': 'wye',
};
export function kindSymbol(kind: string): SymbolName {
  return SYMBOLS[kind] ?? 'circle';
}

const pct = (x: number) => `${+(x * 100).toFixed(2)}%`;

/** "round 3", "rounds 1–12" (consecutive), "rounds 3, 7 and 12". */
export function roundsText(rounds: readonly number[]): string {
  if (rounds.length === 1) return `round ${rounds[0]}`;
  const first = rounds[0]!;
  const last = rounds[rounds.length - 1]!;
  if (rounds.length > 2 && rounds.every((r, i) => r === first + i)) return `rounds ${first}–${last}`;
  return `rounds ${rounds.slice(0, -1).join(', ')} and ${last}`;
}

/** One line describing a config's method and its parameters, e.g. "IMP, 3 rounds, conv 10% / fc 20% / output 10%". */
export function methodText(c: ExperimentConfig): string {
  const m = c.method as { kind: string } & Record<string, unknown>;
  switch (m.kind) {
    case 'dense':
      return 'dense';
    case 'imp': {
      const r = m.rates as { conv: number; fc: number; output: number };
      // Only the roles the network has: LeNet-300-100 has no conv layer, so its conv rate prunes nothing.
      const noConv = layersOf(c.arch).length > 0 && !layersOf(c.arch).some((l) => l.kind === 'conv');
      const rates = [...(noConv ? [] : [`conv ${pct(r.conv)}`]), `fc ${pct(r.fc)}`, `output ${pct(r.output)}`];
      const parts = [`IMP, ${String(m.rounds)} rounds`, `prune ${rates.join(' / ')} per round`];
      if (m.ranking === 'global') parts.push(`global ranking${typeof m.globalRate === 'number' ? ` (${pct(m.globalRate)})` : ''}`);
      if (typeof m.rewindIteration === 'number' && m.rewindIteration > 0) parts.push(`rewind to it ${m.rewindIteration}`);
      if (Array.isArray(m.controlRounds)) parts.push(`controls at ${roundsText(m.controlRounds as number[])}`);
      return parts.join(', ');
    }
    case 'one-shot': {
      const parts = [`one-shot to ${pct(Number(m.density))} remaining`];
      if (m.ranking === 'global') parts.push('global ranking');
      if (typeof m.rewindIteration === 'number' && m.rewindIteration > 0) parts.push(`rewind to it ${m.rewindIteration}`);
      return parts.join(', ');
    }
    default: {
      const rest = Object.entries(m)
        .filter(([k, v]) => k !== 'kind' && k !== 'controls' && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))
        .map(([k, v]) => `${k} ${String(v)}`);
      return [m.kind, ...rest].join(', ');
    }
  }
}

/** The controls a config asks for, or []. */
export function controlsOf(c: ExperimentConfig): string[] {
  const m = c.method as { controls?: unknown };
  return Array.isArray(m.controls) ? (m.controls as string[]) : [];
}

/** Whether an experiment has several densities to plot (anything but a dense run). */
export function isPruningConfig(c: ExperimentConfig): boolean {
  return c.method.kind !== 'dense';
}

export type { RunKind };

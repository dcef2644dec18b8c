// What each run kind is called and how it is drawn (from the shared registry, shared/run-kinds.ts), and how a config's
// method reads in one line. A kind this version does not know (a newer database) gets a fallback label and colour.
import type { ExperimentConfig, RunKind } from '../../../shared/config';
import { RUN_KINDS, runKindEntry, type SymbolName } from '../../../shared/run-kinds';
import { layersOf } from '../analysis/nets';

export interface KindInfo {
  /** Short name for legends and lists. */
  label: string;
  /** One line for tooltips. */
  description: string;
  /** Whether it is a control of a method's ticket. */
  control: boolean;
}

export function kindInfo(kind: string): KindInfo {
  const e = runKindEntry(kind);
  return e ? { label: e.label, description: e.description, control: e.control } : { label: kind, description: kind, control: false };
}

/** Drawing order in legends: the registry's order (methods first, then controls in a fixed order). */
const ORDER: readonly string[] = Object.keys(RUN_KINDS);
export function kindOrder(kind: string): number {
  const i = ORDER.indexOf(kind);
  return i < 0 ? ORDER.length : i;
}

const FALLBACK: [string, string][] = [
  ['#b8860b', '#f0c04a'],
  ['#2f4f4f', '#8fbcbc'],
  ['#8b0000', '#ff7b7b'],
];

export function kindColour(kind: string, dark: boolean): string {
  const c = runKindEntry(kind)?.colour ?? FALLBACK[[...kind].reduce((a, ch) => a + ch.charCodeAt(0), 0) % FALLBACK.length]!;
  return dark ? c[1] : c[0];
}

/** d3 symbol per kind, so lines stay apart without colour. */
export type { SymbolName };
export function kindSymbol(kind: string): SymbolName {
  return runKindEntry(kind)?.symbol ?? 'circle';
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

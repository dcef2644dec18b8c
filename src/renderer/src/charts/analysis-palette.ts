// Colours of the analysis views: one per compared state (Okabe-Ito, separate light and dark values), attribution
// signs, subcircuit membership, and colour maps as 256-entry lookup tables for canvas drawing (d3's perceptual maps).
import { color, interpolateInferno, interpolateRdBu } from 'd3';

const STATE_COLOURS: [light: string, dark: string][] = [
  ['#0072b2', '#56b4e9'],
  ['#d55e00', '#f0884a'],
  ['#009e73', '#3fcf9f'],
  ['#cc79a7', '#e8a6cc'],
  ['#8a6d00', '#e6c229'],
  ['#57606a', '#a3abb5'],
];

/** The colour of the i-th compared state (pickers, legends, histograms, table swatches). */
export function stateColour(i: number, dark: boolean): string {
  const c = STATE_COLOURS[i % STATE_COLOURS.length]!;
  return dark ? c[1] : c[0];
}

/** Positive and negative attribution (edges and nodes of a subcircuit). */
export function signColour(positive: boolean, dark: boolean): string {
  return positive ? (dark ? '#56b4e9' : '#0072b2') : dark ? '#f0884a' : '#d55e00';
}

export type Membership = 'a' | 'b' | 'both';
/** Two overlaid subcircuits: only in A (A's state colour), only in B (B's), in both (neutral, drawn strongest). */
export function membershipColour(m: Membership, dark: boolean): string {
  if (m === 'a') return stateColour(0, dark);
  if (m === 'b') return stateColour(1, dark);
  return dark ? '#f2f3f5' : '#1b1f24';
}

/** A colour map as RGB bytes: lut[3 * i .. 3 * i + 2] for t = i / 255. */
export type Lut = Uint8Array;

function lutOf(interp: (t: number) => string): Lut {
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = color(interp(i / 255))?.rgb();
    out[3 * i] = c ? Math.round(c.r) : 0;
    out[3 * i + 1] = c ? Math.round(c.g) : 0;
    out[3 * i + 2] = c ? Math.round(c.b) : 0;
  }
  return out;
}

let inferno: Lut | null = null;
let diverging: Lut | null = null;
/** Sequential (0 … max): inferno, perceptually uniform, dark to bright yellow. */
export function sequentialLut(): Lut {
  return (inferno ??= lutOf(interpolateInferno));
}
/** Diverging (−m … +m): blue (negative) through white to red (positive). */
export function divergingLut(): Lut {
  return (diverging ??= lutOf((t) => interpolateRdBu(1 - t)));
}

/** CSS colour of a lookup-table entry for t in [0, 1]. */
export function lutCss(lut: Lut, t: number): string {
  const i = Math.max(0, Math.min(255, Math.round(t * 255)));
  return `rgb(${lut[3 * i]},${lut[3 * i + 1]},${lut[3 * i + 2]})`;
}

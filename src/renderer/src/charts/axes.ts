// Layout helpers for the charts (axes, text, titles, legends, tooltips): pure functions, no DOM.

/** Ticks on a log axis between lo and hi (both > 0): 1-2-5 per decade, denser when the range is narrow. */
export function logTicks(lo: number, hi: number, maxTicks: number): number[] {
  const decades = Math.log10(hi / lo);
  const sets = [
    [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 5, 7],
    [1, 2, 5],
    [1, 3],
    [1],
  ];
  const start = decades < 0.4 ? 0 : decades < 1 ? 1 : decades < 2 ? 2 : 3;
  for (let i = start; i < sets.length; i++) {
    const ticks: number[] = [];
    for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of sets[i]!) {
        const v = +(m * 10 ** e).toPrecision(6);
        if (v >= lo * 0.9999 && v <= hi * 1.0001) ticks.push(v);
      }
    }
    if (ticks.length <= maxTicks || i === sets.length - 1) return [...new Set(ticks)].sort((a, b) => b - a);
  }
  return [];
}

/** Rough text width for layout (SVG text is measured only after render). */
export const textWidth = (s: string, size: number) => s.length * size * 0.56;

/** Splits text at spaces into at most `maxLines` lines of about `width` px; the last line is clipped with an ellipsis. */
export function wrapText(text: string, size: number, width: number, maxLines: number): string[] {
  const perLine = Math.max(10, Math.floor(width / (size * 0.56)));
  const lines: string[] = [];
  let rest = text.trim();
  while (rest && lines.length < maxLines) {
    if (rest.length <= perLine) {
      lines.push(rest);
      break;
    }
    if (lines.length === maxLines - 1) {
      lines.push(`${rest.slice(0, perLine - 1).trimEnd()}…`);
      break;
    }
    const cut = rest.lastIndexOf(' ', perLine);
    const at = cut > perLine * 0.5 ? cut : perLine;
    lines.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  return lines;
}

/**
 * Legend items laid out left to right, a new row whenever the next item would pass `avail` px (an item wider than
 * that gets a row of its own): each item's x and row, and the number of rows.
 */
export function flowLegend(widths: readonly number[], avail: number): { items: { x: number; row: number }[]; rows: number } {
  const items: { x: number; row: number }[] = [];
  let x = 0;
  let row = 0;
  for (const w of widths) {
    if (x > 0 && x + w > avail) {
      x = 0;
      row++;
    }
    items.push({ x, row });
    x += w;
  }
  return { items, rows: widths.length ? row + 1 : 0 };
}

/**
 * A legend of `texts` (11 px type) flowed across `avail` px as flowLegend does, each item `lead` px of swatch, its
 * text and `gap` px of space: each item's x, row, index and text, and the number of rows.
 */
export function flowLegendTexts(texts: readonly string[], lead: number, gap: number, avail: number): { items: { x: number; row: number; i: number; text: string }[]; rows: number } {
  const flow = flowLegend(texts.map((t) => lead + textWidth(t, 11) + gap), avail);
  return { items: flow.items.map((at, i) => ({ ...at, i, text: texts[i]! })), rows: flow.rows };
}

/** `s` clipped with an ellipsis to about `w` px at `size` px type. */
export function clipText(s: string, size: number, w: number): string {
  return textWidth(s, size) <= w ? s : `${s.slice(0, Math.max(8, Math.floor(w / (size * 0.56)) - 1))}…`;
}

/**
 * A legend label clipped like clipText, keeping a trailing parenthesis (a state's density, "(50.1%)") whole: the name
 * is what gets the ellipsis, so no number is cut short.
 */
export function clipLabel(s: string, size: number, w: number): string {
  if (textWidth(s, size) <= w) return s;
  const tail = / \([^()]*\)$/.exec(s)?.[0] ?? '';
  if (!tail || textWidth(tail, size) >= w / 2) return clipText(s, size, w);
  const head = s.slice(0, s.length - tail.length);
  for (let n = head.length - 1; n > 1; n--) {
    const c = `${head.slice(0, n).trimEnd()}…${tail}`;
    if (textWidth(c, size) <= w) return c;
  }
  return `${head.slice(0, 1)}…${tail}`;
}

/** Baseline of the first subtitle line, and the line pitch. */
export const SUBTITLE_TOP = 37;
export const SUBTITLE_PITCH = 14;

/** The subtitle wrapped to the chart's width (it names what is plotted, so an export keeps all of it). */
export function subtitleLines(subtitle: string, width: number, maxLines = 2): string[] {
  return wrapText(subtitle, 11, width - 24, maxLines);
}

/** Where content under the title and `lines` subtitle lines may start (a legend, usually). */
export const belowHead = (lines: number, top = SUBTITLE_TOP) => top + lines * SUBTITLE_PITCH;

/** A tooltip's left edge: `gap` px right of `anchor`, or left of it when a `tipWidth` box would pass `width`. */
export function tipLeft(anchor: number, tipWidth: number, width: number, gap = 14): number {
  return anchor + gap + tipWidth > width ? anchor - gap - tipWidth : anchor + gap;
}

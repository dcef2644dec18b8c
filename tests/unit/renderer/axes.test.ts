// Axis and label layout helpers of the charts (charts/axes.ts).
import { describe, expect, it } from 'vitest';
import { belowHead, clipLabel, clipText, flowLegend, flowLegendTexts, logTicks, subtitleLines, textWidth, tipLeft, wrapText } from '../../../src/renderer/src/charts/axes';

describe('logTicks', () => {
  it('places 1-2-5 ticks per decade, largest first', () => {
    expect(logTicks(1, 100, 10)).toEqual([100, 50, 20, 10, 5, 2, 1]);
  });

  it('thins out to fit maxTicks, keeping the decades', () => {
    expect(logTicks(1, 100, 6)).toEqual([100, 30, 10, 3, 1]);
    expect(logTicks(1, 100, 3)).toEqual([100, 10, 1]);
  });

  it('is denser on a narrow range', () => {
    expect(logTicks(10, 20, 20)).toEqual([20, 15, 10]);
    expect(logTicks(2, 9, 20)).toEqual([9, 8, 7, 6, 5, 4, 3, 2]);
  });

  it('has none when no 1-1.5-2-2.5-3-… value lies in the range', () => {
    expect(logTicks(3.3, 3.9, 8)).toEqual([]);
  });

  it('keeps ticks inside the range (up to rounding)', () => {
    for (const [lo, hi] of [
      [0.7, 130],
      [0.013, 0.9],
      [3.3, 4.1],
    ] as const) {
      const t = logTicks(lo, hi, 8);
      expect(t.length).toBeGreaterThan(0);
      for (const v of t) expect(v >= lo * 0.9999 && v <= hi * 1.0001).toBe(true);
      expect([...t].sort((a, b) => b - a)).toEqual(t);
    }
  });
});

describe('text layout', () => {
  it('estimates a width proportional to length and size', () => {
    expect(textWidth('abcd', 10)).toBeCloseTo(22.4);
    expect(textWidth('', 11)).toBe(0);
  });

  it('wraps at spaces into at most maxLines, the last one clipped with an ellipsis', () => {
    // 56 px at 10 px type: 10 characters per line.
    expect(wrapText('the quick brown fox', 10, 56, 3)).toEqual(['the quick', 'brown fox']);
    expect(wrapText('the quick brown fox jumps over the lazy dog', 10, 56, 2)).toEqual(['the quick', 'brown fox…']);
    expect(wrapText('  short  ', 10, 560, 2)).toEqual(['short']);
    expect(wrapText('', 10, 100, 2)).toEqual([]);
  });

  it('cuts a word longer than a line', () => {
    expect(wrapText('abcdefghijklmnopqrstuvwxyz', 10, 56, 3)).toEqual(['abcdefghij', 'klmnopqrst', 'uvwxyz']);
  });
});

describe('flowLegend', () => {
  it('lays items left to right and starts a new row when the next does not fit', () => {
    const { items, rows } = flowLegend([40, 50, 30, 70, 1], 100);
    expect(items).toEqual([
      { x: 0, row: 0 },
      { x: 40, row: 0 },
      { x: 0, row: 1 },
      { x: 30, row: 1 },
      { x: 0, row: 2 },
    ]);
    expect(rows).toBe(3);
  });

  it('never leaves a row empty, even for an item wider than the space', () => {
    expect(flowLegend([150, 20], 100)).toEqual({ items: [{ x: 0, row: 0 }, { x: 0, row: 1 }], rows: 2 });
    expect(flowLegend([], 100)).toEqual({ items: [], rows: 0 });
  });

  it('flows texts by their width plus the swatch before and the gap after, keeping index and text', () => {
    const texts = ['a', 'bb', 'ccc'];
    const widths = texts.map((t) => 20 + textWidth(t, 11) + 10);
    const avail = widths[0]! + widths[1]! + 1; // the third does not fit on the first row
    expect(flowLegendTexts(texts, 20, 10, avail)).toEqual({
      items: [
        { x: 0, row: 0, i: 0, text: 'a' },
        { x: widths[0], row: 0, i: 1, text: 'bb' },
        { x: 0, row: 1, i: 2, text: 'ccc' },
      ],
      rows: 2,
    });
  });
});

describe('titles and tooltips', () => {
  it('clips a title to the width with an ellipsis, keeping at least 8 characters', () => {
    expect(clipText('short', 13, 200)).toBe('short');
    // 10.5 px type, 56 px: 9 characters fit, so 8 and the ellipsis.
    expect(clipText('a long caption of a chart', 10.5, 56)).toBe('a long c…');
    // A legend label keeps its density whole; the name takes the ellipsis.
    expect(clipLabel('imp s0 r1 trained (50.1%)', 11, 178)).toBe('imp s0 r1 trained (50.1%)');
    const clipped = clipLabel('imp s0 r1 ticket-at-init of a long experiment (50.1%)', 11, 178);
    expect(clipped).toMatch(/^imp s0 r1 ticket-at.*… \(50\.1%\)$/);
    expect(textWidth(clipped, 11)).toBeLessThanOrEqual(178);
    // No parenthesis, or one as long as the room: clipped as clipText clips.
    expect(clipLabel('a long caption of a chart', 10.5, 56)).toBe('a long c…');
    expect(clipText('a long caption of a chart', 10.5, 5)).toBe('a long c…');
  });

  it('wraps the subtitle to the chart width less the margins, and says where content below it starts', () => {
    expect(subtitleLines('the quick brown fox', 80, 3)).toEqual(wrapText('the quick brown fox', 11, 56, 3));
    expect(belowHead(0)).toBe(37);
    expect(belowHead(2)).toBe(37 + 28);
    expect(belowHead(3, 36)).toBe(36 + 42);
  });

  it('places a tooltip right of its anchor, or left when it would pass the chart', () => {
    expect(tipLeft(100, 300, 1000)).toBe(114);
    expect(tipLeft(800, 300, 1000)).toBe(800 - 14 - 300);
    expect(tipLeft(686, 300, 1000)).toBe(700);
    expect(tipLeft(687, 300, 1000)).toBe(373);
    expect(tipLeft(100, 300, 1000, 16)).toBe(116);
  });
});

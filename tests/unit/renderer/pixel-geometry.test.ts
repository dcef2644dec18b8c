// The mask pixel view's geometry (charts/pixel-geometry.ts): clamping, zoom steps, the windows a view fetches,
// ruler steps, and conv row indices.
import { describe, expect, it } from 'vitest';
import { clampView, fitZoom, rowParts, rulerStep, TILE, tilesFor, ZOOMS, zoomAbout, zoomStep } from '../../../src/renderer/src/charts/pixel-geometry';

describe('view', () => {
  it('stays inside the matrix, at the top-left when the matrix is smaller than the view', () => {
    expect(clampView({ row0: -5, col0: 10_000, zoom: 2 }, 1000, 1000, 400, 300)).toEqual({ row0: 0, col0: 800, zoom: 2 });
    expect(clampView({ row0: 900, col0: 3.5, zoom: 1 }, 1000, 1000, 400, 300)).toEqual({ row0: 700, col0: 3.5, zoom: 1 });
    expect(clampView({ row0: 50, col0: 50, zoom: 4 }, 30, 10, 400, 300)).toEqual({ row0: 0, col0: 0, zoom: 4 });
  });

  it('fits the largest zoom step that shows the whole matrix', () => {
    expect(fitZoom(784, 300, 1000, 512)).toBe(1);
    expect(fitZoom(100, 10, 1000, 512)).toBe(4);
    expect(fitZoom(2, 3, 1000, 512)).toBe(24);
    expect(fitZoom(10_000, 10_000, 500, 500)).toBe(1);
  });

  it('steps the zoom within its steps', () => {
    expect(zoomStep(1, 1)).toBe(2);
    expect(zoomStep(6, -1)).toBe(4);
    expect(zoomStep(24, 1)).toBe(24);
    expect(zoomStep(1, -1)).toBe(1);
    expect(zoomStep(5, 1)).toBe(ZOOMS[1]);
  });

  it('zooms about a point, which stays over the same cell', () => {
    const v = zoomAbout({ row0: 10, col0: 20, zoom: 2 }, 4, 100, 60);
    expect(v).toEqual({ zoom: 4, row0: 10 + 60 / 2 - 60 / 4, col0: 20 + 100 / 2 - 100 / 4 });
    expect(v.row0 + 60 / v.zoom).toBe(10 + 60 / 2);
  });
});

describe('windows', () => {
  it('fetches the visible windows first, then the ring around them', () => {
    // 1000 × 1000 at 1 px per weight in a 400 × 300 view at (300, 300): rows 300–599, columns 300–699.
    const t = tilesFor({ row0: 300, col0: 300, zoom: 1 }, 1000, 1000, 400, 300);
    expect(TILE).toBe(256);
    const visible = [
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
    ];
    expect(t.slice(0, 4)).toEqual(visible);
    expect(t).toHaveLength(16);
    expect(new Set(t.map(String)).size).toBe(16);
    for (const [r, c] of t) expect(r >= 0 && r <= 3 && c >= 0 && c <= 3).toBe(true);
  });

  it('asks for no window outside the matrix', () => {
    const t = tilesFor({ row0: 0, col0: 0, zoom: 2 }, 300, 100, 400, 300);
    expect(t).toEqual([
      [0, 0],
      [1, 0],
    ]);
  });
});

describe('labels', () => {
  it('steps the rulers by 1, 2 or 5 × 10^k for about one label per 60 px', () => {
    expect(rulerStep(300, 600)).toBe(50);
    expect(rulerStep(1000, 600)).toBe(100);
    expect(rulerStep(10, 600)).toBe(1);
    expect(rulerStep(256, 512)).toBe(50);
  });

  it('names a conv row by (kh, kw, in) when the label gives the factors', () => {
    expect(rowParts('fan-in (kh, kw, in) = 3·3·64', 0)).toBe('(kh 0, kw 0, in 0)');
    expect(rowParts('fan-in (kh, kw, in) = 3·3·64', 64 * 3 + 64 + 5)).toBe('(kh 1, kw 1, in 5)');
    expect(rowParts('fan-in (kh, kw, in) = 3x3x3', 26)).toBe('(kh 2, kw 2, in 2)');
    expect(rowParts('input unit (784)', 3)).toBeNull();
  });
});

// The layers as docs/architecture.md describes them, checked on the source itself: no runtime import cycle, and no
// source file over the soft cap of 500 lines.
import { describe, expect, it } from 'vitest';
import { importCycles, sourceFiles } from '../helpers/sources';

const files = sourceFiles('src');

describe('architecture', () => {
  it('has no runtime import cycle in src/', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(importCycles(files).map((c) => c.join(' → '))).toEqual([]);
  });

  it('has no source file over 500 lines', () => {
    const long = files.map((f) => ({ path: f.path, lines: f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0) })).filter((f) => f.lines > 500);
    expect(long.map((f) => `${f.path}: ${f.lines} lines`)).toEqual([]);
  });

  it('finds a planted cycle, and ignores type-only imports', () => {
    const service = files.find((f) => f.path === 'src/main/core/service.ts')!;
    const planted = (text: string) => [service, { path: 'src/main/core/snapshots.ts', text }];
    expect(importCycles(planted("import { Core } from './service';\n")).length).toBe(1);
    expect(importCycles(planted("import type { Core } from './service';\nimport { type Core as C } from './service';\n"))).toEqual([]);
  });
});

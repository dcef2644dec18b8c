// The project's source files as text and their runtime import graph, for the architecture tests: import cycles,
// file sizes, where SQL may appear. Type-only imports (`import type`, or every specifier marked `type`) are left out:
// they vanish at build time and cannot form a runtime cycle.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './paths';

export interface SourceFile {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  text: string;
}

/** Every .ts and .tsx file under `dir` (relative to the repository root). */
export function sourceFiles(dir = 'src'): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (abs: string) => {
    for (const name of readdirSync(abs).sort()) {
      const p = join(abs, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(name)) out.push({ path: relative(ROOT, p).split('\\').join('/'), text: readFileSync(p, 'utf8') });
    }
  };
  walk(join(ROOT, dir));
  return out;
}

const IMPORT_RE = /^\s*(import|export)\s+(type\s+)?([\s\S]*?)\s+from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

/** The relative modules a file imports at runtime, as repository paths (unresolvable ones are skipped). */
export function runtimeImports(file: SourceFile): string[] {
  const out: string[] = [];
  for (const m of file.text.matchAll(IMPORT_RE)) {
    const spec = m[4] ?? m[5]!;
    if (!spec.startsWith('.')) continue;
    if (m[2]) continue; // import type / export type
    const clause = m[3] ?? '';
    const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
    if (braces) {
      const names = braces[1]!.split(',').map((s) => s.trim()).filter(Boolean);
      if (names.length && names.every((n) => n.startsWith('type '))) continue;
    }
    const base = resolve(ROOT, dirname(file.path), spec);
    const target = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((p) => existsSync(p) && statSync(p).isFile());
    if (target) out.push(relative(ROOT, target).split('\\').join('/'));
  }
  return out;
}

/** The import cycles among `files` (each a list of paths, the first repeated at the end); empty when there are none. */
export function importCycles(files: SourceFile[]): string[][] {
  const graph = new Map(files.map((f) => [f.path, runtimeImports(f).filter((t) => t.endsWith('.ts') || t.endsWith('.tsx'))]));
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

// The builder's draft: a plain JSON object edited field by field and validated with the same zod schema the core
// uses. The method's fields come from the schema itself (zod -> JSON Schema), so methods the engine adds later
// get a form without changes here.
import { z } from 'zod';
import { experimentConfigSchema, methodSchema } from '../../../../shared/config';

export type Draft = Record<string, unknown>;
export type Path = (string | number)[];

export const pathKey = (p: readonly PropertyKey[]) => p.map(String).join('.');

export function getAt(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** A copy of `obj` with `value` at `path` (undefined deletes the key), creating objects on the way. */
export function setAt<T>(obj: T, path: Path, value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path;
  const base = (obj !== null && typeof obj === 'object' ? obj : {}) as Record<string | number, unknown>;
  const copy: Record<string | number, unknown> = Array.isArray(base) ? ([...base] as unknown as Record<number, unknown>) : { ...base };
  const next = setAt(base[head!], rest, value);
  if (next === undefined) delete copy[head!];
  else copy[head!] = next;
  return copy as T;
}

export interface Issue {
  path: string;
  message: string;
  /** The schema's own check of the field's value (e.g. too_small) or a check across fields ('custom'). */
  code?: string;
}

export type Validation = { ok: true; config: z.infer<typeof experimentConfigSchema>; issues: [] } | { ok: false; config: null; issues: Issue[] };

export function validate(draft: unknown): Validation {
  const r = experimentConfigSchema.safeParse(draft);
  if (r.success) return { ok: true, config: r.data, issues: [] };
  return {
    ok: false,
    config: null,
    issues: r.error.issues.map((i) => ({ path: pathKey(i.path), message: i.message.replace(/\s+/g, ' '), code: i.code })),
  };
}

const named = (message: string, path: string) => path !== '' && new RegExp(`(^|[^\\w.])${path.replace(/\./g, '\\.')}(?![\\w.])`).test(message);

/**
 * The issues as the form shows them: one error for one bad value, on the field that holds it. A check across fields
 * (code 'custom', e.g. "evalEvery must be at most iterations") is dropped while a field it names has an error of its
 * own (iterations = -5 gave three errors, two of them on fields nobody touched), and one that names the field just
 * edited is shown on that field, saying which other field it is about.
 */
export function arrangeIssues(issues: readonly Issue[], lastEdited: string | null): Issue[] {
  const own = new Set(issues.filter((i) => i.code !== 'custom').map((i) => i.path));
  const out: Issue[] = [];
  for (const i of issues) {
    if (i.code === 'custom' && [...own].some((p) => p !== i.path && named(i.message, p))) continue;
    if (i.code === 'custom' && lastEdited && i.path !== lastEdited && named(i.message, lastEdited)) out.push({ ...i, path: lastEdited, message: `${i.path} ${i.message}` });
    else out.push(i);
  }
  return out;
}

/** The subset of JSON Schema the form understands. */
export interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}

let methodSchemas: Map<string, JsonSchema> | null = null;

/** Method kind -> its object schema, in the order the schema lists them. */
export function methodVariants(): Map<string, JsonSchema> {
  if (methodSchemas) return methodSchemas;
  const out = new Map<string, JsonSchema>();
  try {
    const js = z.toJSONSchema(methodSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    for (const v of js.oneOf ?? js.anyOf ?? [js]) {
      const kind = v.properties?.kind?.const;
      if (typeof kind === 'string') out.set(kind, v);
    }
  } catch {
    // Leave it empty: the builder falls back to editing the method as JSON.
  }
  methodSchemas = out;
  return out;
}

/** A starting value for a schema: its default, else something valid-looking for the type. */
export function initialValue(s: JsonSchema): unknown {
  if (s.const !== undefined) return s.const;
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.enum?.length) return s.enum[0];
  const t = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (t) {
    case 'integer':
      return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 0);
    case 'number': {
      const lo = s.minimum ?? s.exclusiveMinimum;
      const hi = s.maximum ?? s.exclusiveMaximum;
      if (lo === 0 && hi === 1) return 0.2;
      return lo !== undefined ? lo + (s.exclusiveMinimum !== undefined ? 0.1 : 0) : 0;
    }
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const k of s.required ?? []) o[k] = initialValue(s.properties?.[k] ?? {});
      return o;
    }
    default:
      return '';
  }
}

/** A range hint for a number schema, e.g. "integer, 1 – 40" or "0 < x < 1". */
export function rangeHint(s: JsonSchema): string {
  const int = s.type === 'integer';
  const big = (v: number | undefined) => v === undefined || Math.abs(v) >= 2 ** 52;
  const lo = s.exclusiveMinimum ?? s.minimum;
  const hi = s.exclusiveMaximum ?? s.maximum;
  const loOp = s.exclusiveMinimum !== undefined ? '<' : '≤';
  const hiOp = s.exclusiveMaximum !== undefined ? '<' : '≤';
  const parts: string[] = [];
  if (!big(lo) && !big(hi)) parts.push(`${lo} ${loOp} x ${hiOp} ${hi}`);
  else if (!big(lo)) parts.push(`x ${loOp === '<' ? '>' : '≥'} ${lo}`);
  else if (!big(hi)) parts.push(`x ${hiOp} ${hi}`);
  return [int ? 'integer' : '', ...parts].filter(Boolean).join(', ');
}

/** What one experiment trains, for the known methods: runs, rounds per run and iterations in all. */
export function planText(c: { seeds: number[]; iterations: number; method: { kind: string } & Record<string, unknown> }): string | null {
  const seeds = c.seeds.length;
  const m = c.method;
  const controls = Array.isArray(m.controls) ? m.controls.length : 0;
  let ticketRounds: number;
  let controlRounds: number;
  if (m.kind === 'dense') {
    ticketRounds = 1;
    controlRounds = 0;
  } else if (m.kind === 'imp' && typeof m.rounds === 'number') {
    ticketRounds = m.rounds + 1;
    // The controls train only the chosen rounds when controlRounds lists them.
    controlRounds = Array.isArray(m.controlRounds) ? m.controlRounds.length : m.rounds;
  } else if (m.kind === 'one-shot') {
    ticketRounds = 2;
    controlRounds = 1;
  } else return null;
  const runs = seeds * (1 + controls);
  const trainings = seeds * (ticketRounds + controls * controlRounds);
  const its = trainings * c.iterations;
  return `${runs} run${runs === 1 ? '' : 's'} (${seeds} seed${seeds === 1 ? '' : 's'} × ${1 + controls}: the method${controls ? ` + ${controls} control${controls === 1 ? '' : 's'}` : ''}), ${trainings} training${trainings === 1 ? '' : 's'} of ${c.iterations.toLocaleString('en-US')} iterations = ${its.toLocaleString('en-US')} iterations in all`;
}

/** "conv 100 → 90 → 81%, fc 100 → 80 → 64%, ..." for an IMP method, else null. */
export function impDensities(m: unknown): string | null {
  const method = m as { kind?: string; rounds?: number; rates?: Record<string, number>; ranking?: string } | null;
  if (!method || method.kind !== 'imp' || !method.rates || typeof method.rounds !== 'number' || method.ranking === 'global') return null;
  const rounds = Math.min(method.rounds, 12);
  return Object.entries(method.rates)
    .map(([role, rate]) => {
      const seq = Array.from({ length: rounds + 1 }, (_, r) => `${+((1 - rate) ** r * 100).toPrecision(3)}`);
      return `${role} ${seq.join(' → ')}%${method.rounds! > rounds ? ' …' : ''}`;
    })
    .join(' · ');
}

// A small JSON-schema checker for the keywords the Kubernetes schema fixture uses (tests/fixtures/kubernetes): $ref to
// #/definitions, type, enum, properties, required, additionalProperties (false or a schema), items, oneOf, pattern,
// and the int32/int64 formats. Returns every problem with its JSON path; an empty list means valid.
export interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  pattern?: string;
  format?: string;
  description?: string;
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

export function validate(value: unknown, schema: Schema, definitions: Record<string, Schema>, path = '$'): string[] {
  if (schema.$ref) {
    const name = schema.$ref.replace(/^#\/definitions\//, '');
    const target = definitions[name];
    if (!target) return [`${path}: unknown $ref ${schema.$ref}`];
    return validate(value, target, definitions, path);
  }
  if (schema.oneOf) {
    const passing = schema.oneOf.filter((s) => validate(value, s, definitions, path).length === 0).length;
    return passing === 1 ? [] : [`${path}: matches ${passing} of the ${schema.oneOf.length} alternatives, not exactly one`];
  }
  const t = typeOf(value);
  if (schema.type && !(t === schema.type || (schema.type === 'number' && t === 'integer'))) return [`${path}: ${t}, expected ${schema.type}`];
  const out: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) out.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) out.push(`${path}: "${value}" does not match ${schema.pattern}`);
  if (schema.format === 'int32' && typeof value === 'number' && (value < -(2 ** 31) || value >= 2 ** 31)) out.push(`${path}: ${value} is not an int32`);
  if (t === 'array' && schema.items) (value as unknown[]).forEach((v, i) => out.push(...validate(v, schema.items!, definitions, `${path}[${i}]`)));
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) out.push(`${path}: missing required ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      const p = schema.properties?.[k];
      if (p) out.push(...validate(v, p, definitions, `${path}.${k}`));
      else if (schema.additionalProperties === false) out.push(`${path}: unknown property ${k}`);
      else if (typeof schema.additionalProperties === 'object') out.push(...validate(v, schema.additionalProperties, definitions, `${path}.${k}`));
    }
  }
  return out;
}

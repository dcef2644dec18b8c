// The shape every params object must have before a transport hands it to the core (which then checks it against the
// method's strict schema): plain data only, no deeper than MAX_DEPTH, at most MAX_PARAMS_BYTES as JSON, without
// cycles and without __proto__, constructor or prototype keys anywhere. The Electron IPC gate and the WebSocket
// server both apply it. No runtime imports.

/** Largest params accepted over IPC or WebSocket, as JSON. */
export const MAX_PARAMS_BYTES = 1 << 20;
export const MAX_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Why params may not go on to the core, or null. Never throws, whatever the input. */
export function paramsProblem(params: unknown): string | null {
  if (params === undefined) return null;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return 'params must be an object';
  const proto = Object.getPrototypeOf(params) as unknown;
  if (proto !== Object.prototype && proto !== null) return 'params must be a plain object';
  const stack: { value: unknown; depth: number }[] = [{ value: params, depth: 0 }];
  const seen = new Set<unknown>();
  while (stack.length) {
    const { value, depth } = stack.pop()!;
    if (value === null || value === undefined || ['string', 'number', 'boolean'].includes(typeof value)) continue;
    if (typeof value !== 'object') return `params must be plain data, not a ${typeof value}`;
    const p = Object.getPrototypeOf(value) as unknown;
    if (!Array.isArray(value) && p !== Object.prototype && p !== null) return 'params must be plain data (objects, arrays, strings, numbers)';
    if (depth > MAX_DEPTH) return `params are nested deeper than ${MAX_DEPTH}`;
    if (seen.has(value)) return 'params must not contain cycles';
    seen.add(value);
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key === 'symbol' || FORBIDDEN_KEYS.has(key)) return `params must not contain the key ${String(key)}`;
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(params);
  } catch {
    return 'params must be plain data';
  }
  if (json === undefined || json.length > MAX_PARAMS_BYTES) return `params are larger than ${MAX_PARAMS_BYTES} bytes`;
  return null;
}

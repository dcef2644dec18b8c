// Optional packages (the tfjs backends other than wasm and cpu, the `webgpu` package): imported through a variable
// specifier so that neither TypeScript nor the bundler tries to resolve them at build time; a package that is not
// installed is a BackendUnavailable with a one-line reason, never a crash.
import { createRequire } from 'node:module';

/** Why a backend could not be used, as one line (e.g. "@tensorflow/tfjs-node-gpu is not installed"). */
export class BackendUnavailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'BackendUnavailable';
  }
}

export function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return (msg.split('\n')[0] ?? '').trim() || 'unknown error';
}

function isNotInstalled(e: unknown, pkg: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return msg.includes(pkg);
  return /cannot find (module|package)|failed to (resolve|load url)/i.test(msg) && msg.includes(pkg);
}

/** Import an optional package by name; throws BackendUnavailable with a one-line reason. */
export async function importOptional(pkg: string): Promise<Record<string, unknown>> {
  try {
    const name = pkg; // a variable specifier: not resolved at build time
    return (await import(/* @vite-ignore */ name)) as Record<string, unknown>;
  } catch (e) {
    if (isNotInstalled(e, pkg)) throw new BackendUnavailable(`${pkg} is not installed`);
    throw new BackendUnavailable(`${pkg} failed to load: ${firstLine(e)}`);
  }
}

/** The version in an installed package's package.json (for packages whose module exports none), or undefined. */
export function packageVersion(pkg: string): string | undefined {
  try {
    const v = (createRequire(import.meta.url)(`${pkg}/package.json`) as { version?: unknown }).version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}


// Backend selection. `auto` tries, in order: cuda (@tensorflow/tfjs-node-gpu), webgpu (`webgpu` + tfjs-backend-webgpu),
// node (@tensorflow/tfjs-node), wasm (@tensorflow/tfjs-backend-wasm, a dependency, so always there) and plain JS cpu.
// An explicit choice tries only that backend and throws a one-line Error when it is unavailable.
//
// Optional packages are imported through a variable specifier so that neither TypeScript nor the bundler tries to
// resolve them at build time; a package that is not installed is a skip with a reason, never a crash.
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, BackendName, BackendReport } from '../../shared/contract';
import { registerWasmKernels } from './kernels/index';

export const AUTO_ORDER: readonly BackendName[] = ['cuda', 'webgpu', 'node', 'wasm', 'cpu'];

/** Why a backend could not be used, as one line (e.g. "@tensorflow/tfjs-node-gpu is not installed"). */
export class BackendUnavailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'BackendUnavailable';
  }
}

interface Loaded {
  /** The tfjs backend name registered by the package ('tensorflow', 'webgpu', 'wasm', 'cpu'). */
  tfName: string;
  /** Versions of the packages that provide it. */
  versions: Record<string, string>;
}

function firstLine(e: unknown): string {
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
async function importOptional(pkg: string): Promise<Record<string, unknown>> {
  try {
    const name = pkg; // a variable specifier: not resolved at build time
    return (await import(/* @vite-ignore */ name)) as Record<string, unknown>;
  } catch (e) {
    if (isNotInstalled(e, pkg)) throw new BackendUnavailable(`${pkg} is not installed`);
    throw new BackendUnavailable(`${pkg} failed to load: ${firstLine(e)}`);
  }
}

function versionOf(mod: Record<string, unknown>, key: string): string | undefined {
  const v = mod[key];
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const first = Object.values(v as Record<string, unknown>).find((x) => typeof x === 'string');
    if (typeof first === 'string') return first;
  }
  return undefined;
}

async function activate(tfName: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfName);
    await tf.ready();
  } catch (e) {
    throw new BackendUnavailable(`tf.setBackend('${tfName}') failed: ${firstLine(e)}`);
  }
  if (!ok || tf.getBackend() !== tfName) throw new BackendUnavailable(`tf.setBackend('${tfName}') did not initialise`);
}

async function loadTensorflowNative(pkg: string): Promise<Loaded> {
  const mod = await importOptional(pkg);
  await activate('tensorflow');
  const versions: Record<string, string> = {};
  const v = versionOf(mod, 'version');
  if (v) versions[pkg] = v;
  return { tfName: 'tensorflow', versions };
}

async function loadWebgpu(): Promise<Loaded> {
  const webgpu = await importOptional('webgpu');
  const create = webgpu.create as ((opts: string[]) => unknown) | undefined;
  const globals = webgpu.globals as Record<string, unknown> | undefined;
  if (typeof create !== 'function') throw new BackendUnavailable('webgpu package has no create()');
  if (globals) Object.assign(globalThis, globals);
  const gpu = create([]) as { requestAdapter(): Promise<unknown> };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) throw new BackendUnavailable('no WebGPU adapter found');
  // Node 21+ has a read-only global `navigator`; define `gpu` on it rather than replacing it.
  const g = globalThis as { navigator?: object };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  const mod = await importOptional('@tensorflow/tfjs-backend-webgpu');
  await activate('webgpu');
  const versions: Record<string, string> = {};
  const v = versionOf(mod, 'version_webgpu');
  if (v) versions['@tensorflow/tfjs-backend-webgpu'] = v;
  return { tfName: 'webgpu', versions };
}

async function loadWasm(): Promise<Loaded> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as Record<string, unknown>;
  } catch (e) {
    throw new BackendUnavailable(`@tensorflow/tfjs-backend-wasm failed to load: ${firstLine(e)}`);
  }
  // The conv gradient kernels stock tfjs-backend-wasm lacks (or runs slowly); see kernels/wasm-conv.ts. Idempotent.
  registerWasmKernels();
  await activate('wasm');
  const versions: Record<string, string> = {};
  const v = versionOf(mod, 'version_wasm');
  if (v) versions['@tensorflow/tfjs-backend-wasm'] = v;
  return { tfName: 'wasm', versions };
}

async function loadCpu(): Promise<Loaded> {
  await activate('cpu');
  return { tfName: 'cpu', versions: {} };
}

async function load(name: BackendName): Promise<Loaded> {
  switch (name) {
    case 'cuda':
      return loadTensorflowNative('@tensorflow/tfjs-node-gpu');
    case 'webgpu':
      return loadWebgpu();
    case 'node':
      return loadTensorflowNative('@tensorflow/tfjs-node');
    case 'wasm':
      return loadWasm();
    case 'cpu':
      return loadCpu();
  }
}

interface Current {
  report: BackendReport;
  loaded: Loaded;
}

let current: Current | null = null;
/** Failures are remembered so `auto` does not retry a missing package on every run. */
const failures = new Map<BackendName, string>();

async function tryLoad(name: BackendName): Promise<Loaded> {
  const known = failures.get(name);
  if (known !== undefined) throw new BackendUnavailable(known);
  try {
    return await load(name);
  } catch (e) {
    const reason = e instanceof BackendUnavailable ? e.message : firstLine(e);
    failures.set(name, reason);
    throw new BackendUnavailable(reason);
  }
}

/** Choose and activate a backend; returns which one runs and why the ones before it were skipped. */
export async function selectBackend(choice: BackendChoice): Promise<BackendReport> {
  // The engine owns tfjs in its process: production mode silences tfjs' console banners (e.g. "install tfjs-node"
  // when the plain cpu backend starts); the backend report already says why each backend was skipped.
  tf.enableProdMode();
  if (choice !== 'auto') {
    try {
      const loaded = await tryLoad(choice);
      current = { report: { name: choice, reason: 'requested', skipped: [] }, loaded };
      return current.report;
    } catch (e) {
      throw new Error(`backend ${choice} unavailable: ${firstLine(e)}`, { cause: e });
    }
  }
  const skipped: BackendReport['skipped'] = [];
  for (const name of AUTO_ORDER) {
    try {
      const loaded = await tryLoad(name);
      current = { report: { name, reason: 'first available', skipped }, loaded };
      return current.report;
    } catch (e) {
      skipped.push({ name, reason: firstLine(e) });
    }
  }
  // Unreachable in practice: the plain JS cpu backend always exists.
  throw new Error(`no backend available: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** The backend selected last, or null before any selection. */
export function currentBackend(): BackendReport | null {
  return current?.report ?? null;
}

/** Make sure some backend is active: the selected one, or `auto` when none was selected yet. */
export async function ensureBackend(): Promise<BackendReport> {
  if (current && tf.getBackend() === current.loaded.tfName) return current.report;
  if (current) {
    await activate(current.loaded.tfName);
    return current.report;
  }
  return selectBackend('auto');
}

/** Library versions to record with every run. */
export function versions(): Record<string, string> {
  const out: Record<string, string> = {
    tfjs: tf.version.tfjs,
    node: process.versions.node,
    backend: current?.report.name ?? 'none',
  };
  if (current) {
    out['tfjsBackend'] = current.loaded.tfName;
    Object.assign(out, current.loaded.versions);
  }
  return out;
}

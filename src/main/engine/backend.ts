// Backend selection. `auto` tries, in order: cuda (@tensorflow/tfjs-node-gpu), webgpu (`webgpu` + tfjs-backend-webgpu),
// node (@tensorflow/tfjs-node), wasm (@tensorflow/tfjs-backend-wasm, a dependency, so always there) and plain JS cpu.
// An explicit choice tries only that backend and throws a one-line Error when it is unavailable.
//
// Optional packages load through optional-packages.ts (a missing one is a skip with a reason, never a crash); the
// WebGPU adapter probe and registration are webgpu.ts.
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, BackendName, BackendReport } from '../../shared/contract';
import { registerWasmKernels, registerWebgpuKernels } from './kernels/index';
import { BackendUnavailable, firstLine, importOptional, packageVersion } from './optional-packages';
import { probeWebgpu, registerWebgpu, webgpuRefusal } from './webgpu';

export { BackendUnavailable } from './optional-packages';
export { probeWebgpu, softwareAdapterName, webgpuRefusal, WEBGPU_IN_AUTO, WEBGPU_SOFTWARE_ENV, type WebgpuAdapter } from './webgpu';

export const AUTO_ORDER: readonly BackendName[] = ['cuda', 'webgpu', 'node', 'wasm', 'cpu'];

interface Loaded {
  /** The tfjs backend name registered by the package ('tensorflow', 'webgpu', 'wasm', 'cpu'). */
  tfName: string;
  /** Versions of the packages that provide it. */
  versions: Record<string, string>;
  /** What runs it, for the report's reason (the WebGPU adapter). */
  detail?: string;
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

let webgpuRegistered: Promise<void> | null = null;

async function loadWebgpu(explicit: boolean): Promise<Loaded> {
  const a = await probeWebgpu();
  const refusal = webgpuRefusal(a, explicit);
  if (refusal) throw new BackendUnavailable(refusal);
  webgpuRegistered ??= registerWebgpu(a);
  await webgpuRegistered;
  registerWebgpuKernels();
  await activate('webgpu');
  const versions: Record<string, string> = { webgpuAdapter: `${a.label} (${a.via}${a.software ? `, software: ${a.software}` : ''})` };
  for (const pkg of ['@tensorflow/tfjs-backend-webgpu', 'webgpu']) {
    const v = packageVersion(pkg);
    if (v) versions[pkg] = v;
  }
  return { tfName: 'webgpu', versions, detail: `adapter ${versions['webgpuAdapter']}` };
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

async function load(name: BackendName, explicit: boolean): Promise<Loaded> {
  switch (name) {
    case 'cuda':
      return loadTensorflowNative('@tensorflow/tfjs-node-gpu');
    case 'webgpu':
      return loadWebgpu(explicit);
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

async function tryLoad(name: BackendName, explicit: boolean): Promise<Loaded> {
  const known = failures.get(name);
  if (known !== undefined) throw new BackendUnavailable(known);
  try {
    return await load(name, explicit);
  } catch (e) {
    const reason = e instanceof BackendUnavailable ? e.message : firstLine(e);
    // webgpu's answer depends on the request (auto or explicit) and TICKETSCOPE_WEBGPU_SOFTWARE; its adapter probe
    // is cached by probeWebgpu() instead.
    if (name !== 'webgpu') failures.set(name, reason);
    throw new BackendUnavailable(reason);
  }
}

function reasonOf(why: string, loaded: Loaded): string {
  return loaded.detail ? `${why}; ${loaded.detail}` : why;
}

/** Choose and activate a backend; returns which one runs and why the ones before it were skipped. */
export async function selectBackend(choice: BackendChoice): Promise<BackendReport> {
  // The engine owns tfjs in its process: production mode silences tfjs' console banners (e.g. "install tfjs-node"
  // when the plain cpu backend starts); the backend report already says why each backend was skipped.
  tf.enableProdMode();
  if (choice !== 'auto') {
    try {
      const loaded = await tryLoad(choice, true);
      current = { report: { name: choice, reason: reasonOf('requested', loaded), skipped: [] }, loaded };
      return current.report;
    } catch (e) {
      throw new Error(`backend ${choice} unavailable: ${firstLine(e)}`, { cause: e });
    }
  }
  const skipped: BackendReport['skipped'] = [];
  for (const name of AUTO_ORDER) {
    try {
      const loaded = await tryLoad(name, false);
      current = { report: { name, reason: reasonOf('first available', loaded), skipped }, loaded };
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

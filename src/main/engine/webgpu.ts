// The WebGPU backend under Node: finding an adapter (in a child process) and registering tfjs' 'webgpu' backend on it.
// backend.ts selects it like every other backend.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailable, firstLine, importOptional } from './optional-packages';

// ---- WebGPU (Dawn for Node: the `webgpu` package) ----
//
// Adapter discovery: first the platform's native API (Vulkan, Metal or D3D12) at the core feature level; when that
// gives no hardware adapter, on Linux, Dawn's OpenGL backend at the 'compatibility' feature level (GL has no
// core-level WebGPU adapter). Headless Linux needs EGL's surfaceless platform for that (EGL_PLATFORM=surfaceless, set
// when no display is configured). An adapter is "software" when Dawn marks it as the fallback adapter or its name is
// a CPU rasteriser (llvmpipe, lavapipe, softpipe, SwiftShader, WARP): `auto` skips those (they run the WebGPU shaders
// on the CPU, well below the wasm backend); an explicit `--backend webgpu` uses one only when
// TICKETSCOPE_WEBGPU_SOFTWARE=1 (to test the WebGPU path on a machine without a GPU).
//
// Under Node the probe runs in a short-lived child process: Dawn prints driver warnings straight to stderr ("Couldn't
// load Vulkan", OpenGL limits), which must not reach the CLI's output when `auto` only looks. Only an adapter that
// will be used is opened again in this process. (In Electron it runs in process: the app's executable cannot run as
// a plain Node, its runAsNode fuse is off, and nobody reads its stderr.)
//
// tfjs-backend-webgpu registers its own factory when `navigator.gpu` exists at import time; it asks for the default
// adapter (none on the OpenGL path), so it is replaced by one that makes the device on the adapter chosen here, with
// the same features and limits tfjs asks for.
//
// Reading back: WebGPU maps buffers only asynchronously, and Dawn for Node completes a mapping on the event loop, so
// `dataSync()`/`arraySync()` of a GPU-resident tensor cannot work in Node (tfjs' synchronous path needs a browser's
// OffscreenCanvas). The backend's readSync throws a one-line error saying so. The engine reads everything with
// `await data()` (training: only at evaluations and state captures; masks count their kept weights when set), so
// every backend runs the same code.

/** Environment variable: 1 lets an explicit `--backend webgpu` run on a software (CPU) WebGPU adapter. */
export const WEBGPU_SOFTWARE_ENV = 'TICKETSCOPE_WEBGPU_SOFTWARE';

/**
 * Whether `auto` may pick a hardware WebGPU adapter (after cuda, before node and wasm). Software adapters are passed
 * over regardless (see webgpuRefusal); an explicit `--backend webgpu` is honoured either way.
 */
export const WEBGPU_IN_AUTO: boolean = true;

/** How long the adapter probe may take (Dawn start-up plus one or two adapter requests: about a second). */
const WEBGPU_PROBE_TIMEOUT_MS = 30_000;

interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor?: object): Promise<object>;
}

interface GpuLike {
  requestAdapter(options?: object): Promise<GpuAdapterLike | null>;
}

type WebgpuVia = 'native' | 'opengl';

/** Dawn instance flags and requestAdapter options of each way to an adapter, in the order they are tried. */
const WEBGPU_ATTEMPTS: Record<WebgpuVia, { flags: string[]; options: Record<string, string> }> = {
  native: { flags: [], options: { powerPreference: 'high-performance' } },
  opengl: { flags: ['backend=opengl'], options: { powerPreference: 'high-performance', featureLevel: 'compatibility' } },
};

/** A WebGPU adapter found by probeWebgpu. */
export interface WebgpuAdapter {
  /** Dawn backend that gave it: 'native' (Vulkan/Metal/D3D12) or 'opengl' (compatibility feature level). */
  via: WebgpuVia;
  info: GpuAdapterInfoLike;
  /** The CPU rasteriser's name (e.g. 'llvmpipe') when this is a software adapter, else null. */
  software: string | null;
  /** vendor / architecture / device / description, as one line. */
  label: string;
}

const SOFTWARE_ADAPTERS: readonly [RegExp, string][] = [
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/softpipe/i, 'softpipe'],
  [/swiftshader/i, 'SwiftShader'],
  [/microsoft basic render|\bwarp\b/i, 'WARP'],
  [/software/i, 'software renderer'],
];

/** The software rasteriser's name when `info` describes one (or Dawn marks the adapter as the fallback), else null. */
export function softwareAdapterName(info: GpuAdapterInfoLike): string | null {
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  for (const [re, name] of SOFTWARE_ADAPTERS) if (re.test(text)) return name;
  return info.isFallbackAdapter ? 'fallback adapter' : null;
}

function adapterLabel(info: GpuAdapterInfoLike): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].map((s) => (s ?? '').trim()).filter(Boolean);
  return parts.join(' / ') || 'unnamed adapter';
}

/** The file of an installed package's entry point; BackendUnavailable when it is not installed. */
function resolveOptional(pkg: string): string {
  try {
    return createRequire(import.meta.url).resolve(pkg);
  } catch {
    throw new BackendUnavailable(`${pkg} is not installed`);
  }
}

/** EGL_PLATFORM=surfaceless for Dawn's OpenGL backend on a Linux machine without a display (unless already set). */
function eglEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (process.platform !== 'linux' || env['EGL_PLATFORM'] || env['DISPLAY'] || env['WAYLAND_DISPLAY']) return env;
  return { ...env, EGL_PLATFORM: 'surfaceless' };
}

// The probe child: argv = [webgpu's file URL, the attempts as JSON, the software-name pattern]. Prints, as JSON, per
// attempt the adapter's info, null (no adapter) or an error; stops at the first hardware adapter.
const PROBE_SCRIPT = `
const [url, attemptsJson, softwareSource] = process.argv.slice(1);
const out = [];
try {
  const { create } = await import(url);
  const software = new RegExp(softwareSource, 'i');
  for (const a of JSON.parse(attemptsJson)) {
    try {
      const adapter = await create(a.flags).requestAdapter(a.options);
      if (!adapter) { out.push({ via: a.via, info: null }); continue; }
      const i = adapter.info || {};
      const info = { vendor: i.vendor || '', architecture: i.architecture || '', device: i.device || '', description: i.description || '',
        isFallbackAdapter: i.isFallbackAdapter === true || adapter.isFallbackAdapter === true };
      out.push({ via: a.via, info });
      if (!info.isFallbackAdapter && !software.test([info.vendor, info.architecture, info.device, info.description].join(' '))) break;
    } catch (e) { out.push({ via: a.via, error: String((e && e.message) || e).split('\\n')[0] }); }
  }
} catch (e) { out.push({ via: 'load', error: String((e && e.message) || e).split('\\n')[0] }); }
process.stdout.write(JSON.stringify(out) + '\\n');
process.exit(0);
`;

type ProbeLine = { via: WebgpuVia | 'load'; info?: GpuAdapterInfoLike | null; error?: string };

function probeAttempts(): { via: WebgpuVia; flags: string[]; options: Record<string, string> }[] {
  const vias: WebgpuVia[] = process.platform === 'linux' ? ['native', 'opengl'] : ['native'];
  return vias.map((via) => ({ via, ...WEBGPU_ATTEMPTS[via] }));
}

const isSoftwareInfo = (info: GpuAdapterInfoLike): boolean => softwareAdapterName(info) !== null;

function runProbeChild(webgpuFile: string): Promise<ProbeLine[]> {
  const pattern = SOFTWARE_ADAPTERS.map(([re]) => re.source).join('|');
  const args = ['--input-type=module', '-e', PROBE_SCRIPT, pathToFileURL(webgpuFile).href, JSON.stringify(probeAttempts()), pattern];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: eglEnv(process.env), timeout: WEBGPU_PROBE_TIMEOUT_MS, windowsHide: true }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (line.startsWith('[')) {
        try {
          resolve(JSON.parse(line) as ProbeLine[]);
          return;
        } catch {
          // fall through: report the failure below
        }
      }
      const why = err?.killed ? `timed out after ${WEBGPU_PROBE_TIMEOUT_MS / 1000} s` : err ? firstLine(stderr || err) : 'no answer';
      reject(new BackendUnavailable(`the WebGPU adapter probe failed: ${why}`));
    });
  });
}

/**
 * The same probe in this process: in Electron, whose executable (fuse runAsNode off) cannot run as a plain Node, and
 * whose stderr nobody reads.
 */
async function runProbeHere(): Promise<ProbeLine[]> {
  const out: ProbeLine[] = [];
  const webgpu = await importOptional('webgpu');
  const create = webgpu.create as ((flags: string[]) => GpuLike) | undefined;
  if (typeof create !== 'function') throw new BackendUnavailable('the webgpu package has no create()');
  const egl = eglEnv(process.env)['EGL_PLATFORM'];
  if (egl) process.env['EGL_PLATFORM'] = egl;
  for (const a of probeAttempts()) {
    try {
      const adapter = await create(a.flags).requestAdapter(a.options);
      if (!adapter) {
        out.push({ via: a.via, info: null });
        continue;
      }
      const i = adapter.info ?? {};
      const info: GpuAdapterInfoLike = {
        vendor: i.vendor ?? '',
        architecture: i.architecture ?? '',
        device: i.device ?? '',
        description: i.description ?? '',
        isFallbackAdapter: i.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
      };
      out.push({ via: a.via, info });
      if (!isSoftwareInfo(info)) break;
    } catch (e) {
      out.push({ via: a.via, error: firstLine(e) });
    }
  }
  return out;
}

let webgpuProbe: Promise<WebgpuAdapter> | null = null;

/**
 * The best WebGPU adapter (hardware before software), found once per process in a child process; throws
 * BackendUnavailable with a one-line reason (packages not installed, no adapter).
 */
export function probeWebgpu(): Promise<WebgpuAdapter> {
  webgpuProbe ??= probeWebgpuOnce();
  return webgpuProbe;
}

async function probeWebgpuOnce(): Promise<WebgpuAdapter> {
  const webgpuFile = resolveOptional('webgpu');
  resolveOptional('@tensorflow/tfjs-backend-webgpu');
  const lines = process.versions['electron'] ? await runProbeHere() : await runProbeChild(webgpuFile);
  const found = lines.flatMap((l) => {
    if (!l.info || l.via === 'load') return [];
    return [{ via: l.via, info: l.info, software: softwareAdapterName(l.info), label: adapterLabel(l.info) }];
  });
  const best = found.find((a) => !a.software) ?? found[0];
  if (best) return best;
  const load = lines.find((l) => l.via === 'load');
  if (load) throw new BackendUnavailable(`webgpu failed to load: ${load.error ?? 'unknown error'}`);
  const errors = lines.filter((l) => l.error).map((l) => `${l.via}: ${l.error}`);
  throw new BackendUnavailable(`no WebGPU adapter found${errors.length ? ` (${errors.join('; ')})` : ''}`);
}

/** The reason an adapter is not used (null: use it). */
export function webgpuRefusal(a: WebgpuAdapter, explicit: boolean): string | null {
  if (a.software) {
    if (explicit && process.env[WEBGPU_SOFTWARE_ENV] === '1') return null;
    const how = explicit ? `; set ${WEBGPU_SOFTWARE_ENV}=1 to use it anyway` : '';
    return `only a software WebGPU adapter (${a.software}): slower than wasm${how}`;
  }
  if (!explicit && !WEBGPU_IN_AUTO) {
    return `WebGPU adapter ${a.label}: not used by auto (WEBGPU_IN_AUTO is off); --backend webgpu uses it`;
  }
  return null;
}

/** The tfjs backend object's synchronous read, wrapped so that Node's missing OffscreenCanvas reads as one clear line. */
function patchReadSync(backend: object): void {
  const be = backend as { readSync(dataId: object): unknown };
  const readSync = be.readSync.bind(be);
  be.readSync = (dataId: object): unknown => {
    try {
      return readSync(dataId);
    } catch (e) {
      if (typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'undefined') {
        throw new Error('the webgpu backend cannot read GPU tensors synchronously in Node (dataSync/arraySync); use await data()', { cause: e });
      }
      throw e;
    }
  };
}

/** Open the probed adapter in this process and register the tfjs 'webgpu' backend on it (once). */
export async function registerWebgpu(a: WebgpuAdapter): Promise<void> {
  const webgpu = await importOptional('webgpu');
  const create = webgpu.create as ((flags: string[]) => GpuLike) | undefined;
  if (typeof create !== 'function') throw new BackendUnavailable('the webgpu package has no create()');
  // GPUBufferUsage, GPUMapMode, GPUShaderStage... which tfjs-backend-webgpu uses as globals; keep any existing ones.
  const globals = (webgpu.globals ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  if (a.via === 'opengl') {
    const egl = eglEnv(process.env)['EGL_PLATFORM'];
    if (egl) process.env['EGL_PLATFORM'] = egl;
  }
  const attempt = WEBGPU_ATTEMPTS[a.via];
  const gpu = create(attempt.flags);
  const adapter = await gpu.requestAdapter(attempt.options);
  if (!adapter) throw new BackendUnavailable(`the WebGPU adapter ${a.label} could not be opened`);
  // Node 21+ has a read-only global `navigator`: define `gpu` on it rather than replacing it. tfjs-backend-webgpu
  // checks navigator.gpu when it is imported.
  const g = globalThis as { navigator?: object };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  const mod = await importOptional('@tensorflow/tfjs-backend-webgpu');
  const WebGPUBackend = mod.WebGPUBackend as (new (device: object, info?: object) => tf.KernelBackend) | undefined;
  if (typeof WebGPUBackend !== 'function') throw new BackendUnavailable('@tensorflow/tfjs-backend-webgpu has no WebGPUBackend');
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f));
      const l = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: l['maxComputeWorkgroupStorageSize'],
          maxComputeWorkgroupsPerDimension: l['maxComputeWorkgroupsPerDimension'],
          maxStorageBufferBindingSize: l['maxStorageBufferBindingSize'],
          maxBufferSize: l['maxBufferSize'],
          maxComputeWorkgroupSizeX: l['maxComputeWorkgroupSizeX'],
          maxComputeInvocationsPerWorkgroup: l['maxComputeInvocationsPerWorkgroup'],
        },
      });
      const backend = new WebGPUBackend(device, adapter.info);
      patchReadSync(backend);
      return backend;
    },
    // Below cpu (1): tfjs never picks it on its own; selectBackend sets it explicitly.
    0,
  );
}


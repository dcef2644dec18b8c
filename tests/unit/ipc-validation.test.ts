// The IPC gate of the desktop app, driven through the same registerContract() that src/main/index.ts hands ipcMain:
// malformed invokes (unknown channels, foreign senders, wrong shapes and types, extra keys, huge or deep params,
// prototype-pollution keys) are each answered {error: {code: 'invalid'}} and never reach the core.
import { describe, expect, it, vi } from 'vitest';
import { pathToFileURL } from 'node:url';
import { CHANNEL_PREFIX, METHOD_NAMES, paramSchemas, type MethodName } from '../../src/shared/contract';
import { ValidationError } from '../../src/shared/errors';
import { describeZodError } from '../../src/shared/config';
import {
  MAX_DEPTH,
  MAX_PARAMS_BYTES,
  createDispatcher,
  registerContract,
  trustedUrlChecker,
  type InvokeEventLike,
  type Registrar,
} from '../../src/main/electron/ipc';

const RENDERER_DIR = '/opt/Ticketscope/resources/app.asar/out/renderer';
const RENDERER = pathToFileURL(RENDERER_DIR).href;
const PAGE = `${RENDERER}/index.html`;
const own: InvokeEventLike = { senderFrame: { url: PAGE, parent: null } };

type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

/** ipcMain stand-in; `core` validates like Core.call (schema first) and records what got through. */
function setup() {
  const handlers = new Map<string, Listener>();
  const registrar: Registrar = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const reached: { method: string; params: unknown }[] = [];
  const core = {
    call: vi.fn(async (method: unknown, params: unknown) => {
      const parsed = paramSchemas[method as MethodName].safeParse(params);
      if (!parsed.success) throw new ValidationError(describeZodError(String(method), parsed.error));
      reached.push({ method: String(method), params });
      return { ok: true };
    }),
  };
  const remove = registerContract(registrar, { getCore: () => core, isTrustedUrl: trustedUrlChecker(undefined, RENDERER_DIR) });
  const invoke = (method: string, event: InvokeEventLike, ...args: unknown[]) => {
    const h = handlers.get(`${CHANNEL_PREFIX}${method}`);
    if (!h) throw new Error(`no handler for ${method}`);
    return h(event, ...args) as Promise<{ result?: unknown; error?: { code: string; message: string } }>;
  };
  return { handlers, invoke, core, reached, remove };
}

describe('IPC registration', () => {
  it('registers exactly one prefixed channel per contract method, and removes them again', () => {
    const { handlers, remove } = setup();
    expect([...handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => `${CHANNEL_PREFIX}${m}`).sort());
    remove();
    expect(handlers.size).toBe(0);
  });

  it('passes well-formed calls through to the core', async () => {
    const { invoke, reached } = setup();
    await expect(invoke('getRun', own, { runId: 'r0a1b2c3d4e' })).resolves.toEqual({ result: { ok: true } });
    await expect(invoke('listRuns', own, {})).resolves.toEqual({ result: { ok: true } });
    await expect(invoke('exportSnapshot', own, { runId: 'r1', path: '/tmp/x/a.safetensors', which: 'mask', round: 2 })).resolves.toEqual({
      result: { ok: true },
    });
    await expect(invoke('importSnapshot', own, { path: 'C:\\Users\\me\\t.npz' })).resolves.toEqual({ result: { ok: true } });
    await expect(invoke('chooseSnapshotPath', own, { defaultName: 'r1-round2.safetensors' })).resolves.toEqual({ result: { ok: true } });
    expect(reached.map((r) => r.method)).toEqual(['getRun', 'listRuns', 'exportSnapshot', 'importSnapshot', 'chooseSnapshotPath']);
  });
});

describe('malformed invokes are rejected before the core', () => {
  const polluted = JSON.parse('{"runId":"r1","__proto__":{"polluted":true}}') as unknown;
  const nestedPolluted = JSON.parse('{"config":{"a":{"__proto__":{"x":1}}}}') as unknown;
  let deep: Record<string, unknown> = {};
  const deepRoot = deep;
  for (let i = 0; i < MAX_DEPTH + 5; i++) deep = deep.a = {} as Record<string, unknown>;
  const cyclic: Record<string, unknown> = {};
  cyclic.config = cyclic;

  const cases: [string, string, InvokeEventLike, unknown[]][] = [
    // wrong sender frames
    ['no sender frame', 'getRun', {}, [{ runId: 'r1' }]],
    ['null sender frame', 'getRun', { senderFrame: null }, [{ runId: 'r1' }]],
    ['a remote page', 'getRun', { senderFrame: { url: 'https://evil.example/', parent: null } }, [{ runId: 'r1' }]],
    ['another local file', 'getRun', { senderFrame: { url: 'file:///tmp/evil.html', parent: null } }, [{ runId: 'r1' }]],
    ['a sibling folder', 'getRun', { senderFrame: { url: `${RENDERER}-evil/index.html`, parent: null } }, [{ runId: 'r1' }]],
    ['a subframe of the app', 'getRun', { senderFrame: { url: PAGE, parent: {} } }, [{ runId: 'r1' }]],
    // wrong shapes and types
    ['two arguments', 'getRun', own, [{ runId: 'r1' }, { runId: 'r2' }]],
    ['params as a string', 'getRun', own, ['r1']],
    ['params as an array', 'getRun', own, [['r1']]],
    ['params as null', 'getRun', own, [null]],
    ['params as a number', 'getRun', own, [42]],
    ['a class instance', 'getRun', own, [new (class P { runId = 'r1' })()]],
    ['a wrong type', 'getRun', own, [{ runId: 42 }]],
    ['a missing field', 'getRun', own, [{}]],
    ['an extra key', 'getRun', own, [{ runId: 'r1', extra: 1 }]],
    ['an extra key on an empty method', 'listRuns', own, [{ all: true }]],
    ['a path-like run id', 'getRun', own, [{ runId: '../../etc/passwd' }]],
    ['a huge string', 'getRun', own, [{ runId: 'r'.repeat(MAX_PARAMS_BYTES + 10) }]],
    ['huge overrides', 'startRun', own, [{ preset: 'quick', overrides: Array.from({ length: 100 }, () => 'x'.repeat(11_000)) }]],
    ['a too deep object', 'startRun', own, [{ config: deepRoot }]],
    ['a cycle', 'startRun', own, [cyclic]],
    ['a symbol key', 'getRun', own, [{ runId: 'r1', [Symbol('s')]: 1 }]],
    ['a function value', 'startRun', own, [{ config: { f: () => 1 } }]],
    ['a bigint', 'startRun', own, [{ config: { n: 1n } }]],
    ['a Date', 'startRun', own, [{ config: { d: new Date(0) } }]],
    ['a typed array', 'startRun', own, [{ config: { t: new Uint8Array(4) } }]],
    // prototype pollution
    ['an own __proto__ key', 'getRun', own, [polluted]],
    ['a nested __proto__ key', 'startRun', own, [nestedPolluted]],
    ['a constructor key', 'startRun', own, [{ config: { constructor: { prototype: { x: 1 } } } }]],
    ['a prototype key', 'getRun', own, [{ runId: 'r1', prototype: {} }]],
    // snapshot paths
    ['a relative export path', 'exportSnapshot', own, [{ runId: 'r1', path: 'out.safetensors' }]],
    ['a NUL in the path', 'exportSnapshot', own, [{ runId: 'r1', path: '/tmp/a\u0000.safetensors' }]],
    ['a wrong extension', 'exportSnapshot', own, [{ runId: 'r1', path: '/home/me/.bashrc' }]],
    ['.. segments', 'exportSnapshot', own, [{ runId: 'r1', path: '/tmp/../etc/x.safetensors' }]],
    ['a format that contradicts the extension', 'exportSnapshot', own, [{ runId: 'r1', path: '/tmp/a.npz', format: 'safetensors' }]],
    ['an unknown which', 'exportSnapshot', own, [{ runId: 'r1', path: '/tmp/a.npz', which: 'weights' }]],
    ['a negative round', 'exportSnapshot', own, [{ runId: 'r1', path: '/tmp/a.npz', round: -1 }]],
    ['a fractional round', 'exportSnapshot', own, [{ runId: 'r1', path: '/tmp/a.npz', round: 1.5 }]],
    ['masksOnly as a string', 'exportSnapshot', own, [{ runId: 'r1', path: '/tmp/a.npz', masksOnly: 'yes' }]],
    ['a Windows stream', 'importSnapshot', own, [{ path: 'C:\\x\\a.npz:evil' }]],
    ['a device path', 'importSnapshot', own, [{ path: '\\\\?\\C:\\x\\a.npz' }]],
    ['a bare extension', 'importSnapshot', own, [{ path: '/tmp/.npz' }]],
    ['a path in a default name', 'chooseSnapshotPath', own, [{ defaultName: '../../x.safetensors' }]],
    ['an unknown dialog mode', 'chooseSnapshotPath', own, [{ mode: 'folder' }]],
  ];

  it.each(cases)('%s', async (_name, method, event, args) => {
    const { invoke, core } = setup();
    const reply = await invoke(method, event, ...args);
    expect(reply.error?.code).toBe('invalid');
    expect(reply.error?.message).not.toContain('\n');
    expect(reply.result).toBeUndefined();
    // Either the gate stopped it (core never called) or the core's schema did (nothing acted on).
    for (const r of core.call.mock.results) await expect(r.value).rejects.toBeInstanceOf(ValidationError);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('the gate itself (before any schema) stops foreign senders, bad shapes and pollution', async () => {
    const { invoke, core } = setup();
    const gateOnly: [InvokeEventLike, unknown[]][] = [
      [{ senderFrame: { url: 'https://evil.example/', parent: null } }, [{ runId: 'r1' }]],
      [{ senderFrame: { url: PAGE, parent: {} } }, [{ runId: 'r1' }]],
      [own, [{ runId: 'r1' }, {}]],
      [own, [{ runId: 'r1' }, '../r2']],
      [own, [{ runId: 'r1' }, 'a1', 'a2']],
      [own, ['r1']],
      [own, [polluted]],
      [own, [{ runId: 'r'.repeat(MAX_PARAMS_BYTES + 10) }]],
      [own, [cyclic]],
    ];
    const gateOnlyStart: [InvokeEventLike, unknown[]][] = [
      [own, [{ config: deepRoot }]],
      [own, [nestedPolluted]],
      [own, [{ config: { f: () => 1 } }]],
      [own, [{ config: { d: new Date(0) } }]],
      [own, [{ config: { constructor: { prototype: { x: 1 } } } }]],
    ];
    for (const [event, args] of gateOnlyStart) expect((await invoke('startRun', event, ...args)).error?.code).toBe('invalid');
    for (const [event, args] of gateOnly) expect((await invoke('getRun', event, ...args)).error?.code).toBe('invalid');
    expect(core.call).not.toHaveBeenCalled();
  });

  it('passes a request id to the core as the window\'s own, for cancelRequest and progress', async () => {
    const { invoke, core } = setup();
    expect((await invoke('getRun', own, { runId: 'r1' }, 'a1-7')).result).toEqual({ ok: true });
    expect(core.call).toHaveBeenLastCalledWith('getRun', { runId: 'r1' }, { client: 'window', requestId: 'a1-7' });
    await invoke('getRun', own, { runId: 'r1' });
    expect(core.call).toHaveBeenLastCalledWith('getRun', { runId: 'r1' }, { client: 'window' });
  });

  it('unknown, inherited and foreign channel names are refused', async () => {
    const core = { call: vi.fn(async () => 'reached') };
    const dispatch = createDispatcher({ getCore: () => core, isTrustedUrl: trustedUrlChecker(undefined, RENDERER_DIR) });
    for (const channel of [
      `${CHANNEL_PREFIX}__proto__`,
      `${CHANNEL_PREFIX}constructor`,
      `${CHANNEL_PREFIX}toString`,
      `${CHANNEL_PREFIX}call`,
      `${CHANNEL_PREFIX}handlers`,
      `${CHANNEL_PREFIX}`,
      'getRun',
      'other:getRun',
      `${CHANNEL_PREFIX}getRun `,
      `${CHANNEL_PREFIX}GETRUN`,
      42 as unknown as string,
    ]) {
      expect(await dispatch(channel, own, [{}])).toMatchObject({ error: { code: 'invalid' } });
    }
    expect(core.call).not.toHaveBeenCalled();
  });

  it('answers "no database is open" while the core is switched, without throwing', async () => {
    const dispatch = createDispatcher({ getCore: () => null, isTrustedUrl: () => true });
    expect(await dispatch(`${CHANNEL_PREFIX}listRuns`, own, [{}])).toEqual({ error: { code: 'internal', message: 'no database is open' } });
  });

  it('maps core errors to wire codes with one-line messages', async () => {
    const dispatch = createDispatcher({
      getCore: () => ({
        call: async () => {
          throw new Error('disk full\nstack here');
        },
      }),
      isTrustedUrl: () => true,
    });
    expect(await dispatch(`${CHANNEL_PREFIX}listRuns`, own, [{}])).toEqual({ error: { code: 'internal', message: 'disk full' } });
  });
});

describe('trusted sender URLs', () => {
  it('in development: the dev server origin only', () => {
    const ok = trustedUrlChecker('http://localhost:5173/', RENDERER_DIR);
    expect(ok('http://localhost:5173/index.html')).toBe(true);
    expect(ok('http://localhost:5174/')).toBe(false);
    expect(ok('http://localhost:5173.evil.example/')).toBe(false);
    expect(ok(PAGE)).toBe(false);
    expect(ok('not a url')).toBe(false);
  });

  it('packaged: files inside the renderer folder only', () => {
    const ok = trustedUrlChecker(undefined, RENDERER_DIR);
    expect(ok(PAGE)).toBe(true);
    expect(ok(`${PAGE}#/runs/r1`)).toBe(true);
    expect(ok(`${PAGE}?x=1`)).toBe(true);
    expect(ok(`${RENDERER}/../evil.html`)).toBe(false);
    expect(ok(`${RENDERER}/%2e%2e/evil.html`)).toBe(false);
    expect(ok(`${RENDERER}x/index.html`)).toBe(false);
    expect(ok(RENDERER)).toBe(false);
    expect(ok('file:///etc/passwd')).toBe(false);
    expect(ok(`https://x${RENDERER_DIR}/index.html`)).toBe(false);
    expect(ok('file://evil-host/opt/x')).toBe(false);
  });

  it('packaged: however the install folder is spelt in the URL (spaces, non-ASCII)', () => {
    const dir = '/home/zoë/My Apps/Ticketscope/resources/app.asar/out/renderer';
    const ok = trustedUrlChecker(undefined, dir);
    expect(ok(pathToFileURL(`${dir}/index.html`).href)).toBe(true);
    expect(ok('file:///home/zo%C3%AB/My%20Apps/Ticketscope/resources/app.asar/out/renderer/index.html')).toBe(true);
    expect(ok('file:///home/zo%C3%AB/My%20Apps/Ticketscope/resources/app.asar/out/evil.html')).toBe(false);
  });
});

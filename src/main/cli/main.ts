// `ticketscope`: the CLI over the same core as the app. Exit 0 on success, 2 for bad usage or invalid input, 1 for a
// runtime failure; errors are one line on stderr. With --json, stdout carries exactly one JSON object.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Core, APP_VERSION } from '../core/service';
import { appRoot, builtPaths, defaultDataDir, defaultDbPath } from '../core/paths';
import { forkWorker } from '../worker/host';
import { serve } from '../server/serve';
import { allowHostProblem, isLoopback, resolveToken } from '../server/access';
import { exportSnapshot, importSnapshot } from '../core/snapshots';
import { loadPresets, resolveRunConfig } from '../core/presets';
import { preflight } from '../core/preflight';
import { targetProblem } from '../atomic-file';
import { NotFoundError, ValidationError, oneLine } from '../../shared/errors';
import type { RunSummary } from '../../shared/contract';
import { USAGE, parseArgs, single, type ParsedArgs } from './args';
import { cmdData } from './data';
import { cmdAnalyze } from './analyze';
import { ProgressPrinter, formatEta } from './progress';
import { parseShard, seedsOfShard } from '../core/shards';
import { cmdMerge, cmdSweep } from './sweep';
import { readConfigFile } from './config-file';

class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

const dataDirOf = (args: ParsedArgs) => resolve(args.global.dataDir ?? defaultDataDir());

function openCore(args: ParsedArgs, transport: 'ipc' | 'websocket' = 'ipc'): Core {
  const paths = builtPaths();
  return new Core({
    dbPath: resolve(args.global.db ?? defaultDbPath()),
    dataDir: dataDirOf(args),
    backend: args.global.backend,
    presetsDir: paths.presets,
    spawnWorker: forkWorker(paths.worker),
    transport,
    watchExternalMs: transport === 'websocket' ? 1000 : undefined,
  });
}

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(2)}%`);

async function cmdRun(args: ParsedArgs): Promise<void> {
  const preset = single(args.options, '--preset');
  const sets = args.options.get('--set') ?? [];
  if (preset !== undefined && args.positional.length) throw new ValidationError('give a CONFIG.json or --preset, not both');
  if (preset === undefined && args.positional.length !== 1) throw new ValidationError('run needs CONFIG.json or --preset NAME');
  const shardArg = single(args.options, '--shard');
  const shard = shardArg === undefined ? undefined : parseShard(shardArg);
  const params = {
    ...(preset !== undefined ? { preset, overrides: sets } : { config: readConfigFile(args.positional[0]!), overrides: sets }),
    ...(shard ? { shard } : {}),
  };
  // Refuse a run that cannot start (bad config, data set not installed, backend missing, an empty shard) before the
  // database is even opened: nothing is created or stored. The core checks the same again for every other transport.
  const config = resolveRunConfig(loadPresets(builtPaths().presets), params);
  if (shard) seedsOfShard(config.seeds, shard);
  preflight(config, args.global.backend, dataDirOf(args));
  const core = openCore(args);
  try {
    const started = (await core.call('startRun', params)) as { experimentId: string; runIds: string[] };
    await watchRuns(core, args, started.experimentId, started.runIds);
  } finally {
    await core.close();
  }
}

/**
 * Prints progress (with ETA) of the given runs on stderr until each is done, failed or cancelled, then the result:
 * one JSON object with --json, a line per run otherwise. Ctrl+C cancels them (exit 130); a failed run exits 1.
 */
async function watchRuns(core: Core, args: ParsedArgs, experimentId: string, runIds: string[]): Promise<void> {
  const printer = new ProgressPrinter(process.stderr);
  const valAcc = new Map<string, number>();
  const mine = new Set(runIds);
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    printer.message('interrupted: cancelling runs...');
    for (const id of runIds) void core.call('cancelRun', { runId: id }).catch(() => undefined);
  };
  process.once('SIGINT', onSigint);
  const unsubscribe = core.subscribe((event, payload) => {
    if (event === 'metrics') {
      const p = payload as { runId: string; points: { split: string; accuracy: number }[] };
      const v = p.points.find((x) => x.split === 'validation') ?? p.points.find((x) => x.split === 'test');
      if (v && mine.has(p.runId)) valAcc.set(p.runId, v.accuracy);
    } else if (event === 'runUpdate') {
      const s = payload as RunSummary;
      if (mine.has(s.runId) && s.status === 'running') printer.update(s, valAcc.get(s.runId) ?? null);
    } else if (event === 'backend') {
      const b = payload as { name: string; reason: string; skipped: { name: string; reason: string }[] };
      const skipped = b.skipped.map((x) => `${x.name}: ${x.reason}`).join('; ');
      printer.message(`backend: ${b.name} (${b.reason})${skipped ? ` — skipped ${skipped}` : ''}`);
    }
  });
  try {
    printer.message(`experiment ${experimentId}: ${runIds.length} run(s) ${runIds.join(', ')}`);
    const finals = await Promise.all(runIds.map((id) => core.waitForRun(id)));
    const runs = runIds.map((id) => core.repo.getRun(id));
    if (args.global.json) {
      process.stdout.write(
        `${JSON.stringify({
          experimentId,
          runs: runs.map((r) => ({
            runId: r.runId,
            seed: r.seed,
            kind: r.kind,
            parentRunId: r.parentRunId,
            status: r.status,
            backend: r.backend,
            testAccuracy: r.rounds.length ? r.rounds[r.rounds.length - 1]!.testAccuracy : null,
            warnings: r.warnings,
            rounds: r.rounds.map((x) => ({
              round: x.round,
              density: x.density,
              testAccuracy: x.testAccuracy,
              earlyStopIteration: x.earlyStopIteration,
              finalTestAccuracy: x.finalTestAccuracy,
            })),
          })),
        })}\n`,
      );
    } else {
      for (const r of runs) {
        for (const x of r.rounds) {
          printer.message(
            `${r.runId} seed ${r.seed} ${r.kind} round ${x.round}: ${(x.density * 100).toFixed(2)}% of weights remaining, test accuracy ${pct(x.testAccuracy)} at early stop (iteration ${x.earlyStopIteration}), final ${pct(x.finalTestAccuracy)}`,
          );
        }
        if (r.status !== 'done') printer.message(`${r.runId} ${r.kind} ${r.status}${r.error ? `: ${r.error}` : ''}`);
        for (const w of r.warnings) printer.message(`warning: ${r.runId}: ${w}`);
      }
    }
    const failed = finals.find((f) => f.status === 'failed');
    if (interrupted) throw new ExitError('interrupted', 130);
    if (failed) throw new ExitError(`run ${failed.runId} failed: ${failed.error ?? 'unknown error'}`, 1);
    const cancelled = finals.find((f) => f.status === 'cancelled');
    if (cancelled) throw new ExitError(`run ${cancelled.runId} was cancelled`, 1);
  } finally {
    unsubscribe();
    process.off('SIGINT', onSigint);
  }
}

async function cmdResume(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 1) throw new ValidationError('resume needs exactly one RUN id');
  const core = openCore(args);
  try {
    const { runIds } = (await core.call('resumeRun', { runId: args.positional[0] })) as { runIds: string[] };
    const experimentId = core.repo.getSummary(runIds[0]!).experimentId;
    await watchRuns(core, args, experimentId, runIds);
  } finally {
    await core.close();
  }
}

async function cmdExport(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 1) throw new ValidationError('export needs exactly one state: RUN[:ROUND][:WHICH]');
  const out = single(args.options, '--out');
  if (!out) throw new ValidationError('export needs --out FILE');
  const format = single(args.options, '--format');
  if (format !== undefined && format !== 'safetensors' && format !== 'npz') throw new ValidationError(`--format ${format}: expected safetensors or npz`);
  const problem = targetProblem(resolve(out));
  if (problem) throw new ValidationError(`export --out ${out}: ${problem}`);
  const core = openCore(args);
  try {
    const r = exportSnapshot(core, args.positional[0]!, out, { ...(format ? { format } : {}), ...(args.options.has('--masks-only') ? { masksOnly: true } : {}) });
    if (args.global.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else process.stdout.write(`wrote ${r.path} (${r.format}, ${r.bytes} bytes): run ${r.runId} round ${r.round} ${r.which}, ${(r.density * 100).toFixed(2)}% of weights remaining\n`);
  } finally {
    await core.close();
  }
}

async function cmdImport(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 1) throw new ValidationError('import needs exactly one FILE');
  const core = openCore(args);
  try {
    const r = importSnapshot(core, args.positional[0]!);
    if (args.global.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else process.stdout.write(`imported as run ${r.runId} (round ${r.round}, ${(r.density * 100).toFixed(2)}% of weights remaining${r.withWeights ? ', with weights' : ', masks only'})\n`);
  } finally {
    await core.close();
  }
}

async function cmdList(args: ParsedArgs): Promise<void> {
  if (args.positional.length) throw new ValidationError(`list takes no arguments (got ${args.positional[0]})`);
  const core = openCore(args);
  try {
    const runs = core.repo.listRuns();
    if (args.global.json) {
      process.stdout.write(`${JSON.stringify({ runs })}\n`);
      return;
    }
    if (!runs.length) {
      process.stdout.write('no runs yet: try `ticketscope run --preset quick`\n');
      return;
    }
    const rows = runs.map((r) => [r.runId, r.experimentName, r.dataset, r.arch, r.kind, String(r.seed), r.status, pct(r.testAccuracy), r.createdAt.slice(0, 19).replace('T', ' ')]);
    const head = ['RUN', 'EXPERIMENT', 'DATASET', 'ARCH', 'KIND', 'SEED', 'STATUS', 'TEST ACC', 'CREATED'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [head, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  } finally {
    await core.close();
  }
}

async function cmdShow(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 1) throw new ValidationError('show needs exactly one RUN id');
  const core = openCore(args);
  try {
    const run = (await core.call('getRun', { runId: args.positional[0] })) as ReturnType<Core['repo']['getRun']>;
    if (args.global.json) {
      process.stdout.write(`${JSON.stringify(run)}\n`);
      return;
    }
    const lines = [
      `run ${run.runId} (${run.kind}, seed ${run.seed}) of experiment ${run.experimentName} [${run.experimentId}]`,
      `status ${run.status}${run.error ? `: ${run.error}` : ''}; iteration ${run.iteration}/${run.iterations}; backend ${run.backend ?? '-'}`,
      `data ${run.config.dataset}; arch ${run.config.arch}; ${run.config.optimizer.name} lr ${run.config.optimizer.lr}, batch ${run.config.batchSize}`,
      ...run.rounds.map(
        (r) => `round ${r.round}: ${(r.density * 100).toFixed(1)}% of weights remaining, test accuracy ${pct(r.testAccuracy)} at iteration ${r.earlyStopIteration} (final ${pct(r.finalTestAccuracy)})`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await core.close();
  }
}

async function cmdServe(args: ParsedArgs): Promise<void> {
  if (args.positional.length) throw new ValidationError(`serve takes no arguments (got ${args.positional[0]})`);
  const host = single(args.options, '--host') ?? '127.0.0.1';
  const portText = single(args.options, '--port') ?? '0';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw new ValidationError(`--port ${portText}: expected 0..65535`);
  const allowHosts = args.options.get('--allow-host') ?? [];
  for (const h of allowHosts) {
    const problem = allowHostProblem(h);
    if (problem) throw new ValidationError(problem);
  }
  const given = single(args.options, '--token');
  const token = resolveToken({ host, ...(given !== undefined ? { token: given } : {}), noToken: args.options.has('--no-token') });
  const core = openCore(args, 'websocket');
  let served;
  try {
    served = await serve(core, { host, port, rendererDir: builtPaths().renderer, token, allowHosts });
  } catch (err) {
    await core.close();
    throw err;
  }
  process.stdout.write(`${served.url}\n`);
  if (token === null) {
    process.stderr.write('warning: --no-token: any program or user on this machine can use this server (read the database, start runs)\n');
  }
  for (const u of served.otherUrls) process.stderr.write(`also at ${u}\n`);
  if (!isLoopback(host)) process.stderr.write(`accepted host names: ${served.allowedHosts.join(', ')} (add more with --allow-host)\n`);
  process.stderr.write(`serving ${core.db.name} (press Ctrl+C to stop)\n`);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await served.close();
  await core.close();
}

/** `ticketscope bench`: the benchmark of `npm run bench` (bench/run.mjs), which lives in the source checkout. */
function cmdBench(args: ParsedArgs): number {
  const runner = join(appRoot(), 'bench', 'run.mjs');
  if (!existsSync(runner)) throw new ExitError('bench needs the source checkout (bench/run.mjs is not part of the installed app): run it from a clone with `npx ticketscope bench`', 1);
  const extra = args.global.backend !== 'auto' && !args.positional.some((a) => a.startsWith('--backends')) ? ['--backends', args.global.backend] : [];
  const r = spawnSync(process.execPath, [runner, ...args.positional, ...extra], { cwd: appRoot(), stdio: 'inherit' });
  if (r.error) throw new ExitError(`bench could not start: ${oneLine(r.error)}`, 1);
  return r.status ?? 1;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      case 'version':
        process.stdout.write(`${APP_VERSION}\n`);
        return 0;
      case 'run':
        await cmdRun(args);
        return 0;
      case 'list':
        await cmdList(args);
        return 0;
      case 'show':
        await cmdShow(args);
        return 0;
      case 'serve':
        await cmdServe(args);
        return 0;
      case 'resume':
        await cmdResume(args);
        return 0;
      case 'export':
        await cmdExport(args);
        return 0;
      case 'import':
        await cmdImport(args);
        return 0;
      case 'data':
        await cmdData(args);
        return 0;
      case 'bench':
        return cmdBench(args);
      case 'sweep':
        cmdSweep(args);
        return 0;
      case 'merge':
        cmdMerge(args);
        return 0;
      case 'analyze': {
        const core = openCore(args);
        try {
          await cmdAnalyze(args, core);
        } finally {
          await core.close();
        }
        return 0;
      }
    }
  } catch (err) {
    const code = err instanceof ExitError ? err.code : err instanceof ValidationError || err instanceof NotFoundError ? 2 : 1;
    process.stderr.write(`ticketscope: ${oneLine(err)}\n`);
    return code;
  }
}

export { formatEta };

// `ticketscope`: the CLI over the same core as the app, through the same typed client (session.ts). Exit 0 on
// success, 2 for bad usage or invalid input, 1 for a runtime failure; errors are one line on stderr. With --json,
// stdout carries exactly one JSON object. `ticketscope --help` and `ticketscope COMMAND --help` list the options.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { snapshotPathProblem } from '../../shared/contract';
import { accuracyLabel } from '../../shared/objective';
import { NotFoundError, ValidationError, oneLine } from '../../shared/errors';
import { APP_VERSION } from '../core/version';
import { appRoot, builtPaths } from '../core/paths';
import { parseStateRef } from '../../shared/refs';
import { serve } from '../server/serve';
import { allowHostProblem, isLoopback, resolveToken } from '../server/access';
import { targetProblem } from '../atomic-file';
import { flag, int, list, parseArgs, text, type ParsedArgs } from './args';
import { BENCH_OPTIONS } from './bench-options';
import { cmdAnalyze } from './analyze';
import { cmdData } from './data';
import { ExitError } from './errors';
import { pct, table } from './format';
import { helpText } from './help';
import { cmdPresets } from './presets';
import { cmdReport } from './report';
import { cmdResume, cmdRun } from './run';
import { cmdMerge, cmdSweep } from './sweep';
import { openSession, withSession } from './session';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const printJson = (value: unknown) => print(JSON.stringify(value));

function noArguments(args: ParsedArgs): void {
  if (args.positional.length) throw new ValidationError(`${args.command} takes no arguments (got ${args.positional[0]})`);
}

async function cmdExport(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 1) throw new ValidationError('export needs exactly one state: RUN[:ROUND][:WHICH]');
  const out = text(args, 'out');
  if (!out) throw new ValidationError('export needs --out FILE');
  const path = resolve(out);
  // A target that cannot be written, or a state that cannot be named, fails before the database is opened.
  const problem = targetProblem(path) ?? snapshotPathProblem(path);
  if (problem) throw new ValidationError(`export --out ${out}: ${problem}`);
  const ref = parseStateRef(args.positional[0]!);
  const format = text(args, 'format') as 'safetensors' | 'npz' | undefined;
  const r = await withSession(args, ({ api }) =>
    api.exportSnapshot({ runId: ref.runId, ...(ref.round !== undefined ? { round: ref.round } : {}), which: ref.which, path, ...(format ? { format } : {}), ...(flag(args, 'masks-only') ? { masksOnly: true } : {}) }),
  );
  if (args.global.json) printJson(r);
  else print(`wrote ${r.path} (${r.format}, ${r.bytes} bytes): run ${r.runId} round ${r.round} ${r.which}, ${pct(r.density)} of weights remaining`);
}

async function cmdImport(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 1) throw new ValidationError('import needs exactly one FILE');
  const r = await withSession(args, ({ api }) => api.importSnapshot({ path: resolve(args.positional[0]!) }));
  if (args.global.json) printJson(r);
  else print(`imported as run ${r.runId} (round ${r.round}, ${pct(r.density)} of weights remaining${r.withWeights ? ', with weights' : ', masks only'})`);
}

async function cmdList(args: ParsedArgs): Promise<void> {
  noArguments(args);
  const runs = await withSession(args, ({ api }) => api.listRuns({}));
  if (args.global.json) printJson({ runs });
  else if (!runs.length) print('no runs yet: try `ticketscope run --preset quick`');
  else {
    const rows = runs.map((r) => [r.runId, r.experimentName, r.dataset, r.arch, r.objective ? `${r.kind} ${r.objective.className}-vs-rest*` : r.kind, String(r.seed), r.status, pct(r.testAccuracy), r.createdAt.slice(0, 19).replace('T', ' ')]);
    print(table(['RUN', 'EXPERIMENT', 'DATASET', 'ARCH', 'KIND', 'SEED', 'STATUS', 'TEST ACC', 'CREATED'], rows));
    if (runs.some((r) => r.objective)) print('* class-specific supermask: TEST ACC is the balanced accuracy of the class against the rest (chance 50%)');
  }
}

async function cmdShow(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 1) throw new ValidationError('show needs exactly one RUN id');
  const run = await withSession(args, ({ api }) => api.getRun({ runId: args.positional[0]! }));
  if (args.global.json) {
    printJson(run);
    return;
  }
  print(
    [
      `run ${run.runId} (${run.kind}, seed ${run.seed}) of experiment ${run.experimentName} [${run.experimentId}]`,
      `status ${run.status}${run.error ? `: ${run.error}` : ''}; iteration ${run.iteration}/${run.iterations}; backend ${run.backend ?? '-'}`,
      `data ${run.config.dataset}; arch ${run.config.arch}; ${run.config.optimizer.name} lr ${run.config.optimizer.lr}, batch ${run.config.batchSize}`,
      ...run.rounds.map(
        (r) => `round ${r.round}: ${(r.density * 100).toFixed(1)}% of weights remaining, test ${accuracyLabel(run.objective)} ${pct(r.testAccuracy)} at iteration ${r.earlyStopIteration} (final ${pct(r.finalTestAccuracy)})`,
      ),
      ...(run.objective ? [`objective: one-vs-rest for class ${run.objective.className} (${run.objective.class}); accuracy figures are balanced accuracies of "class logit > 0" (chance 50%)`] : []),
    ].join('\n'),
  );
}

async function cmdServe(args: ParsedArgs): Promise<void> {
  noArguments(args);
  const host = text(args, 'host') ?? '127.0.0.1';
  const port = int(args, 'port') ?? 0;
  const allowHosts = list(args, 'allow-host');
  for (const h of allowHosts) {
    const problem = allowHostProblem(h);
    if (problem) throw new ValidationError(problem);
  }
  const given = text(args, 'token');
  const token = resolveToken({ host, ...(given !== undefined ? { token: given } : {}), noToken: flag(args, 'no-token') });
  const session = openSession(args, 'websocket');
  let served;
  try {
    served = await serve(session.core, { host, port, rendererDir: builtPaths().renderer, token, allowHosts });
  } catch (err) {
    await session.close();
    throw err;
  }
  print(served.url);
  if (token === null) {
    process.stderr.write('warning: --no-token: any program or user on this machine can use this server (read the database, start runs)\n');
  }
  for (const u of served.otherUrls) process.stderr.write(`also at ${u}\n`);
  if (!isLoopback(host)) process.stderr.write(`accepted host names: ${served.allowedHosts.join(', ')} (add more with --allow-host)\n`);
  process.stderr.write(`serving ${(await session.api.getInfo({})).dbPath} (press Ctrl+C to stop)\n`);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await served.close();
  await session.close();
}

/** `ticketscope bench`: the benchmark of `npm run bench` (bench/run.mjs), which lives in the source checkout. */
function cmdBench(args: ParsedArgs): number {
  noArguments(args);
  const runner = join(appRoot(), 'bench', 'run.mjs');
  if (!existsSync(runner)) throw new ExitError('bench needs the source checkout (bench/run.mjs is not part of the installed app): run it from a clone with `npx ticketscope bench`', 1);
  // The options were checked against the benchmark's own table; they travel as given.
  const pass = Object.entries(BENCH_OPTIONS).flatMap(([name, o]) => {
    const v = args.values.get(name);
    if (v === undefined) return [];
    return o.kind === 'flag' ? [`--${name}`] : [`--${name}`, String(v)];
  });
  if (args.global.backend !== 'auto' && !args.values.has('backends')) pass.push('--backends', args.global.backend);
  const r = spawnSync(process.execPath, [runner, ...pass], { cwd: appRoot(), stdio: 'inherit' });
  if (r.error) throw new ExitError(`bench could not start: ${oneLine(r.error)}`, 1);
  return r.status ?? 1;
}

/** Each command's handler; the exit status is 0 unless it returns another or throws. */
const COMMAND_HANDLERS: Record<ParsedArgs['command'], (args: ParsedArgs) => Promise<number | void> | number | void> = {
  help: (args) => print(helpText(args.topic)),
  version: () => print(APP_VERSION),
  bench: cmdBench,
  run: cmdRun,
  sweep: cmdSweep,
  merge: cmdMerge,
  resume: cmdResume,
  presets: (args) => {
    noArguments(args);
    cmdPresets(args);
  },
  list: cmdList,
  show: cmdShow,
  export: cmdExport,
  import: cmdImport,
  analyze: cmdAnalyze,
  report: cmdReport,
  data: cmdData,
  serve: cmdServe,
};

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    return (await COMMAND_HANDLERS[args.command](args)) ?? 0;
  } catch (err) {
    const code = err instanceof ExitError ? err.code : err instanceof ValidationError || err instanceof NotFoundError ? 2 : 1;
    process.stderr.write(`ticketscope: ${oneLine(err)}\n`);
    return code;
  }
}

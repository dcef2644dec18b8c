// `ticketscope run` and `ticketscope resume`: start (or continue) an experiment's runs through the contract and
// watch them to the end. Without --json, stdout has a line per finished round and a table at the end; with --json,
// one object. Progress goes to stderr (progress.ts). Ctrl+C cancels the runs (exit 130); a failed run exits 1.
import { accuracyLabel } from '../../shared/objective';
import { readFileSync } from 'node:fs';
import type { Api, RunDetail, RunSummary } from '../../shared/contract';
import { ValidationError, oneLine } from '../../shared/errors';
import { builtPaths } from '../core/paths';
import { preflight, preflightBackend } from '../core/preflight';
import { loadPresets, resolveRunConfig } from '../core/presets';
import { list, text, type ParsedArgs } from './args';
import { ExitError } from './errors';
import { pct, table } from './format';
import { RunProgress, runLabel } from './progress';
import { dataDirOf, withSession } from './session';
import { parseShard, seedsOfShard } from '../core/shards';

const TERMINAL: readonly RunSummary['status'][] = ['done', 'failed', 'cancelled'];

export function readConfigFile(path: string): unknown {
  let body: string;
  try {
    body = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(`cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? oneLine(err)}`);
  }
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new ValidationError(`config ${path} is not valid JSON: ${oneLine(err)}`);
  }
}

export async function cmdRun(args: ParsedArgs): Promise<void> {
  const preset = text(args, 'preset');
  const overrides = list(args, 'set');
  if (preset !== undefined && args.positional.length) throw new ValidationError('give a CONFIG.json or --preset, not both');
  if (preset === undefined && args.positional.length !== 1) throw new ValidationError('run needs CONFIG.json or --preset NAME (ticketscope run --help)');
  const shardText = text(args, 'shard');
  const shard = shardText === undefined ? undefined : parseShard(shardText);
  const params = { ...(preset !== undefined ? { preset, overrides } : { config: readConfigFile(args.positional[0]!), overrides }), ...(shard ? { shard } : {}) };
  // Refuse a run that cannot start (bad config, data set not installed, backend missing, an empty shard) before the
  // database is even opened: nothing is created or stored. startRun checks the same again, as it does for every
  // transport.
  const config = resolveRunConfig(loadPresets(builtPaths().presets), params);
  if (shard) seedsOfShard(config.seeds, shard);
  preflight(config, args.global.backend, dataDirOf(args));
  await preflightBackend(args.global.backend);
  await withSession(args, ({ api }) => watchRuns(api, args, async () => api.startRun(params)));
}

export async function cmdResume(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 1) throw new ValidationError('resume needs exactly one RUN id');
  const runId = args.positional[0]!;
  await preflightBackend(args.global.backend);
  await withSession(args, ({ api }) =>
    watchRuns(api, args, async () => {
      const { runIds } = await api.resumeRun({ runId });
      return { experimentId: (await api.getRun({ runId })).experimentId, runIds };
    }),
  );
}

/** The line for a finished round, e.g. `imp s0 round 2 (r1…): 64.00% of weights remaining, test accuracy …`. */
export function roundLine(run: RunDetail, round: RunDetail['rounds'][number]): string {
  return (
    `${runLabel(run)} round ${round.round} (${run.runId}): ${pct(round.density)} of weights remaining, ` +
    `test ${accuracyLabel(run.objective)} ${pct(round.testAccuracy)} at early stop (iteration ${round.earlyStopIteration}), final ${pct(round.finalTestAccuracy)}`
  );
}

/** Every run's rounds, one row each: what the experiment found. */
export function resultTable(runs: readonly RunDetail[]): string {
  const rows = runs.flatMap((r) =>
    r.rounds.length
      ? r.rounds.map((x) => [r.runId, r.kind, String(r.seed), String(x.round), pct(x.density), pct(x.testAccuracy), String(x.earlyStopIteration), pct(x.finalTestAccuracy), r.status])
      : [[r.runId, r.kind, String(r.seed), '-', '-', '-', '-', '-', r.status]],
  );
  const note = runs.some((r) => r.objective) ? `\nTEST ACC and FINAL ACC of a class-specific supermask: ${accuracyLabel(runs.find((r) => r.objective)!.objective)} (chance 50%)` : '';
  return table(['RUN', 'KIND', 'SEED', 'ROUND', 'REMAINING', 'TEST ACC', 'EARLY STOP', 'FINAL ACC', 'STATUS'], rows) + note;
}

function jsonResult(experimentId: string, runs: readonly RunDetail[]): string {
  return JSON.stringify({
    experimentId,
    runs: runs.map((r) => ({
      runId: r.runId,
      seed: r.seed,
      kind: r.kind,
      parentRunId: r.parentRunId,
      ...(r.objective ? { objective: r.objective } : {}),
      status: r.status,
      backend: r.backend,
      testAccuracy: r.rounds.length ? r.rounds[r.rounds.length - 1]!.testAccuracy : null,
      warnings: r.warnings,
      rounds: r.rounds.map(({ round, density, testAccuracy, earlyStopIteration, finalTestAccuracy }) => ({ round, density, testAccuracy, earlyStopIteration, finalTestAccuracy })),
    })),
  });
}

/**
 * Starts the runs (`start`), then follows them through the contract's events until each is done, failed or
 * cancelled, printing progress and each finished round; then the result. Subscribes before starting, so no event
 * of the new runs is missed.
 */
async function watchRuns(api: Api, args: ParsedArgs, start: () => Promise<{ experimentId: string; runIds: string[] }>): Promise<void> {
  const progress = new RunProgress(process.stderr, process.stdout);
  const latest = new Map<string, RunSummary>();
  const printed = new Map<string, number>();
  let mine = new Set<string>();
  let settle: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (settle = resolve));
  const check = () => mine.size > 0 && [...mine].every((id) => TERMINAL.includes(latest.get(id)?.status ?? 'queued')) && settle();
  let chain = Promise.resolve();
  /** Prints the rounds of `runId` committed since the last call, in order (calls are chained). */
  const printRounds = (runId: string) =>
    (chain = chain.then(async () => {
      const run = await api.getRun({ runId });
      for (const x of run.rounds.slice(printed.get(runId) ?? 0)) {
        progress.round(run, x.round);
        if (!args.global.json) progress.result(roundLine(run, x));
      }
      printed.set(runId, run.rounds.length);
    }));

  const offs = [
    api.on('runUpdate', (s) => {
      latest.set(s.runId, s);
      if (!mine.has(s.runId)) return;
      if (s.roundsDone > (printed.get(s.runId) ?? 0)) void printRounds(s.runId);
      progress.update(s);
      check();
    }),
    api.on('metrics', (m) => {
      const v = m.points.findLast((x) => x.split === 'validation');
      const run = latest.get(m.runId);
      if (v && run && mine.has(m.runId)) progress.validation(run, v.accuracy);
    }),
    api.on('backend', (b) => progress.backend(b)),
  ];
  let interrupted = false;
  const cancelMine = () => {
    for (const id of mine) void api.cancelRun({ runId: id }).catch(() => undefined);
  };
  const onSigint = () => {
    interrupted = true;
    progress.message('interrupted: cancelling runs...');
    cancelMine();
  };
  process.once('SIGINT', onSigint);
  try {
    const { experimentId, runIds } = await start();
    // No worker message can have been handled since the runs were queued (only microtasks ran): the updates they
    // sent say which rounds were committed before, and every later round is printed.
    for (const id of runIds) printed.set(id, latest.get(id)?.roundsDone ?? 0);
    mine = new Set(runIds);
    // Ctrl+C while the runs were being created: cancel them now that they are known.
    if (interrupted) cancelMine();
    for (const id of runIds) {
      const s = latest.get(id);
      if (s) progress.update(s);
    }
    progress.message(`experiment ${experimentId}: ${runIds.length} run(s) ${runIds.join(', ')}`);
    check();
    await allDone;
    await chain;
    progress.finish();
    const runs = await Promise.all(runIds.map((runId) => api.getRun({ runId })));
    if (args.global.json) process.stdout.write(`${jsonResult(experimentId, runs)}\n`);
    else {
      process.stdout.write(`${resultTable(runs)}\n`);
      for (const r of runs) {
        if (r.status !== 'done') process.stdout.write(`${r.runId} ${runLabel(r)} ${r.status}${r.error ? `: ${r.error}` : ''}\n`);
        for (const w of r.warnings) process.stdout.write(`warning: ${r.runId}: ${w}\n`);
      }
    }
    if (interrupted) throw new ExitError('interrupted', 130);
    const failed = runs.find((r) => r.status === 'failed');
    if (failed) throw new ExitError(`run ${failed.runId} failed: ${failed.error ?? 'unknown error'}`, 1);
    const cancelled = runs.find((r) => r.status === 'cancelled');
    if (cancelled) throw new ExitError(`run ${cancelled.runId} was cancelled`, 1);
  } finally {
    progress.finish();
    for (const off of offs) off();
    process.off('SIGINT', onSigint);
  }
}

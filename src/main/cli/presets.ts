// `ticketscope presets`: every preset, one line each, with its runs and rounds, an estimate of its training time on
// this machine (core/estimate.ts, which the Runs view's preset list shares) and the data set it needs when that is
// missing. Opens no database.
import { availableParallelism } from 'node:os';
import type { ExperimentConfig } from '../../shared/config';
import { listDatasets, type DatasetListing } from '../core/datasets';
import { BENCHMARK, ROUND_SECONDS, STARTUP_SECONDS, estimateBackend, estimateExperiment, evalExamples, runRoundsOf } from '../core/estimate';
import { builtPaths } from '../core/paths';
import { packageInstalled } from '../core/preflight';
import { loadPresets } from '../core/presets';
import type { ParsedArgs } from './args';
import { formatDuration, table } from './format';
import { dataDirOf } from './session';

/** What a config trains, in a few words: `lenet-300-100 on mnist, imp 15 rounds + reinit`. */
export function trains(c: ExperimentConfig): string {
  const m = c.method;
  const what =
    m.kind === 'imp' ? `imp ${m.rounds} rounds` : m.kind === 'prune-at-init' ? `${m.criterion} at init` : m.kind === 'supermask' ? `${m.algorithm} supermask${m.objective?.kind === 'one-vs-rest' ? ` for class ${m.objective.class} vs rest` : ''}` : m.kind;
  const controls = 'controls' in m && m.controls.length ? ` + ${m.controls.join(', ')}` : '';
  return `${c.arch} on ${c.dataset}, ${what}${controls}`;
}

export function cmdPresets(args: ParsedArgs): void {
  const presets = [...loadPresets(builtPaths().presets).values()];
  const dataDir = dataDirOf(args);
  const data = listDatasets(dataDir);
  const { backend, note } = estimateBackend(args.global.backend, packageInstalled);
  const workers = availableParallelism();
  const listed = presets.map((p) => {
    const c = p.config;
    const plan = runRoundsOf(c);
    const set = data.find((d) => d.name === c.dataset);
    const rates = backend === BENCHMARK.backend ? BENCHMARK.rates[c.arch] : undefined;
    const est = rates ? estimateExperiment(c, plan, rates, workers, evalExamples(c, dataDir)) : null;
    const missing = set && !set.present ? `ticketscope data fetch ${c.dataset}` : null;
    return { p, plan, est, missing };
  });
  if (args.global.json) {
    const presetsOut = listed.map(({ p, plan, est, missing }) => ({
      name: p.name,
      description: p.description,
      trains: trains(p.config),
      dataset: p.config.dataset,
      arch: p.config.arch,
      method: p.config.method.kind,
      runs: plan.length * p.config.seeds.length,
      rounds: est?.rounds ?? plan.reduce((a, r) => a + r.rounds, 0) * p.config.seeds.length,
      iterations: p.config.iterations,
      estimatedSeconds: est ? Math.round(est.seconds) : null,
      datasetPresent: missing === null,
      install: missing,
    }));
    process.stdout.write(`${JSON.stringify({ estimate: { backend, basis: note, source: BENCHMARK.source, workers }, presets: presetsOut })}\n`);
    return;
  }
  // What runs here first (data present), quickest first.
  const order = [...listed].sort((a, b) => Number(a.missing !== null) - Number(b.missing !== null) || (a.est?.seconds ?? Infinity) - (b.est?.seconds ?? Infinity));
  const rows = order.map(({ p, plan, est, missing }) => [
    p.name,
    trains(p.config),
    String(plan.length * p.config.seeds.length),
    String(plan.reduce((a, r) => a + r.rounds, 0) * p.config.seeds.length),
    p.config.iterations.toLocaleString('en-US'),
    est ? `~${formatDuration(est.seconds)}` : '-',
    missing ? `missing: ${missing}` : dataLabel(data, p.config.dataset),
  ]);
  const lines = [
    table(['PRESET', 'TRAINS', 'RUNS', 'ROUNDS', 'ITERATIONS/ROUND', 'EST. TIME', 'DATA'], rows),
    '',
    ...(backend === BENCHMARK.backend
      ? [
          `EST. TIME is an estimate for ${note}, ${workers} runs at once: per round, iterations x batch / training samples/s`,
          `plus evaluations / inference samples/s (${BENCHMARK.source}) plus ${ROUND_SECONDS} s, and ${STARTUP_SECONDS} s of start-up once.`,
          'Methods\' extra work per step (supermask scores) is left out; a busy or different machine differs (`ticketscope bench`).',
        ]
      : [`No estimate for ${note}: the benchmark figures here are for wasm (\`ticketscope bench --backends ${backend ?? 'cuda'}\` measures it).`]),
    'Run one: ticketscope run --preset NAME (shorten it with --set iterations=N).',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const dataLabel = (data: readonly DatasetListing[], name: string): string => (data.find((d) => d.name === name)?.kind === 'synthetic' ? 'generated' : 'installed');

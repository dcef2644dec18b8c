// Markdown tables for docs/results/ from stored runs, so that every figure there can be regenerated from the
// databases (read through the store's Repo, read-only):
//
//   node bench/run-ts.mjs bench/results-table.ts imp    --db FILE [--experiment ID]
//   node bench/run-ts.mjs bench/results-table.ts dense  --db FILE [--experiment ID]
//   node bench/run-ts.mjs bench/results-table.ts parity --db FILE --torch FILE.json [--torch FILE.json ...]
//                                                        [--at 1000,2000,5000,10000] [--experiment ID]
//
// imp: an IMP experiment with controls over several seeds: test accuracy at early stop and the early-stopping
//   iteration per round and run kind (mean ± sd and the 95% t-interval over seeds), the paired differences
//   ticket − control and ticket − dense per seed with their intervals, every seed's numbers, and the cap check.
// dense: a dense experiment over seeds (e.g. a preset's figure): the same statistics for its one round.
// parity: Ticketscope's curves against bench/parity.py's PyTorch curves of the same runs (test accuracy at the given
//   iterations and at early stop), per data order, with the difference of the means and the paired differences.
// Accuracies are printed in percent, differences in percentage points; intervals are two-sided 95% Student-t
// intervals over seeds (bench/results-table-stats.ts).
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ExperimentDetail, ExperimentRun, MetricPoint } from '../src/shared/contract';
import { Repo } from '../src/main/store/repo';
import { excludesZero, summarise, type Summary } from './results-table-stats';

function fail(msg: string): never {
  process.stderr.write(`results-table: ${msg}\n`);
  process.exit(2);
}

const [command, ...rest] = process.argv.slice(2);
const opts = new Map<string, string[]>();
for (let i = 0; i < rest.length; i += 2) {
  const k = rest[i]!;
  if (!k.startsWith('--') || rest[i + 1] === undefined) fail(`expected --option VALUE pairs, got ${k}`);
  opts.set(k, [...(opts.get(k) ?? []), rest[i + 1]!]);
}
const opt = (k: string) => opts.get(k)?.[0];

const dbPath = opt('--db') ?? fail('--db FILE is required');
let sqlite: Database.Database;
try {
  sqlite = new Database(dbPath, { readonly: true, fileMustExist: true });
} catch (err) {
  fail(`cannot open ${dbPath}: ${(err as Error).message}`);
}
const repo = new Repo(sqlite);

function experiment(): ExperimentDetail {
  const id = opt('--experiment');
  if (id) return repo.getExperiment(id);
  const all = repo.listExperiments();
  if (all.length !== 1) fail(`${dbPath} holds ${all.length} experiments: choose one with --experiment (${all.map((e) => `${e.experimentId} ${e.name}`).join(', ')})`);
  return repo.getExperiment(all[0]!.experimentId);
}

// ---- formatting -------------------------------------------------------------------------------------------------

const f = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
/** "mean ± sd [lo, hi]" of values scaled by `scale`. */
function cell(xs: readonly number[], scale = 100, digits = 2): string {
  if (!xs.length) return '—';
  const s = summarise(xs.map((x) => x * scale));
  if (s.n === 1) return f(s.mean, digits);
  return `${f(s.mean, digits)} ± ${f(s.sd, digits)} [${f(s.lo, digits)}, ${f(s.hi, digits)}]`;
}
function diffCell(xs: readonly number[], scale = 100, digits = 2): string {
  if (!xs.length) return '—';
  const s: Summary = summarise(xs.map((x) => x * scale));
  const sign = (x: number) => (x > 0 ? `+${f(x, digits)}` : f(x, digits));
  const mark = excludesZero(s) ? ' *' : '';
  return `${sign(s.mean)} [${sign(s.lo)}, ${sign(s.hi)}]${mark}`;
}
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const int = (x: number) => Math.round(x).toLocaleString('en-US');

// ---- IMP ----------------------------------------------------------------------------------------------------------

const CONTROLS = ['reinit', 'random-prune', 'shuffle'] as const;
const LABEL: Record<string, string> = { reinit: 'random reinit', 'random-prune': 'random pruning', shuffle: 'shuffled mask' };

interface Cellset {
  acc: number[];
  es: number[];
  density: number[];
}

function roundsBy(runs: ExperimentRun[], kind: string): Map<number, Map<number, { acc: number; es: number; density: number; final: number }>> {
  // round -> seed -> result
  const out = new Map<number, Map<number, { acc: number; es: number; density: number; final: number }>>();
  for (const run of runs.filter((r) => r.kind === kind)) {
    for (const r of run.rounds) {
      const m = out.get(r.round) ?? new Map();
      m.set(run.seed, { acc: r.testAccuracy, es: r.earlyStopIteration, density: r.density, final: r.finalTestAccuracy });
      out.set(r.round, m);
    }
  }
  return out;
}

function values(m: Map<number, { acc: number; es: number; density: number }> | undefined, seeds?: number[]): Cellset {
  const entries = [...(m ?? new Map()).entries()].filter(([s]) => !seeds || seeds.includes(s)).sort((a, b) => a[0] - b[0]);
  return { acc: entries.map(([, v]) => v.acc), es: entries.map(([, v]) => v.es), density: entries.map(([, v]) => v.density) };
}

function impReport(exp: ExperimentDetail): string {
  const ticketKind = exp.runs.find((r) => !r.parentRunId)?.kind ?? 'imp';
  const notDone = exp.runs.filter((r) => r.status !== 'done');
  const ticket = roundsBy(exp.runs, ticketKind);
  const controls = CONTROLS.filter((c) => exp.runs.some((r) => r.kind === c));
  const ctl = new Map(controls.map((c) => [c, roundsBy(exp.runs, c)]));
  const rounds = [...ticket.keys()].sort((a, b) => a - b);
  const seeds = [...new Set(exp.runs.map((r) => r.seed))].sort((a, b) => a - b);
  const cap = exp.config.iterations;
  const lines: string[] = [];
  lines.push(`Experiment \`${exp.experimentId}\` (${exp.name}): seeds ${seeds.join(', ')}; ${exp.runs.length} runs${notDone.length ? `, NOT DONE: ${notDone.map((r) => `${r.runId} ${r.kind} ${r.status}`).join(', ')}` : ''}.`);
  lines.push('');
  const head = ['round', '% of weights remaining', 'IMP ticket', ...controls.map((c) => LABEL[c]!)];
  const accRows: string[][] = [];
  const esRows: string[][] = [];
  for (const r of rounds) {
    const t = values(ticket.get(r));
    const dens = summarise(t.density).mean;
    const cs = controls.map((c) => values(ctl.get(c)!.get(r)));
    accRows.push([String(r), `${f(dens * 100, 1)}%`, cell(t.acc), ...cs.map((c) => cell(c.acc))]);
    esRows.push([String(r), `${f(dens * 100, 1)}%`, cell(t.es, 1, 0), ...cs.map((c) => cell(c.es, 1, 0))]);
  }
  lines.push('**Test accuracy at early stop (%)**, mean ± sd [95% t-interval] over the seeds:', '', table(head, accRows), '');
  lines.push('**Early-stopping iteration** (minimum validation loss), mean ± sd [95% t-interval]:', '', table(head, esRows), '');

  // Paired differences at the control rounds.
  const controlRounds = rounds.filter((r) => controls.some((c) => ctl.get(c)!.has(r)));
  const pairHead = ['round', 'comparison', 'per seed', 'mean [95% t-interval]'];
  const accPairs: string[][] = [];
  const esPairs: string[][] = [];
  const paired = (a: Map<number, { acc: number; es: number }> | undefined, b: Map<number, { acc: number; es: number }> | undefined, key: 'acc' | 'es') => {
    const both = seeds.filter((s) => a?.has(s) && b?.has(s));
    return both.map((s) => a!.get(s)![key] - b!.get(s)![key]);
  };
  const perSeed = (xs: number[], scale: number, digits: number) => xs.map((x) => (x * scale > 0 ? `+${f(x * scale, digits)}` : f(x * scale, digits))).join(', ');
  for (const r of controlRounds) {
    const comps: [string, Map<number, { acc: number; es: number }> | undefined][] = [
      ['ticket − dense (round 0)', ticket.get(0)],
      ...controls.map((c) => [`ticket − ${LABEL[c]}`, ctl.get(c)!.get(r)] as [string, Map<number, { acc: number; es: number }> | undefined]),
    ];
    for (const [name, other] of comps) {
      const d = paired(ticket.get(r), other, 'acc');
      accPairs.push([String(r), name, perSeed(d, 100, 2), diffCell(d)]);
      const e = paired(ticket.get(r), other, 'es');
      esPairs.push([String(r), name, perSeed(e, 1, 0), diffCell(e, 1, 0)]);
    }
  }
  lines.push('**Paired differences in test accuracy at early stop** (percentage points; per seed, same seed on both sides;');
  lines.push('`*`: the 95% t-interval excludes 0):', '', table(pairHead, accPairs), '');
  lines.push('**Paired differences in the early-stopping iteration** (ticket − other; negative: the ticket stops earlier):', '', table(pairHead, esPairs), '');

  // Cap check. With earlyStopPatience a round ends `patience` iterations after its best validation loss; it reaches
  // the cap only if its loss was still improving there, which is the truncation this check exists to catch.
  const patience = exp.config.earlyStopPatience;
  const stops = new Map<string, number>();
  for (const run of exp.runs) {
    for (const p of repo.getMetrics(run.runId)) stops.set(`${run.runId}/${p.round}`, Math.max(stops.get(`${run.runId}/${p.round}`) ?? 0, p.iteration));
  }
  const stopOf = (run: ExperimentRun, round: number) => stops.get(`${run.runId}/${round}`) ?? cap;
  const all: { run: ExperimentRun; round: number; es: number }[] = exp.runs.flatMap((run) => run.rounds.map((x) => ({ run, round: x.round, es: x.earlyStopIteration })));
  const max = all.reduce((m, x) => (x.es > m.es ? x : m), all[0]!);
  const near = all.filter((x) => x.es >= 0.8 * cap);
  const nearText =
    near.length === 0
      ? ''
      : near.length <= 8
        ? ` (${near.map((x) => `${x.run.kind} seed ${x.run.seed} round ${x.round}: ${int(x.es)}`).join('; ')})`
        : ` (${[...new Set(near.map((x) => x.run.kind))].map((k) => `${k}: ${near.filter((x) => x.run.kind === k).length}`).join(', ')})`;
  lines.push(
    `Cap check: ${all.length} trained rounds; the latest early stop is iteration ${int(max.es)} (${max.run.kind}, seed ${max.run.seed}, round ${max.round}) of the ${int(cap)}-iteration cap; ${near.length} round(s) stop in the last 20% of the cap${nearText}.`,
  );
  if (patience !== undefined) {
    const atCap = all.filter((x) => stopOf(x.run, x.round) >= cap);
    const latest = Math.max(...all.map((x) => stopOf(x.run, x.round)));
    lines.push(
      '',
      `Patience check: every round ends at the first evaluation ${int(patience)} iterations past its best validation loss (earlyStopPatience); the latest ends at iteration ${int(latest)}; ${atCap.length} round(s) ran to the cap with the loss still improving${atCap.length ? ` (${atCap.map((x) => `${x.run.kind} seed ${x.run.seed} round ${x.round}`).join('; ')})` : ''}.`,
    );
  }
  lines.push('');

  // Every seed's numbers.
  const rawRows: string[][] = [];
  for (const s of seeds) {
    for (const run of exp.runs.filter((r) => r.seed === s)) {
      for (const x of run.rounds) {
        rawRows.push([String(s), run.kind, String(x.round), `${f(x.density * 100, 2)}%`, f(x.testAccuracy * 100, 2), int(x.earlyStopIteration), ...(patience !== undefined ? [int(stopOf(run, x.round))] : []), f(x.finalTestAccuracy * 100, 2)]);
      }
    }
  }
  lines.push('<details><summary>Every run and round</summary>', '');
  const lastHead = patience !== undefined ? ['stopped at', 'test acc. at the stop (%)'] : [`test acc. at iteration ${int(cap)} (%)`];
  lines.push(table(['seed', 'run', 'round', 'weights remaining', 'test acc. at early stop (%)', 'early-stop iteration', ...lastHead], rawRows));
  lines.push('', '</details>', '');
  lines.push(timing(exp));
  return lines.join('\n');
}

function timing(exp: ExperimentDetail): string {
  const t0 = Math.min(...exp.runs.map((r) => Date.parse(r.createdAt)));
  const t1 = Math.max(...exp.runs.map((r) => Date.parse(r.updatedAt)));
  const h = (t1 - t0) / 3_600_000;
  const backends = [...new Set(exp.runs.map((r) => r.backend ?? '?'))].join(', ');
  return `Wall time from the first run's start to the last run's end: ${f(h, 2)} h (${new Date(t0).toISOString().slice(0, 16)}Z to ${new Date(t1).toISOString().slice(0, 16)}Z); backend ${backends}.`;
}

// ---- dense --------------------------------------------------------------------------------------------------------

function denseReport(exp: ExperimentDetail): string {
  const runs = exp.runs.filter((r) => r.rounds.length).sort((a, b) => a.seed - b.seed);
  const last = (r: ExperimentRun) => r.rounds[r.rounds.length - 1]!;
  const rows = runs.map((r) => [String(r.seed), r.kind, f(last(r).testAccuracy * 100, 2), int(last(r).earlyStopIteration), f(last(r).finalTestAccuracy * 100, 2)]);
  const acc = runs.map((r) => last(r).testAccuracy);
  const es = runs.map((r) => last(r).earlyStopIteration);
  const fin = runs.map((r) => last(r).finalTestAccuracy);
  return [
    `Experiment \`${exp.experimentId}\` (${exp.name}), ${runs.length} seeds, ${int(runs[0]?.iterations ?? 0)} iterations:`,
    '',
    table(['seed', 'run', 'test acc. at early stop (%)', 'early-stop iteration', 'test acc. at the last iteration (%)'], rows),
    '',
    `Over the seeds, mean ± sd [95% t-interval]: test accuracy at early stop ${cell(acc)}%; early-stopping iteration ${cell(es, 1, 0)}; at the last iteration ${cell(fin)}%.`,
    '',
    timing(exp),
  ].join('\n');
}

// ---- parity -------------------------------------------------------------------------------------------------------

interface TorchRun {
  runId: string;
  seed: number;
  order: string;
  iterations: number;
  evaluations: { iteration: number; train: { loss: number }; validation: { loss: number }; test: { loss: number; accuracy: number } }[];
  earlyStop: { iteration: number; testAccuracy: number };
  seconds: number;
  torch: string;
}

function parityReport(exp: ExperimentDetail): string {
  const files = opts.get('--torch') ?? fail('parity needs --torch FILE.json (bench/parity.py --out)');
  const torchRuns: TorchRun[] = files.flatMap((p) => {
    try {
      return (JSON.parse(readFileSync(p, 'utf8')) as { runs: TorchRun[] }).runs;
    } catch (err) {
      return fail(`${p}: ${(err as Error).message}`);
    }
  });
  const at = (opt('--at') ?? '1000,2000,5000,10000').split(',').map(Number);
  const runs = exp.runs.filter((r) => r.rounds.length).sort((a, b) => a.seed - b.seed);
  const ours = new Map<string, MetricPoint[]>(runs.map((r) => [r.runId, repo.getMetrics(r.runId).filter((p) => p.round === 0)]));
  const ourPoint = (runId: string, it: number, split: MetricPoint['split']) => ours.get(runId)!.find((p) => p.iteration === it && p.split === split);
  const ourAt = (runId: string, it: number) => ourPoint(runId, it, 'test')?.accuracy ?? NaN;
  const orders = [...new Set(torchRuns.map((t) => t.order))];
  const lines: string[] = [];
  const head = ['iteration', 'Ticketscope (tfjs, wasm)', ...orders.map((o) => `PyTorch, ${o} order`), ...orders.map((o) => `PyTorch (${o} order) − Ticketscope, paired`)];
  const rows: string[][] = [];
  const point = (label: string, ourVal: (r: ExperimentRun) => number, theirVal: (t: TorchRun) => number, scale = 100, digits = 2) => {
    const tsVals = runs.map(ourVal);
    const cols = orders.map((o) => runs.map((r) => torchRuns.find((t) => t.runId === r.runId && t.order === o)).filter((t): t is TorchRun => !!t));
    const diffs = orders.map((_, i) => cols[i]!.map((t) => theirVal(t) - ourVal(runs.find((r) => r.runId === t.runId)!)));
    rows.push([label, cell(tsVals, scale, digits), ...cols.map((c) => cell(c.map(theirVal), scale, digits)), ...diffs.map((d) => diffCell(d, scale, digits))]);
  };
  for (const it of at) {
    point(int(it), (r) => ourAt(r.runId, it), (t) => t.evaluations.find((e) => e.iteration === it)?.test.accuracy ?? NaN);
  }
  point('at early stop', (r) => r.rounds[0]!.testAccuracy, (t) => t.earlyStop.testAccuracy);
  point('early-stop iteration', (r) => r.rounds[0]!.earlyStopIteration, (t) => t.earlyStop.iteration, 1, 0);
  lines.push(`Runs of experiment \`${exp.experimentId}\` (${exp.name}), seeds ${runs.map((r) => r.seed).join(', ')}; test accuracy (%) mean ± sd [95% t-interval] over the seeds; differences in percentage points (\`*\`: the interval excludes 0):`);
  lines.push('', table(head, rows), '');
  // How closely the curves follow each other: the largest |loss difference| over the evaluations up to each
  // iteration, any seed (with the same batch order, only float32 rounding separates them, and chaos amplifies it).
  const gaps = orders.map((o) => {
    const parts = at.map((limit) => {
      let worst = 0;
      for (const t of torchRuns.filter((x) => x.order === o)) {
        for (const e of t.evaluations.filter((x) => x.iteration <= limit)) {
          for (const split of ['train', 'validation', 'test'] as const) {
            const p = ourPoint(t.runId, e.iteration, split);
            if (p) worst = Math.max(worst, Math.abs(e[split].loss - p.loss));
          }
        }
      }
      return `${f(worst, 6)} up to iteration ${int(limit)}`;
    });
    return `${o} order: ${parts.join(', ')}`;
  });
  lines.push(`Largest |loss difference| (train, validation or test; any seed) between PyTorch and Ticketscope at the same evaluation: ${gaps.join('; ')}.`, '');
  const secs = orders.map((o) => `${o} order ${f(summarise(torchRuns.filter((t) => t.order === o).map((t) => t.seconds)).mean, 0)} s`);
  lines.push(`PyTorch ${torchRuns[0]?.torch ?? '?'}, mean seconds per run: ${secs.join(', ')}.`);
  return lines.join('\n');
}

switch (command) {
  case 'imp':
    process.stdout.write(`${impReport(experiment())}\n`);
    break;
  case 'dense':
    process.stdout.write(`${denseReport(experiment())}\n`);
    break;
  case 'parity':
    process.stdout.write(`${parityReport(experiment())}\n`);
    break;
  default:
    fail(`unknown command ${command ?? '(none)'}: imp, dense or parity`);
}
sqlite.close();

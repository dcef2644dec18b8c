// The CLI as people use it, end to end with the built CLI: help for every command and subcommand, exit code 2 and
// one line for every kind of bad usage (storing nothing), the presets list with its estimates and missing data,
// the human summary of a run when stdout and stderr are not terminals, IMP with the papers' default rates (checked
// against the layer sizes), and the analyses' class default and baselines on that run.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_SPECS } from '../../src/main/cli/spec';
import { assertBuilt, cli, tempDir } from '../helpers/cli';

const tmp = tempDir('ticketscope-usage-');
const d = (name: string) => join(tmp.dir, name);
const common = ['--db', d('runs.db'), '--data-dir', d('data'), '--backend', 'wasm'];

beforeAll(() => assertBuilt());
afterAll(() => tmp.cleanup());

describe('help', () => {
  const topics = COMMAND_SPECS.flatMap((c) => [[c.name], ...(c.subcommands ?? []).map((s) => s.name.split(' '))]);

  it.each(topics.map((t) => [t.join(' '), t]))('%s --help prints its usage, options and an example', (_, topic) => {
    const r = cli([...topic, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Usage: ticketscope ${topic.join(' ')}`));
    expect(r.stdout).toMatch(/\nExamples?:\n {2}ticketscope /);
    expect(cli(['help', ...topic]).stdout).toBe(r.stdout);
  });

  it('ticketscope, --help and help print the overview with every command', () => {
    const overview = cli(['--help']);
    expect(overview.code).toBe(0);
    for (const t of topics) expect(overview.stdout).toContain(`  ${t.join(' ')} `);
    expect(cli([]).stdout).toBe(overview.stdout);
    expect(cli(['help']).stdout).toBe(overview.stdout);
  });
});

describe('bad usage', () => {
  it.each([
    [['frobnicate'], /unknown command "frobnicate"; commands: run, presets, list/],
    [['list', '--frob'], /unknown option --frob for list; see ticketscope list --help/],
    [['run', '--preset'], /--preset needs a value/],
    [['run', '--preset', 'quick', '--preset', 'quick-imp'], /--preset given more than once/],
    [['analyze', 'selectivity', 'r1', '--permutations', 'many'], /--permutations many: expected 0\.\.1000/],
    [['analyze', 'overlap', 'r1:mask', 'r2:mask', '--class', 'dog'], /unknown option --class for analyze overlap/],
    [['analyze', 'telepathy'], /analyze telepathy: expected one of overlap, selectivity/],
    [['analyze'], /analyze needs a kind/],
    [['data', 'frobnicate'], /data frobnicate: expected one of list, fetch, import/],
    [['export', 'r1', '--out', 'x.bin'], /export --out x\.bin: file name must end in \.safetensors or \.npz/],
    [['serve', '--port', '70000'], /--port 70000: expected 0\.\.65535/],
    [['bench', '--nets', 'conv-9'], /--nets conv-9: "conv-9" is not one of/],
    [['help', 'frobnicate'], /help frobnicate: no such command/],
    [['list', 'extra'], /list takes no arguments \(got extra\)/],
  ])('%j exits 2 with one line and creates nothing', (args, re) => {
    const db = d(`bad-${args.join('-').replace(/[^a-z0-9-]/gi, '')}.db`);
    const r = cli([...args, '--db', db]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^ticketscope: /);
    expect(lines[0]).toMatch(re);
    expect(existsSync(db)).toBe(false);
  });

  it('a backend that is not installed is refused before anything is stored', () => {
    // @tensorflow/tfjs-node is not a dependency of this project: `--backend node` is missing on every machine.
    const r = cli(['run', '--preset', 'quick', '--backend', 'node', '--db', d('node.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ticketscope: backend node is not available: @tensorflow/tfjs-node is not installed; run `npm install @tensorflow/tfjs-node`, or choose --backend auto');
    expect(existsSync(d('node.db'))).toBe(false);
  });
  it('--backend webgpu with no adapter it would use is refused before anything is stored', () => {
    const db = d('webgpu.db');
    const r = cli(['run', '--preset', 'quick', '--set', 'iterations=10', '--set', 'evalEvery=10', '--backend', 'webgpu', '--db', db, '--data-dir', d('data')], {
      env: { TICKETSCOPE_WEBGPU_SOFTWARE: '' },
    });
    if (r.code === 0) {
      console.log('--backend webgpu: this machine has a WebGPU adapter the engine uses, so the run trained (nothing to refuse)');
      return;
    }
    // Never a stored failed run: without the package, or with only a software adapter (llvmpipe), it is refused.
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ticketscope: backend webgpu is not available: /);
    expect(existsSync(db)).toBe(false);
  });
});

describe('presets', () => {
  it('lists every preset with an estimate here and the data it is missing, opening no database', () => {
    const r = cli(['presets', '--json', ...common]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { estimate: { backend: string }; presets: { name: string; runs: number; rounds: number; estimatedSeconds: number | null; datasetPresent: boolean; install: string | null }[] };
    expect(out.estimate.backend).toBe('wasm');
    const byName = new Map(out.presets.map((p) => [p.name, p]));
    expect(byName.get('quick')).toMatchObject({ runs: 1, rounds: 1, datasetPresent: true, install: null });
    // quick-imp: the ticket's 5 rounds and 3 controls of 4 rounds each.
    expect(byName.get('quick-imp')).toMatchObject({ runs: 4, rounds: 17, datasetPresent: true });
    expect(byName.get('conv2-cifar10-imp')).toMatchObject({ datasetPresent: false, install: 'ticketscope data fetch cifar10' });
    for (const p of out.presets) expect(p.estimatedSeconds, p.name).toBeGreaterThan(0);
    // 1,500 iterations of batch 60 at the benchmarked 3,776 samples/s (24 s), its evaluations and start-up.
    expect(byName.get('quick')!.estimatedSeconds).toBeGreaterThan(24);
    expect(byName.get('quick')!.estimatedSeconds).toBeLessThan(40);
    expect(existsSync(d('runs.db'))).toBe(false);

    const text = cli(['presets', ...common]);
    expect(text.stdout).toMatch(/^PRESET +TRAINS +RUNS +ROUNDS +ITERATIONS\/ROUND +EST\. TIME +DATA\n/);
    // Quickest first: the presets that run here lead (quick-class-supermask, quick, quick-imp, ...).
    expect(text.stdout).toMatch(/\nquick +lenet-300-100 on synthetic-mnist, dense +1 +1 +1,500 +~\d+ s +generated\n/);
    const order = text.stdout.split('\n').map((l) => l.split(' ')[0]);
    expect(order.indexOf('quick')).toBeLessThan(order.indexOf('quick-imp'));
    expect(order.indexOf('quick-imp')).toBeLessThan(order.indexOf('conv2-cifar10-imp'));
    expect(text.stdout).toMatch(/\nconv2-cifar10-imp +conv-2 on cifar10, imp 15 rounds \+ reinit .* missing: ticketscope data fetch cifar10\n/);
    expect(text.stdout).toMatch(/EST\. TIME is an estimate for --backend wasm/);
    expect(text.stdout.trim().split('\n').length).toBe(out.presets.length + 6);
    const cuda = cli(['presets', '--backend', 'cuda', ...common.slice(0, 4)]);
    expect(cuda.stdout).toMatch(/No estimate for --backend cuda/);
  });
});

describe('a run without --json, IMP with the default rates', () => {
  let ticket = '';

  it('prints a line per round as it finishes, then a table; progress and the backend (once) on stderr', () => {
    const cfg = d('imp.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        version: 1, name: 'imp-defaults', dataset: 'synthetic-mnist', arch: 'lenet-300-100',
        optimizer: { name: 'adam', lr: 0.0012 }, batchSize: 32, iterations: 30, evalEvery: 15, validation: 200,
        seeds: [0], synthetic: { train: 1000, test: 300 },
        method: { kind: 'imp', rounds: 2 },
      }),
    );
    const r = cli(['run', cfg, '--set', 'method.controls=["reinit"]', ...common]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    // 3 rounds of the ticket and 2 of its control as they finish, then the table (a header and 5 rows).
    const roundLines = lines.filter((l) => / round \d \(r[0-9a-f]{10}\): /.test(l));
    expect(roundLines).toHaveLength(5);
    expect(roundLines[0]).toMatch(/^imp s0 round 0 \(r[0-9a-f]{10}\): 100\.00% of weights remaining, test accuracy \d+\.\d\d% at early stop \(iteration (15|30)\), final \d+\.\d\d%$/);
    const head = lines.findIndex((l) => l.startsWith('RUN '));
    expect(head).toBe(5);
    expect(lines[head]).toMatch(/^RUN +KIND +SEED +ROUND +REMAINING +TEST ACC +EARLY STOP +FINAL ACC +STATUS$/);
    const rows = lines.slice(head + 1).map((l) => l.split(/\s+/));
    expect(rows.map((x) => [x[1], x[3]])).toEqual([['imp', '0'], ['imp', '1'], ['imp', '2'], ['reinit', '1'], ['reinit', '2']]);
    // Frankle & Carbin's rates: 20% of LeNet's hidden weights (784x300 + 300x100) and 10% of its output weights
    // (100x10) go per round, so (0.8^r x 265,200 + 0.9^r x 1,000) / 266,200 remain.
    const remaining = (r: number) => ((0.8 ** r * 265_200 + 0.9 ** r * 1_000) / 266_200) * 100;
    expect(rows.map((x) => x[4])).toEqual(['100.00%', `${remaining(1).toFixed(2)}%`, `${remaining(2).toFixed(2)}%`, `${remaining(1).toFixed(2)}%`, `${remaining(2).toFixed(2)}%`]);
    expect(rows.every((x) => x[8] === 'done')).toBe(true);
    ticket = rows[0]![0]!;

    expect(r.stderr.match(/^backend: wasm/gm)).toHaveLength(1);
    expect(r.stderr).toMatch(/^experiment [0-9a-f]{16}: 2 run\(s\) /m);
    // Not a terminal: a line per finished round, no redrawing.
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr.match(/: round \d done · \[[#.]{24}\] +\d+% · rounds \d\/5 .*ETA (\d+:\d\d|--:--)$/gm)).toHaveLength(5);
  });

  it('stores the default rates in the config, the same experiment as when spelled out', () => {
    const show = JSON.parse(cli(['show', ticket, '--json', ...common]).stdout);
    expect(show.config.method).toEqual({ kind: 'imp', rounds: 2, rates: { conv: 0.1, fc: 0.2, output: 0.1 }, ranking: 'layerwise', rewindIteration: 0, controls: ['reinit'] });
  });

  it('analyses: no "dog" in a digit set means --class is required; overlap --rounds has no ratio after the last', () => {
    const noClass = cli(['analyze', 'selectivity', ticket, '--limit', '100', ...common]);
    expect(noClass.code).toBe(2);
    expect(noClass.stderr.trim()).toBe('ticketscope: synthetic-mnist has no class "dog": give --class NAME or index (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)');
    const bad = cli(['analyze', 'selectivity', ticket, '--class', 'cat', ...common]);
    expect(bad.stderr.trim()).toBe("ticketscope: --class cat: synthetic-mnist's classes are 0, 1, 2, 3, 4, 5, 6, 7, 8, 9");
    const sel = cli(['analyze', 'selectivity', ticket, '--class', '3', '--limit', '150', '--permutations', '2', ...common]);
    expect(sel.code, sel.stderr).toBe(0);
    expect(sel.stdout).toMatch(/^class 3 \(3\); 150 test images/);
    expect(sel.stdout).toContain('PROBE BAL. ACC (CHANCE 0.5)');
    expect(sel.stdout).not.toMatch(/chance 0\.[0-46-9]/i);

    const ov = cli(['analyze', 'overlap', '--rounds', ticket, ...common]);
    expect(ov.code, ov.stderr).toBe(0);
    const matrix = ov.stdout.split('\n').filter((l) => /^\d+ /.test(l));
    expect(matrix).toHaveLength(3);
    expect(matrix.slice(0, 2).every((l) => /\d\.\d\d$/.test(l))).toBe(true);
    expect(matrix[2]).toMatch(/ —$/);
  });
});

import { describe, expect, it } from 'vitest';
import { flag, int, list, parseArgs, text } from '../../src/main/cli/args';
import { helpText } from '../../src/main/cli/help';
import { COMMAND_SPECS } from '../../src/main/cli/spec';
import { formatDuration, formatEta } from '../../src/main/cli/format';
import { progressLine, RunProgress } from '../../src/main/cli/progress';
import { resolveClass } from '../../src/main/cli/analyze';
import type { RunSummary } from '../../src/shared/contract';

describe('cli arguments', () => {
  it('parses global options anywhere and repeatable --set', () => {
    const a = parseArgs(['--db', 'x.db', 'run', '--preset', 'quick', '--set', 'iterations=5', '--set=seeds=[0,1]', '--json', '--backend', 'cpu']);
    expect(a.command).toBe('run');
    expect(a.global).toEqual({ db: 'x.db', backend: 'cpu', json: true });
    expect(text(a, 'preset')).toBe('quick');
    expect(list(a, 'set')).toEqual(['iterations=5', 'seeds=[0,1]']);
  });

  it('parses a subcommand with its options, numbers converted', () => {
    const a = parseArgs(['analyze', 'selectivity', 'r1:2', 'r1:0:init', '--class', 'dog', '--permutations', '50', '--threshold=0.75', '--no-probe', '--json']);
    expect(a).toMatchObject({ command: 'analyze', sub: 'selectivity', positional: ['r1:2', 'r1:0:init'] });
    expect(text(a, 'class')).toBe('dog');
    expect(int(a, 'permutations')).toBe(50);
    expect(a.values.get('threshold')).toBe(0.75);
    expect(flag(a, 'no-probe')).toBe(true);
    expect(a.global.json).toBe(true);
    expect(parseArgs(['data', 'import', 'mnist', '/x'])).toMatchObject({ command: 'data', sub: 'import', positional: ['mnist', '/x'] });
    const b = parseArgs(['bench', '--nets', 'conv-2', '--seconds', '2', '--db', 'x.db', '--no-reference']);
    expect(b.values).toEqual(new Map<string, unknown>([['nets', 'conv-2'], ['seconds', 2], ['no-reference', true]]));
    expect(b.global.db).toBe('x.db');
  });

  it('finds --help and --version anywhere, mistakes on the line notwithstanding', () => {
    expect(parseArgs([])).toMatchObject({ command: 'help', topic: [] });
    expect(parseArgs(['--help'])).toMatchObject({ command: 'help', topic: [] });
    expect(parseArgs(['help', 'analyze', 'overlap'])).toMatchObject({ command: 'help', topic: ['analyze', 'overlap'] });
    expect(parseArgs(['run', '--bogus', '-h'])).toMatchObject({ command: 'help', topic: ['run'] });
    expect(parseArgs(['analyze', 'selectivity', '--help'])).toMatchObject({ command: 'help', topic: ['analyze', 'selectivity'] });
    expect(parseArgs(['frobnicate', '--help'])).toMatchObject({ command: 'help', topic: ['frobnicate'] });
    expect(parseArgs(['list', '-V'])).toMatchObject({ command: 'version' });
  });

  it.each([
    [['analyze', 'overlap', '--frob'], /^unknown option --frob for analyze overlap; see ticketscope analyze overlap --help$/],
    [['analyze', 'overlap', 'a', 'b', '--class', 'dog'], /unknown option --class for analyze overlap/],
    [['analyze', 'telepathy'], /analyze telepathy: expected one of overlap, selectivity, activations, subcircuit, multigraph/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['run', '--bogus'], /unknown option --bogus for run/],
    [['list', '--preset', 'quick'], /unknown option --preset for list/],
    [['--frob'], /unknown option --frob/],
    [['-x', 'list'], /unknown option -x for list/],
    [['--backend', 'tpu', 'list'], /^--backend tpu: expected one of auto, cuda, webgpu, node, wasm, cpu$/],
    [['run', '--preset'], /^--preset needs a value$/],
    [['run', '--preset', '--json'], /^--preset needs a value$/],
    [['run', '--preset', 'a', '--preset', 'b'], /^--preset given more than once$/],
    [['list', '--json=yes'], /^--json takes no value$/],
    [['analyze', 'selectivity', 'r1', '--permutations', 'lots'], /^--permutations lots: expected 0\.\.1000$/],
    [['analyze', 'selectivity', 'r1', '--threshold', '2'], /^--threshold 2: expected 0\.5\.\.1$/],
    [['analyze', 'selectivity', 'r1', '--limit', '3.5'], /^--limit 3\.5: expected a whole number ≥ 10$/],
    [['analyze', 'selectivity', 'r1', '--split', 'train'], /^--split train: expected one of test, validation$/],
    [['serve', '--port', '-1'], /^--port -1: expected 0\.\.65535$/],
    [['bench', '--nets', 'conv-2,conv-9'], /^--nets conv-2,conv-9: "conv-9" is not one of lenet-300-100, conv-2/],
  ])('rejects %j in one line', (argv, re) => {
    expect(() => parseArgs(argv)).toThrow(re);
  });

  it('has help for every command and subcommand, each with its options and an example', () => {
    const topics = COMMAND_SPECS.flatMap((c) => [[c.name], ...(c.subcommands ?? []).map((s) => s.name.split(' '))]);
    expect(topics.length).toBeGreaterThan(15);
    for (const topic of topics) {
      const help = helpText(topic);
      expect(help, topic.join(' ')).toMatch(new RegExp(`^Usage: ticketscope ${topic.join(' ')}`));
      expect(help).toMatch(/\nExamples?:\n {2}ticketscope /);
      const spec = COMMAND_SPECS.find((c) => c.name === topic[0])!;
      const own = topic.length > 1 ? spec.subcommands!.find((s) => s.name === topic.join(' '))! : spec;
      for (const name of Object.keys(own.options)) expect(help, `${topic.join(' ')} --${name}`).toContain(`--${name}`);
    }
    expect(helpText([])).toMatch(/analyze selectivity +AUROC/);
    expect(() => helpText(['frobnicate'])).toThrow(/help frobnicate: no such command/);
  });
});

describe('cli output', () => {
  const run = (over: Partial<RunSummary>): RunSummary =>
    ({ runId: 'r1', kind: 'imp', seed: 0, status: 'running', iteration: 0, iterations: 100, roundsDone: 0, roundsTotal: 3, etaSeconds: null, ...over }) as RunSummary;

  it('formats ETA, durations and the progress line', () => {
    expect(formatEta(null)).toBe('--:--');
    expect(formatEta(65)).toBe('1:05');
    expect(formatEta(3725)).toBe('1:02:05');
    expect(formatDuration(28)).toBe('28 s');
    expect(formatDuration(300)).toBe('5 min');
    expect(formatDuration(5.1 * 3600)).toBe('5.1 h');
    expect(formatDuration(20 * 86400)).toBe('20.0 days');
    const line = progressLine([run({ iteration: 50, roundsDone: 1 }), run({ runId: 'r2', kind: 'reinit', iteration: 0, roundsTotal: 2 })], { label: 'imp s0', accuracy: 0.912 }, 10, 10);
    expect(line).toBe('[###.......]  25% · rounds 1/5 · imp s0 val acc 91.2% · ETA 0:10');
  });

  it('prints a line per round when stderr is not a terminal, a heartbeat in long rounds, and the backend once', () => {
    const err: string[] = [];
    const out: string[] = [];
    let t = 0;
    const p = new RunProgress({ write: (s: string) => err.push(s) }, { write: (s: string) => out.push(s) }, 60_000, () => t);
    const backend = { name: 'wasm' as const, reason: 'first available', skipped: [] };
    p.backend(backend);
    p.update(run({ iteration: 10, iterations: 300 }));
    t = 30_000;
    p.update(run({ iteration: 40, iterations: 300 }));
    p.backend(backend);
    p.round(run({ iteration: 100, iterations: 300, roundsDone: 1 }), 0);
    p.result('imp s0 round 0: ...');
    t = 200_000;
    p.update(run({ iteration: 150, iterations: 300, roundsDone: 1 }));
    expect(err).toEqual([
      'backend: wasm (first available)\n',
      'r1 imp s0: round 0 done · [########................]  33% · rounds 1/3 · ETA 1:07\n',
      'still training: [############............]  50% · rounds 1/3 · ETA 3:34\n',
    ]);
    expect(out).toEqual(['imp s0 round 0: ...\n']);
  });

  it('says ETA 0:00 once every iteration is done, even for a run shorter than the pace needs', () => {
    const err: string[] = [];
    let t = 0;
    const p = new RunProgress({ write: (s: string) => err.push(s) }, { write: () => undefined }, 60_000, () => t);
    p.update(run({ iteration: 0, iterations: 100, roundsTotal: 1 }));
    t = 2_000;
    p.round(run({ iteration: 100, iterations: 100, roundsDone: 1, roundsTotal: 1 }), 0);
    expect(err).toEqual(['r1 imp s0: round 0 done · [########################] 100% · rounds 1/1 · ETA 0:00\n']);
  });

  it('resolves --class by name or index, dog by default, and lists the classes otherwise', () => {
    const cifar = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
    const fashion = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
    expect(resolveClass(undefined, cifar, 'cifar10')).toBe(5);
    expect(resolveClass('Cat', cifar, 'cifar10')).toBe(3);
    expect(resolveClass('7', fashion, 'fashion-mnist')).toBe(7);
    expect(resolveClass('sandal', fashion, 'fashion-mnist')).toBe(5);
    expect(() => resolveClass(undefined, fashion, 'fashion-mnist')).toThrow(/^fashion-mnist has no class "dog": give --class NAME or index \(0 T-shirt\/top, 1 Trouser, .*, 9 Ankle boot\)$/);
    expect(() => resolveClass('dog', fashion, 'fashion-mnist')).toThrow(/^--class dog: fashion-mnist's classes are 0 T-shirt\/top, /);
    expect(() => resolveClass('12', [...'0123456789'], 'mnist')).toThrow(/^--class 12: mnist's classes are 0, 1, 2, 3, 4, 5, 6, 7, 8, 9$/);
  });
});

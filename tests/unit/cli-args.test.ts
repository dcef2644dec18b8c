import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/main/cli/args';
import { formatEta, progressLine } from '../../src/main/cli/progress';

describe('cli arguments', () => {
  it('parses global options anywhere and repeatable --set', () => {
    const a = parseArgs(['--db', 'x.db', 'run', '--preset', 'quick', '--set', 'iterations=5', '--set=seeds=[0,1]', '--json', '--backend', 'cpu']);
    expect(a.command).toBe('run');
    expect(a.global).toEqual({ db: 'x.db', backend: 'cpu', json: true });
    expect(a.options.get('--preset')).toEqual(['quick']);
    expect(a.options.get('--set')).toEqual(['iterations=5', 'seeds=[0,1]']);
  });

  it('parses analyze options and passes bench options through', () => {
    const a = parseArgs(['analyze', 'selectivity', 'r1:2', 'r1:0:init', '--class', 'dog', '--permutations', '50', '--no-probe', '--json']);
    expect(a.positional).toEqual(['selectivity', 'r1:2', 'r1:0:init']);
    expect(a.options.get('--class')).toEqual(['dog']);
    expect(a.options.get('--no-probe')).toEqual(['true']);
    expect(a.global.json).toBe(true);
    const b = parseArgs(['bench', '--nets', 'conv-2', '--seconds', '2', '--db', 'x.db', '--no-reference']);
    expect(b.positional).toEqual(['--nets', 'conv-2', '--seconds', '2', '--no-reference']);
    expect(b.global.db).toBe('x.db');
  });

  it.each([
    [['analyze', 'overlap', '--frob'], /unknown option --frob for analyze/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['run', '--bogus'], /unknown option --bogus for run/],
    [['list', '--preset', 'quick'], /unknown option --preset for list/],
    [['--backend', 'tpu', 'list'], /--backend tpu: expected one of auto, cuda, webgpu, node, wasm, cpu/],
    [['run', '--preset'], /--preset needs a value/],
  ])('rejects %j', (argv, re) => {
    expect(() => parseArgs(argv)).toThrow(re);
  });

  it('formats ETA and progress', () => {
    expect(formatEta(null)).toBe('--:--');
    expect(formatEta(65)).toBe('1:05');
    expect(formatEta(3725)).toBe('1:02:05');
    const line = progressLine(
      { runId: 'r1', seed: 0, iteration: 50, iterations: 100, etaSeconds: 10 } as never,
      0.912,
      10,
    );
    expect(line).toBe('r1 seed 0 [#####.....]  50% it 50/100 val acc 91.2% ETA 0:10');
  });
});

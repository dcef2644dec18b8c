// `ticketscope report dog` end to end on a small experiment (quick-imp, 2 seeds, 1 round, synthetic class "3"): the
// JSON with its verdict, the self-contained HTML page, and the one-line refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, cli, tempDir } from '../helpers/cli';

const tmp = tempDir('ticketscope-report-');
const common = ['--db', join(tmp.dir, 'runs.db'), '--data-dir', join(tmp.dir, 'data')];
const small = ['--class', '3', '--permutations', '39', '--limit', '400', '--evaluation', '400', '--budget', '500'];
let experiment = '';

beforeAll(() => {
  assertBuilt();
  const r = cli(['run', '--preset', 'quick-imp', '--set', 'iterations=120', '--set', 'method.rounds=1', '--set', 'method.controls=[]', '--set', 'seeds=[0,1]', '--json', ...common]);
  expect(r.code, r.stderr).toBe(0);
  experiment = JSON.parse(r.stdout).experimentId;
}, 300_000);
afterAll(() => tmp.cleanup());

describe('report dog', () => {
  it('--json: every stage the experiment has, per seed and over seeds, the overlap of the tickets, and a verdict', () => {
    const r = cli(['report', 'dog', experiment, ...small, '--json', ...common]);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.class).toEqual({ index: 3, name: '3' });
    expect(rep.stages.map((s: { stage: string }) => s.stage)).toEqual(['init', 'ticket-at-init', 'trained']);
    for (const s of rep.stages) {
      expect(s.seeds.map((x: { seed: number }) => x.seed)).toEqual([0, 1]);
      expect(s.auroc.n).toBe(2);
      expect(s.auroc.lo).toBeLessThanOrEqual(s.auroc.mean);
      for (const x of s.seeds) {
        expect(x.best.layer).toMatch(/^fc[12]$/);
        expect(x.pValue).toBeGreaterThanOrEqual(x.pFloor);
        expect(x.pFloor).toBeCloseTo(2 / 40, 10);
      }
    }
    // Trained nets read the class from their hidden units: the best unit is far from chance.
    expect(rep.stages[2].auroc.mean).toBeGreaterThan(0.8);
    expect(rep.overlaps).toEqual([expect.objectContaining({ what: 'ticket masks across 2 seeds' })]);
    expect(rep.missing.join(' ')).toMatch(/no supermask run/);
    expect(Array.isArray(rep.verdict)).toBe(true);
    expect(rep.verdict[0]).toMatch(/^at init: /);
    expect(rep.verdict.at(-1)).toMatch(/^Answer: /);
  }, 300_000);

  it('--out FILE.html writes one self-contained page; --out FILE.json the report (from the cache)', () => {
    const html = join(tmp.dir, 'dog.html');
    const r = cli(['report', 'dog', experiment, ...small, '--out', html, ...common]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Verdict:/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain("default-src 'none'");
    expect((page.match(/<svg /g) ?? []).length).toBe(3);
    expect(page).not.toMatch(/<script|src=|href=/i);
    const json = join(tmp.dir, 'dog.json');
    expect(cli(['report', 'dog', experiment, ...small, '--out', json, ...common]).code).toBe(0);
    expect(JSON.parse(readFileSync(json, 'utf8')).verdict.length).toBeGreaterThan(0);
  }, 300_000);

  it.each([
    [['report', 'dog', 'e0000000000000000'], /experiment|unknown/i],
    [['report', 'dog', 'EXP', '--out', 'x.txt'], /--out x.txt: the file must end in .html or .json/],
    [['report', 'dog', 'EXP', '--class', 'dog'], /--class dog: synthetic-mnist's classes are/],
    [['report', 'dog'], /exactly one EXPERIMENT/],
    [['report', 'cat', 'EXP'], /report cat: expected one of dog/],
  ])('%j exits 2 with one line', (args, message) => {
    const r = cli(args.map((a) => a.replace('EXP', experiment)).concat(common));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(message);
  });
});

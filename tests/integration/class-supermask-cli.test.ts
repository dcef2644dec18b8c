// A class-specific (one-vs-rest) supermask through the CLI, on the quick synthetic preset: the run says what it was
// trained for (objective, balanced accuracy), and the mask found units that detect the class better than the same
// frozen weights under the scores' initial mask (a random mask of the same per-layer density, RUN:0:init).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { assertBuilt, cli, tempDir } from '../helpers/cli';

const tmp = tempDir('ticketscope-class-supermask-');
const common = ['--db', join(tmp.dir, 'runs.db'), '--data-dir', join(tmp.dir, 'data')];

beforeAll(() => assertBuilt());
afterAll(() => tmp.cleanup());

type Layer = { layer: string; units: number; pools: { pooling: string; auroc: number[]; best: { unit: number; auroc: number } }[] };

describe('class-specific supermask (CLI)', () => {
  let runId = '';

  it('trains the quick preset one-vs-rest and reports a balanced accuracy, labelled', () => {
    const r = cli(['run', '--preset', 'quick-class-supermask', '--json', ...common], { timeoutMs: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout).runs[0];
    expect(run).toMatchObject({ kind: 'supermask', status: 'done', objective: { kind: 'one-vs-rest', class: 5, className: '5', metric: 'balanced-accuracy' } });
    // Balanced accuracy of "logit 5 > 0": chance is 0.5.
    expect(run.testAccuracy).toBeGreaterThan(0.6);
    runId = run.runId;
    const text = cli(['show', runId, ...common]).stdout;
    expect(text).toMatch(/test balanced accuracy, 5 vs rest \d/);
    expect(cli(['list', ...common]).stdout).toMatch(/supermask 5-vs-rest\*/);
  }, 620_000);

  it("the supermask's best unit for the class beats the init mask's best unit", () => {
    const r = cli(['analyze', 'selectivity', `${runId}:0:trained`, `${runId}:0:init`, '--class', '5', '--permutations', '20', '--no-probe', '--json', ...common], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { states: { state: { ref: string; label: string; objective?: unknown }; layers: Layer[] }[] };
    // The states say what they were trained for (StateInfo.objective, and the label).
    expect(out.states[0]!.state).toMatchObject({ objective: { kind: 'one-vs-rest', class: 5 }, label: expect.stringContaining('5-vs-rest') });
    const [trained, init] = out.states.map((s) => s.layers);
    const bestOf = (layers: Layer[], name: string) => layers.find((l) => l.layer === name)!.pools[0]!.best.auroc;
    const logitOf = (layers: Layer[]) => layers[layers.length - 1]!.pools[0]!.auroc[5]!;
    for (const layer of ['fc1', 'fc2']) console.log(`${layer}: best unit AUROC supermask ${bestOf(trained!, layer).toFixed(3)} vs init mask ${bestOf(init!, layer).toFixed(3)}`);
    console.log(`class logit AUROC: supermask ${logitOf(trained!).toFixed(3)} vs init mask ${logitOf(init!).toFixed(3)}`);
    expect(bestOf(trained!, 'fc2')).toBeGreaterThan(bestOf(init!, 'fc2'));
    expect(logitOf(trained!)).toBeGreaterThan(0.9);
    expect(logitOf(trained!)).toBeGreaterThan(logitOf(init!));
  }, 320_000);
});

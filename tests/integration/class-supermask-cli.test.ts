// A class-specific (one-vs-rest) supermask through the CLI, on the quick synthetic preset shortened to a few seconds
// of training (150 iterations, 3,000 training and 1,000 test images): the run says what it was trained for
// (objective, balanced accuracy), and the mask found units that detect the class better than the same frozen weights
// unmasked (RUN:0:dense-init: issue #13's test) and under the scores' initial mask (RUN:0:init, a random mask of the
// same per-layer density).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { assertBuilt, cli, tempDir } from '../helpers/cli';

const tmp = tempDir('ticketscope-class-supermask-');
const common = ['--db', join(tmp.dir, 'runs.db'), '--data-dir', join(tmp.dir, 'data')];
const SHORT = ['--set', 'iterations=150', '--set', 'evalEvery=50', '--set', 'synthetic.train=3000', '--set', 'synthetic.test=1000', '--set', 'validation=500'];

beforeAll(() => assertBuilt());
afterAll(() => tmp.cleanup());

type Layer = { layer: string; units: number; pools: { pooling: string; auroc: number[]; best: { unit: number; auroc: number } }[] };
type Sel = { states: { state: { ref: string; label: string; objective?: unknown; density: number }; accuracy: number; objectiveAccuracy?: number | null; layers: Layer[] }[] };

describe('class-specific supermask (CLI)', () => {
  let runId = '';
  let testAccuracy = NaN;

  it('trains the quick preset one-vs-rest and reports a balanced accuracy, labelled', () => {
    const r = cli(['run', '--preset', 'quick-class-supermask', ...SHORT, '--json', ...common], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout).runs[0];
    expect(run).toMatchObject({ kind: 'supermask', status: 'done', objective: { kind: 'one-vs-rest', class: 5, className: '5', metric: 'balanced-accuracy' } });
    // Balanced accuracy of "logit 5 > 0": chance is 0.5.
    expect(run.testAccuracy).toBeGreaterThan(0.6);
    runId = run.runId;
    testAccuracy = run.testAccuracy;
    const text = cli(['show', runId, ...common]).stdout;
    expect(text).toMatch(/test balanced accuracy, 5 vs rest \d/);
    expect(cli(['list', ...common]).stdout).toMatch(/supermask 5-vs-rest\*/);
  }, 320_000);

  it("the supermask's best unit for the class beats the best unit of the unmasked init weights and of the initial mask", () => {
    const refs = [`${runId}:0:trained`, `${runId}:dense-init`, `${runId}:0:init`];
    const r = cli(['analyze', 'selectivity', ...refs, '--class', '5', '--permutations', '20', '--no-probe', '--json', ...common], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Sel;
    // dense-init resolves (any round names it) to the canonical RUN:0:dense-init, every weight kept.
    expect(out.states.map((s) => s.state.ref)).toEqual([`${runId}:0:trained`, `${runId}:0:dense-init`, `${runId}:0:init`]);
    expect(out.states[1]!.state.density).toBe(1);
    // The states say what they were trained for (StateInfo.objective, and the label).
    expect(out.states[0]!.state).toMatchObject({ objective: { kind: 'one-vs-rest', class: 5 }, label: expect.stringContaining('5-vs-rest') });
    // Their accuracy is the objective's: the balanced accuracy of "logit 5 > 0" on the test split, computed by the
    // analysis from the logits, equals the run's own test figure (the trainer's tally on the same images).
    expect(out.states[0]!.objectiveAccuracy).toBeCloseTo(testAccuracy, 6);
    const [trained, dense, init] = out.states.map((s) => s.layers);
    const bestOf = (layers: Layer[], name: string) => layers.find((l) => l.layer === name)!.pools[0]!.best.auroc;
    const bestHidden = (layers: Layer[]) => Math.max(...layers.slice(0, -1).map((l) => l.pools[0]!.best.auroc));
    const logitOf = (layers: Layer[]) => layers[layers.length - 1]!.pools[0]!.auroc[5]!;
    for (const layer of ['fc1', 'fc2']) console.log(`${layer}: best unit AUROC supermask ${bestOf(trained!, layer).toFixed(3)} vs unmasked init ${bestOf(dense!, layer).toFixed(3)} vs init mask ${bestOf(init!, layer).toFixed(3)}`);
    console.log(`class logit AUROC: supermask ${logitOf(trained!).toFixed(3)} vs unmasked init ${logitOf(dense!).toFixed(3)} vs init mask ${logitOf(init!).toFixed(3)}`);
    // Issue #13: the supermask's best unit for the class (over the hidden layers) has a higher AUROC than the best
    // unit of the unmasked init weights. The best of 400 random units is itself well above 0.5 (0.77-0.83 at this
    // size, seeds 0-3), so a bare ">" would be a weak test; the margin 0.1 is below the gap of every seed we ran
    // (0.15-0.21 over seeds 0-3; seed 0, which this run is, seeded: 0.980 against 0.808; docs/methods.md).
    expect(bestHidden(trained!)).toBeGreaterThan(bestHidden(dense!) + 0.1);
    expect(bestOf(trained!, 'fc2')).toBeGreaterThan(bestOf(init!, 'fc2'));
    expect(logitOf(trained!)).toBeGreaterThan(0.9);
    expect(logitOf(trained!)).toBeGreaterThan(logitOf(dense!));
    expect(logitOf(trained!)).toBeGreaterThan(logitOf(init!));
  }, 320_000);
});

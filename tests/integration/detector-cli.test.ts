// `analyze visualize` and `analyze instability` through the CLI: --json shapes, a valid PNG, the cache on a second
// call, --help, and exit 2 with one line for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { assertBuilt, cli, tempDir } from '../helpers/cli';

const tmp = tempDir('ticketscope-detector-');
const common = ['--db', join(tmp.dir, 'runs.db'), '--data-dir', join(tmp.dir, 'data')];

beforeAll(() => assertBuilt());
afterAll(() => tmp.cleanup());

/** Checks a PNG by the spec (signature, chunk CRCs, IHDR, inflated IDAT size), independently of our encoder. */
function readPng(bytes: Buffer): { width: number; height: number; colourType: number; raw: Buffer } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8;
  const chunks: { type: string; data: Buffer }[] = [];
  while (at < bytes.length) {
    const len = bytes.readUInt32BE(at);
    const type = bytes.toString('ascii', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + len);
    expect(bytes.readUInt32BE(at + 8 + len)).toBe(crc32(bytes.subarray(at + 4, at + 8 + len)));
    chunks.push({ type, data });
    at += 12 + len;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const ihdr = chunks[0]!.data;
  return { width: ihdr.readUInt32BE(0), height: ihdr.readUInt32BE(4), colourType: ihdr[9]!, raw: inflateSync(chunks[1]!.data) };
}

describe('analyze visualize and instability (CLI)', () => {
  let runId = '';

  it('trains a tiny IMP run to analyse', () => {
    const cfg = join(tmp.dir, 'tiny-imp.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        version: 1, name: 'tiny-imp', dataset: 'synthetic-mnist', arch: 'lenet-300-100', optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 },
        batchSize: 32, iterations: 60, evalEvery: 30, validation: 200, seeds: [0], method: { kind: 'imp', rounds: 1 }, synthetic: { train: 1200, test: 300 },
      }),
    );
    const r = cli(['run', cfg, '--json', ...common]);
    expect(r.code, r.stderr).toBe(0);
    runId = JSON.parse(r.stdout).runs[0].runId;
  });

  it('visualize --out writes a valid PNG and --json carries the objective per step; the second call is cached', () => {
    const out = join(tmp.dir, 'unit3.png');
    const args = ['analyze', 'visualize', `${runId}:1:trained`, '--layer', 'fc2', '--unit', '3', '--steps', '24'];
    const r = cli([...args, '--out', out, ...common]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/fc2 unit 3: pre-activation/);
    expect(r.stdout).toContain(`wrote ${out}`);
    const png = readPng(readFileSync(out));
    expect(png).toMatchObject({ width: 28 * 4, height: 28 * 4, colourType: 6 });
    expect(png.raw.length).toBe(png.height * (1 + png.width * 4));
    const j = cli([...args, '--json', ...common]);
    expect(j.code, j.stderr).toBe(0);
    const v = JSON.parse(j.stdout);
    expect(v.meta.cached).toBe(true);
    expect(v).toMatchObject({ layer: 'fc2', unit: 3, steps: 24, image: { shape: [28, 28, 1] } });
    expect(v.trace).toHaveLength(24);
    expect(v.trace[0]).toEqual({ step: 1, objective: expect.any(Number) });
    expect(Buffer.from(v.image.rgba, 'base64').length).toBe(28 * 28 * 4);
    // Gradient ascent raises the unit's pre-activation.
    expect(v.final.objective).toBeGreaterThan(v.trace[0].objective);
  });

  it('instability --json prints the barrier and the points, then answers from the cache', () => {
    const args = ['analyze', 'instability', `${runId}:1`, '--points', '5', '--iterations', '30', '--json', ...common];
    const r = cli(args);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ round: 1, iterations: 30, barrier: expect.any(Number), linearBarrier: expect.any(Number), meta: { cached: false } });
    expect(out.points.map((p: { alpha: number }) => p.alpha)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    for (const p of out.points) expect(p.testError).toBeGreaterThanOrEqual(0);
    const top = Math.max(...out.points.map((p: { testError: number }) => p.testError));
    expect(out.barrier).toBeCloseTo(top - (out.points[0].testError + out.points[4].testError) / 2, 12);
    expect(out.barrier).toBeGreaterThanOrEqual(0);
    const again = JSON.parse(cli(args).stdout);
    expect(again.meta.cached).toBe(true);
    expect(again.barrier).toBe(out.barrier);
    const human = cli(['analyze', 'instability', `${runId}:1`, '--points', '5', '--iterations', '30', ...common]);
    expect(human.stdout).toMatch(/error barrier \d+\.\d\d%/);
  });

  it.each([
    [['analyze', 'instability', 'nonsense'], /needs RUN:ROUND/],
    [['analyze', 'instability', 'r0000000000:1'], /unknown run|no run/],
    [['analyze', 'instability', 'RUN:7'], /round 7|no round/],
    [['analyze', 'visualize', 'X:0:trained', '--layer', 'fc2', '--unit', '1'], /--out FILE\.png/],
    [['analyze', 'visualize', 'RUN:1:trained', '--layer', 'fc2', '--unit', '1', '--out', 'x.txt'], /must end in \.png/],
    [['analyze', 'visualize', 'RUN:1:trained', '--layer', 'fc2', '--unit', '100000', '--json'], /unit 100000 out of range/],
    [['analyze', 'visualize', 'RUN:1:trained', '--layer', 'conv9', '--unit', '1', '--json'], /layer conv9/],
  ])('exit 2 with one line: %j', (argv, message) => {
    const r = cli([...argv.map((a) => a.replace('RUN', runId)), ...common]);
    expect(r.code).toBe(2);
    // One error line (progress stages may come before it on stderr).
    const errors = r.stderr.trim().split('\n').filter((l) => l.startsWith('ticketscope:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it('--help documents both', () => {
    expect(cli(['analyze', 'visualize', '--help']).stdout).toMatch(/--steps N[\s\S]*--out FILE\.png/);
    expect(cli(['analyze', 'instability', '--help']).stdout).toMatch(/--points N/);
    expect(cli(['analyze', '--help']).stdout).toMatch(/visualize[\s\S]*instability/);
    expect(existsSync(join(tmp.dir, 'x.txt'))).toBe(false);
  });
});

// Small builders for the renderer's pure-module tests: states, runs and experiment details with only the fields a
// test names set to something other than a plain default.
import type { StateInfo } from '../../../src/shared/analysis';
import type { Which } from '../../../src/shared/refs';
import type { ExperimentDetail, ExperimentRun, RoundResult, RunSummary } from '../../../src/shared/contract';

export function stateInfo(runId: string, round: number, which: Which, extra: Partial<StateInfo> = {}): StateInfo {
  return {
    ref: `${runId}:${round}:${which}`,
    runId,
    round,
    which,
    kind: 'imp',
    seed: 0,
    experimentName: 'exp',
    arch: 'lenet-300-100',
    dataset: 'synthetic-mnist',
    density: 0.8 ** round,
    hasWeights: which !== 'mask',
    label: `${runId} r${round} ${which}`,
    ...extra,
  };
}

/** Every state an IMP run stores for rounds 0..last: init and trained of round 0; trained, ticket-at-init and mask after. */
export function impStates(runId: string, last: number, extra: Partial<StateInfo> = {}): StateInfo[] {
  const out = [stateInfo(runId, 0, 'init', extra), stateInfo(runId, 0, 'trained', extra)];
  for (let r = 1; r <= last; r++) out.push(stateInfo(runId, r, 'trained', extra), stateInfo(runId, r, 'ticket-at-init', extra), stateInfo(runId, r, 'mask', extra));
  return out;
}

export function runSummary(runId: string, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    runId,
    experimentId: 'e1',
    experimentName: 'exp',
    seed: 0,
    kind: 'imp',
    parentRunId: null,
    roundsTotal: 3,
    roundsDone: 0,
    dataset: 'synthetic-mnist',
    arch: 'lenet-300-100',
    status: 'queued',
    iteration: 0,
    iterations: 100,
    etaSeconds: null,
    testAccuracy: null,
    backend: null,
    error: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

export function round(r: number, density: number, testAccuracy: number, earlyStopIteration: number, finalTestAccuracy: number): RoundResult {
  return { round: r, density, testAccuracy, earlyStopIteration, finalTestAccuracy };
}

export function experimentRun(runId: string, kind: string, seed: number, rounds: RoundResult[]): ExperimentRun {
  return { ...runSummary(runId, { kind: kind as RunSummary['kind'], seed, status: 'done' }), rounds, warnings: [] };
}

export function experimentDetail(experimentId: string, name: string, runs: ExperimentRun[]): ExperimentDetail {
  return { experimentId, name, runs } as unknown as ExperimentDetail;
}

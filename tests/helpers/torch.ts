// PyTorch as an independent reference for tests. The interpreter is TICKETSCOPE_PYTHON, else /usr/bin/python3 (the
// `python3` on PATH may lack torch). Without torch a test skips with the reason printed, unless
// TICKETSCOPE_REQUIRE_TORCH=1 (CI), where a missing torch must fail the test instead.
import { spawnSync } from 'node:child_process';

export interface TorchPython {
  /** The interpreter that imports torch, or null. */
  python: string | null;
  /** Why none was found. */
  reason: string;
  /** TICKETSCOPE_REQUIRE_TORCH=1: the tests must run (and fail without torch). */
  required: boolean;
}

export function findTorchPython(): TorchPython {
  const required = process.env.TICKETSCOPE_REQUIRE_TORCH === '1';
  const candidate = process.env.TICKETSCOPE_PYTHON || '/usr/bin/python3';
  const r = spawnSync(candidate, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status === 0) return { python: candidate, reason: '', required };
  const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
  return { python: null, reason: `${candidate}: ${why}`, required };
}

/** Whether a suite should run: yes with torch or when torch is required (then it fails); else warns and skips. */
export function torchSuiteRuns(t: TorchPython, suite: string): boolean {
  if (!t.python && !t.required) console.warn(`${suite}: skipping, no python with torch (${t.reason}); set TICKETSCOPE_PYTHON`);
  return t.python !== null || t.required;
}

/** Runs `script` with `input` as JSON on stdin and returns its stdout parsed as JSON. */
export function runTorch<T>(t: TorchPython, script: string, input: unknown): T {
  if (!t.python) throw new Error(`TICKETSCOPE_REQUIRE_TORCH=1 but no python with torch: ${t.reason}`);
  const r = spawnSync(t.python, [script], { input: JSON.stringify(input), encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout) as T;
}

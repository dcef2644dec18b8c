// Finding a Python with PyTorch for the tests that compare against it. TICKETSCOPE_PYTHON names the interpreter
// (CI sets it to /usr/bin/python3, Debian's, which has python3-torch); otherwise /usr/bin/python3 is tried. With
// TICKETSCOPE_REQUIRE_TORCH=1 a missing torch is a failure (requireOrSkip throws); otherwise the tests skip and say why.
import { spawnSync } from 'node:child_process';

export interface TorchPython {
  /** The interpreter, or null when none has the modules. */
  python: string | null;
  /** Why not, when python is null. */
  reason: string;
}

/** The first of `candidates` that imports `modules` (e.g. "torch, numpy"), or null and why none did. */
export function findPython(modules: string, candidates: readonly string[]): TorchPython {
  const reasons: string[] = [];
  for (const c of candidates) {
    const r = spawnSync(c, ['-c', `import ${modules}`], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) return { python: c, reason: '' };
    reasons.push(`${c}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { python: null, reason: reasons.join('; ') };
}

/** TICKETSCOPE_PYTHON when set, else /usr/bin/python3, if it imports `modules`. */
export function findTorchPython(modules = 'torch, numpy'): TorchPython {
  const env = process.env.TICKETSCOPE_PYTHON;
  return findPython(modules, env ? [env] : ['/usr/bin/python3']);
}

/**
 * Throws when torch is required (TICKETSCOPE_REQUIRE_TORCH=1) but missing; otherwise prints why `what` is skipped
 * when it is. Returns whether the tests can run.
 */
export function requireOrSkip(p: TorchPython, what: string): boolean {
  if (p.python) return true;
  if (process.env.TICKETSCOPE_REQUIRE_TORCH === '1') throw new Error(`${what}: TICKETSCOPE_REQUIRE_TORCH=1 but no python with torch (${p.reason})`);
  console.warn(`${what}: skipped, no python with torch and numpy (${p.reason}); set TICKETSCOPE_PYTHON to one that has them`);
  return false;
}

// Python (PyTorch, numpy) as an independent reference for the tests that compare against it. TICKETSCOPE_PYTHON names
// the interpreter (CI sets it to /usr/bin/python3, Debian's, which has python3-torch); otherwise /usr/bin/python3 is
// tried (the `python3` on PATH may lack torch). With TICKETSCOPE_REQUIRE_TORCH=1 (CI) a missing module is a failure
// (requireOrSkip throws); otherwise the tests skip and print why.
import { spawnSync } from 'node:child_process';

export interface RefPython {
  /** The interpreter, or null when none imports the modules. */
  python: string | null;
  /** Why not, when python is null. */
  reason: string;
  /** The modules it was asked to import, for messages. */
  modules: string;
}

/** The interpreters to try: TICKETSCOPE_PYTHON when set, else /usr/bin/python3. */
export function pythonCandidates(): string[] {
  const env = process.env.TICKETSCOPE_PYTHON;
  return env ? [env] : ['/usr/bin/python3'];
}

/** The first of `candidates` that imports `modules` (e.g. "torch, numpy"), or null and why none did. */
export function findPython(modules: string, candidates: readonly string[] = pythonCandidates()): RefPython {
  const reasons: string[] = [];
  for (const c of candidates) {
    const r = spawnSync(c, ['-c', `import ${modules}`], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) return { python: c, reason: '', modules };
    reasons.push(`${c}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { python: null, reason: reasons.join('; '), modules };
}

/** A python that imports torch and numpy (or `modules`). */
export function findTorchPython(modules = 'torch, numpy'): RefPython {
  return findPython(modules);
}

/**
 * Whether the tests of `what` can run. Throws when the modules are required (TICKETSCOPE_REQUIRE_TORCH=1) but
 * missing; otherwise prints why `what` is skipped when it is.
 */
export function requireOrSkip(p: RefPython, what: string): boolean {
  if (p.python) return true;
  if (process.env.TICKETSCOPE_REQUIRE_TORCH === '1') throw new Error(`${what}: TICKETSCOPE_REQUIRE_TORCH=1 but no python with ${p.modules} (${p.reason})`);
  console.warn(`${what}: skipped, no python with ${p.modules} (${p.reason}); set TICKETSCOPE_PYTHON to one that has them`);
  return false;
}

/** Runs `script` with `input` as JSON on stdin and returns its stdout parsed as JSON. */
export function runPython<T>(p: RefPython, script: string, input: unknown): T {
  if (!p.python) throw new Error(`no python with ${p.modules}: ${p.reason}`);
  const r = spawnSync(p.python, [script], { input: JSON.stringify(input), encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout) as T;
}

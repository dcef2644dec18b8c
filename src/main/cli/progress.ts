// Progress of an experiment's runs on stderr. On a terminal one line, redrawn in place: a bar over every run's
// iterations, rounds done, the latest validation accuracy and an ETA. Otherwise (a log file, a pipe) a line per
// finished round, and a line at most every `heartbeatMs` while a long round trains, so a log never floods. The
// backend line is printed once. Result lines for stdout go through `result()`, which keeps the bar from tearing them
// when both streams are the same terminal.
import type { BackendReport, RunSummary } from '../../shared/contract';
import { formatEta } from './format';

export { formatEta };

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** `[#####.....]  50% · rounds 3/17 · imp s0 val acc 91.2% · ETA 1:05` for the runs given. */
export function progressLine(runs: readonly RunSummary[], latest: { label: string; accuracy: number } | null, etaSeconds: number | null, width = 24): string {
  const done = runs.reduce((a, r) => a + r.iteration, 0);
  const total = runs.reduce((a, r) => a + r.iterations, 0);
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  const rounds = `rounds ${runs.reduce((a, r) => a + r.roundsDone, 0)}/${runs.reduce((a, r) => a + r.roundsTotal, 0)}`;
  const val = latest ? ` · ${latest.label} val acc ${(latest.accuracy * 100).toFixed(1)}%` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% · ${rounds}${val} · ETA ${formatEta(etaSeconds)}`;
}

export const runLabel = (r: Pick<RunSummary, 'kind' | 'seed'>): string => `${r.kind} s${r.seed}`;

export class RunProgress {
  private readonly runs = new Map<string, RunSummary>();
  private latest: { label: string; accuracy: number } | null = null;
  private shown = 0;
  private backendShown = '';
  private pace: { t: number; done: number } | null = null;
  private lastLine = Date.now();

  constructor(
    private readonly err: Stream,
    private readonly out: Stream,
    private readonly heartbeatMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Iterations done in all, and an ETA from the pace measured since the first update (else the runs' own). */
  private eta(): number | null {
    const runs = [...this.runs.values()];
    const done = runs.reduce((a, r) => a + r.iteration, 0);
    const left = runs.reduce((a, r) => a + Math.max(0, r.iterations - r.iteration), 0);
    // Every iteration done: nothing is left, however short the run was (the pace needs 5 s of it).
    if (runs.length > 0 && left === 0) return 0;
    const t = this.now();
    if (!this.pace) this.pace = { t, done };
    const secs = (t - this.pace.t) / 1000;
    if (secs >= 5 && done > this.pace.done) return left / ((done - this.pace.done) / secs);
    // Until then the runs' own (a round that just ended reports 0 s, which says nothing about the rest).
    const own = runs.filter((r) => r.status === 'running' && r.etaSeconds !== null && r.etaSeconds > 0).map((r) => r.etaSeconds!);
    return own.length ? Math.max(...own) : null;
  }

  private line(): string {
    return progressLine([...this.runs.values()], this.latest, this.eta());
  }

  private clear(): void {
    if (this.err.isTTY && this.shown) this.err.write(`\r${' '.repeat(this.shown)}\r`);
    this.shown = 0;
  }

  private redraw(): void {
    if (!this.err.isTTY) return;
    const text = this.line();
    this.err.write(`\r${text.padEnd(this.shown)}`);
    this.shown = text.length;
  }

  update(s: RunSummary): void {
    this.runs.set(s.runId, s);
    // The pace is measured from the first update on.
    this.pace ??= { t: this.now(), done: [...this.runs.values()].reduce((a, r) => a + r.iteration, 0) };
    if (this.err.isTTY) this.redraw();
    else if (s.status === 'running' && this.now() - this.lastLine >= this.heartbeatMs) this.message(`still training: ${this.line()}`);
  }

  validation(run: Pick<RunSummary, 'kind' | 'seed'> & { objective?: RunSummary['objective'] }, accuracy: number): void {
    // A one-vs-rest run's figure is the balanced accuracy of its class against the rest (chance 50%): say so.
    this.latest = { label: run.objective ? `${runLabel(run)} (${run.objective.className} vs rest, balanced)` : runLabel(run), accuracy };
  }

  /** The backend, once (again only if a later job reports another). */
  backend(b: BackendReport): void {
    const skipped = b.skipped.map((x) => `${x.name}: ${x.reason}`).join('; ');
    const text = `backend: ${b.name} (${b.reason})${skipped ? ` — skipped ${skipped}` : ''}`;
    if (b.name === this.backendShown) return;
    this.backendShown = b.name;
    this.message(text);
  }

  /** A finished round: a line on stderr when it is not a terminal (on a terminal the bar shows it). */
  round(run: RunSummary, round: number): void {
    this.runs.set(run.runId, run);
    if (!this.err.isTTY) this.message(`${run.runId} ${runLabel(run)}: round ${round} done · ${this.line()}`);
    else this.redraw();
  }

  /** A line on stderr above the bar. */
  message(text: string): void {
    this.clear();
    this.err.write(`${text}\n`);
    this.lastLine = this.now();
    this.redraw();
  }

  /** A result line on stdout; the bar is lifted first when stderr is a terminal. */
  result(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
    this.redraw();
  }

  /** Removes the bar for good. */
  finish(): void {
    this.clear();
  }
}

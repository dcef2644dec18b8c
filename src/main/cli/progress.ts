// Progress lines on stderr: a bar, iteration, the latest validation accuracy and an ETA.
import type { RunSummary } from '../../shared/contract';

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function progressLine(run: RunSummary, validationAccuracy: number | null, width = 24): string {
  const frac = run.iterations > 0 ? Math.min(1, run.iteration / run.iterations) : 0;
  const filled = Math.round(frac * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const val = validationAccuracy === null ? '' : ` val acc ${(validationAccuracy * 100).toFixed(1)}%`;
  return `${run.runId} seed ${run.seed} [${bar}] ${String(Math.floor(frac * 100)).padStart(3)}% it ${run.iteration}/${run.iterations}${val} ETA ${formatEta(run.etaSeconds)}`;
}

/** Writes progress to a stream: rewrites one line on a terminal, prints at most every few seconds otherwise. */
export class ProgressPrinter {
  private lastPrint = new Map<string, number>();
  private lastLine = '';
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly intervalMs = 2000,
  ) {}

  update(run: RunSummary, validationAccuracy: number | null): void {
    const line = progressLine(run, validationAccuracy);
    if (this.out.isTTY) {
      this.out.write(`\r${line.padEnd(this.lastLine.length)}`);
      this.lastLine = line;
      return;
    }
    const t = Date.now();
    const final = run.iteration >= run.iterations;
    if (!final && t - (this.lastPrint.get(run.runId) ?? 0) < this.intervalMs) return;
    this.lastPrint.set(run.runId, t);
    this.out.write(`${line}\n`);
  }

  message(text: string): void {
    if (this.out.isTTY && this.lastLine) {
      this.out.write('\n');
      this.lastLine = '';
    }
    this.out.write(`${text}\n`);
  }
}

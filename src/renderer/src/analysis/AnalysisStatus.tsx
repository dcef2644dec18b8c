// What an analysis view shows while a result is pending, when a call failed, when there is nothing to analyse, and
// where a result came from (cache or fresh, how long it took). Every message says what to do next.
import type { ReactNode } from 'react';
import type { AnalysisMeta, AnalysisProgress } from '../../../shared/analysis';
import { formatEta, formatTime } from '../app/format';

/** Computation time as people read it: "420 ms", "1.2 s", "2 min 05 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** What to do about an error message from an analysis call, or null when the message says it already. */
export function errorHint(message: string): string | null {
  if (/unknown method|no handler|not implemented|not a method/i.test(message)) {
    return 'The connected Ticketscope core does not provide this analysis: update it (or restart `ticketscope serve` from this version).';
  }
  if (/not-found|not found|no such|unknown (run|state)/i.test(message)) {
    return 'The state may have been deleted or not committed yet: pick another state, or wait for the run to commit the round.';
  }
  if (/\[invalid\]|invalid|expected/i.test(message)) return 'Change the inputs above and try again.';
  if (/closed|disconnect|websocket|timed out|timeout/i.test(message)) return 'The connection to the core dropped: it reconnects by itself; then press Retry.';
  return null;
}

/** A progress bar with stage, done/total and ETA; indeterminate before the first progress event. */
export function AnalysisLoading({ progress, what, testId = 'analysis-loading' }: { progress: AnalysisProgress | null; what: string; testId?: string }) {
  const frac = progress && progress.total > 0 ? Math.min(1, Math.max(0, progress.done / progress.total)) : null;
  return (
    <div className="analysis-status loading" role="status" aria-live="polite" data-testid={testId}>
      <div className="analysis-status-line">
        <span className="spinner" aria-hidden="true" />
        <span>
          Computing {what}
          {progress ? (
            <>
              {' '}
              — <b>{progress.stage}</b>
              {progress.total > 0 && (
                <>
                  {' '}
                  {progress.done.toLocaleString('en-US')}/{progress.total.toLocaleString('en-US')}
                </>
              )}
              {progress.etaSeconds !== null && <> · about {formatEta(progress.etaSeconds)} left</>}
            </>
          ) : (
            '…'
          )}
        </span>
      </div>
      <div
        className={`progress analysis-progress${frac === null ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-label={`Computing ${what}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={frac === null ? undefined : Math.round(frac * 100)}
      >
        <div className="progress-fill" style={{ width: frac === null ? '30%' : `${(frac * 100).toFixed(1)}%` }} />
      </div>
    </div>
  );
}

/** One line: what failed and why, what to do, and a Retry button when a retry can help. */
export function AnalysisError({ what, message, onRetry, testId = 'analysis-error' }: { what: string; message: string; onRetry?: () => void; testId?: string }) {
  const hint = errorHint(message);
  return (
    <div className="analysis-status error" role="alert" data-testid={testId}>
      <span className="analysis-error-text">
        <b>{what} failed:</b> {message}
        {hint && <span className="analysis-hint"> {hint}</span>}
      </span>
      {onRetry && (
        <button type="button" className="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Nothing to analyse yet: a title, what is missing, and what to do (children). */
export function AnalysisEmpty({ title, children, testId = 'analysis-empty' }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <div className="empty-state analysis-empty" data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** "cached · computed in 1.2 s on 2025-01-02 10:11:12 · v3", with the cache key as a tooltip. */
export function AnalysisProvenance({ meta, testId = 'analysis-provenance' }: { meta: AnalysisMeta | null | undefined; testId?: string }) {
  if (!meta) return null;
  return (
    <span className="analysis-provenance muted" title={`cache key ${meta.key}`} data-testid={testId} data-cached={meta.cached ? 'true' : 'false'}>
      {meta.cached ? 'cached' : 'fresh'} · computed in {formatDuration(meta.computeMs)} · {formatTime(meta.computedAt)} · {meta.kind} v{meta.version}
    </span>
  );
}

/** The pending / error part of an analysis' state, or nothing when there is a current result. */
export function AnalysisStatus(props: {
  what: string;
  loading: boolean;
  error: string | null;
  progress: AnalysisProgress | null;
  onRetry?: () => void;
  testId?: string;
}) {
  const { what, loading, error, progress, onRetry, testId = 'analysis' } = props;
  if (error) return <AnalysisError what={what} message={error} onRetry={onRetry} testId={`${testId}-error`} />;
  if (loading) return <AnalysisLoading what={what} progress={progress} testId={`${testId}-loading`} />;
  return null;
}

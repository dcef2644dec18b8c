// The run list: one item per run, live progress, keyboard navigation (Up/Down/Home/End move the selection,
// Enter selects).
import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { RunSummary } from '../../../shared/contract';
import { formatEta, formatInt, formatPercent, isSynthetic } from '../app/format';

export function SyntheticBadge({ dataset }: { dataset: string }) {
  if (!isSynthetic(dataset)) return null;
  return (
    <span className="badge synthetic" title="Generated data, not the real data set: accuracies are not comparable to published numbers">
      SYNTHETIC
    </span>
  );
}

export function StatusBadge({ status }: { status: RunSummary['status'] }) {
  return <span className={`status status-${status}`}>{status}</span>;
}

function Progress({ run }: { run: RunSummary }) {
  const frac = run.iterations > 0 ? Math.min(1, run.iteration / run.iterations) : 0;
  return (
    <div className="progress-row">
      <div
        className="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={run.iterations}
        aria-valuenow={run.iteration}
        aria-label="iterations done"
      >
        <div className="progress-fill" style={{ width: `${(frac * 100).toFixed(2)}%` }} />
      </div>
      <span className="progress-text" data-testid="run-progress">
        {formatInt(run.iteration)}/{formatInt(run.iterations)} it
        {run.status === 'running' && <> · ETA {formatEta(run.etaSeconds)}</>}
      </span>
    </div>
  );
}

interface ItemProps {
  run: RunSummary;
  selected: boolean;
  cancelling: boolean;
  onSelect: (runId: string) => void;
  onCancel: (runId: string) => void;
}

function RunItem({ run, selected, cancelling, onSelect, onCancel }: ItemProps) {
  const active = run.status === 'running' || run.status === 'queued';
  return (
    <div
      id={`run-${run.runId}`}
      role="option"
      aria-selected={selected}
      className={`run-item${selected ? ' selected' : ''}`}
      data-testid="run-item"
      data-status={run.status}
      data-run-id={run.runId}
      onClick={() => onSelect(run.runId)}
    >
      <div className="run-row">
        <StatusBadge status={run.status} />
        <span className="run-name" title={`experiment ${run.experimentName} (${run.experimentId})`}>
          {run.experimentName}
        </span>
        <span className="run-seed">seed {run.seed}</span>
        <span className="run-acc" title="test accuracy at the early-stopping iteration of the last finished round">
          {run.testAccuracy !== null && (
            <>
              <span className="muted">test </span>
              <span data-testid="run-accuracy">{formatPercent(run.testAccuracy)}</span>
            </>
          )}
        </span>
      </div>
      <div className="run-row sub">
        <span>{run.kind}</span>
        <span className="sep">·</span>
        <span>{run.arch}</span>
        <span className="sep">·</span>
        <span>{run.dataset}</span>
        <SyntheticBadge dataset={run.dataset} />
      </div>
      {active && (
        <div className="run-row">
          <Progress run={run} />
          {run.status === 'running' || run.status === 'queued' ? (
            <button
              type="button"
              className="btn small"
              disabled={cancelling}
              onClick={(e) => {
                e.stopPropagation();
                onCancel(run.runId);
              }}
              onKeyDown={(e) => e.stopPropagation()}
              title="Stop this run; rounds finished so far are kept"
            >
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          ) : null}
        </div>
      )}
      {run.status === 'failed' && run.error && (
        <div className="run-row run-error" title={run.error}>
          {run.error}
        </div>
      )}
    </div>
  );
}

export interface RunListProps {
  runs: RunSummary[];
  selectedId: string | null;
  cancelling: ReadonlySet<string>;
  onSelect: (runId: string) => void;
  onCancel: (runId: string) => void;
}

export function RunList({ runs, selectedId, cancelling, onSelect, onCancel }: RunListProps) {
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!selectedId) return;
    const el = document.getElementById(`run-${selectedId}`);
    el?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (runs.length === 0) return;
    const i = runs.findIndex((r) => r.runId === selectedId);
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = i < 0 ? 0 : Math.min(runs.length - 1, i + 1);
    else if (e.key === 'ArrowUp') next = i < 0 ? 0 : Math.max(0, i - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = runs.length - 1;
    else if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) next = i < 0 ? 0 : i;
    if (next === null) return;
    e.preventDefault();
    const run = runs[next];
    if (run) onSelect(run.runId);
  };

  if (runs.length === 0) {
    return <div className="run-list-empty muted">No runs in this database yet.</div>;
  }
  return (
    <div
      ref={listRef}
      className="run-list"
      role="listbox"
      tabIndex={0}
      aria-label="Runs, newest first"
      aria-activedescendant={selectedId ? `run-${selectedId}` : undefined}
      onKeyDown={onKeyDown}
      data-testid="run-list"
    >
      {runs.map((r) => (
        <RunItem
          key={r.runId}
          run={r}
          selected={r.runId === selectedId}
          cancelling={cancelling.has(r.runId)}
          onSelect={(id) => {
            onSelect(id);
            listRef.current?.focus({ preventScroll: true });
          }}
          onCancel={onCancel}
        />
      ))}
    </div>
  );
}

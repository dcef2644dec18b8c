// Main area for the selected run: title line, training curve (with a round picker for multi-round runs), details.
import { useMemo, useState } from 'react';
import type { MetricPoint, RunDetail, RunSummary } from '../../../shared/contract';
import { CurveLegend, TrainingCurve, ZOOM_SKIP } from '../charts/TrainingCurve';
import { formatEta, formatInt, formatPercent } from '../app/format';
import { ResultsTable, RunDetails } from './RunDetails';
import { StatusBadge, SyntheticBadge } from './RunList';

export interface RunPanelProps {
  summary: RunSummary;
  detail: RunDetail | null;
  points: MetricPoint[];
  historyLoaded: boolean;
  /** Fit the y axes to the later part of training (kept across runs by the parent). */
  zoom: boolean;
  onZoom: (zoom: boolean) => void;
}

export function RunPanel({ summary, detail, points, historyLoaded, zoom, onZoom }: RunPanelProps) {
  const rounds = useMemo(() => [...new Set(points.map((p) => p.round))].sort((a, b) => a - b), [points]);
  const [pickedRound, setPickedRound] = useState<number | null>(null);
  const lastRound = rounds[rounds.length - 1] ?? 0;
  const round = pickedRound !== null && rounds.includes(pickedRound) ? pickedRound : lastRound;
  const shown = useMemo(() => points.filter((p) => p.round === round), [points, round]);
  const result = detail?.rounds.find((r) => r.round === round) ?? null;
  const cfg = detail?.config;

  const active = summary.status === 'running' || summary.status === 'queued';
  const emptyLabel = !historyLoaded
    ? 'Loading metrics…'
    : active
      ? `Waiting for the first evaluation${cfg ? ` (every ${formatInt(cfg.evalEvery)} iterations)` : ''}…`
      : 'No metrics were recorded for this run.';

  return (
    <div className="run-panel" data-testid="run-panel" data-run-id={summary.runId}>
      <div className="panel-title">
        <h2>
          {summary.experimentName} <span className="muted">· seed {summary.seed}</span>
        </h2>
        <StatusBadge status={summary.status} />
        <span className="title-meta">
          {summary.kind} · {summary.arch} on {summary.dataset} <SyntheticBadge dataset={summary.dataset} />
        </span>
        <span className="title-right">
          {active ? (
            <span>
              it {formatInt(summary.iteration)}/{formatInt(summary.iterations)}
              {summary.status === 'running' && <> · ETA {formatEta(summary.etaSeconds)}</>}
            </span>
          ) : (
            summary.testAccuracy !== null && (
              <span>
                test acc. <b data-testid="panel-test-accuracy">{formatPercent(summary.testAccuracy)}</b>
                {result && <span className="muted"> (at early stop, it {formatInt(result.earlyStopIteration)})</span>}
              </span>
            )
          )}
        </span>
      </div>
      <div className="curve-head">
        <h3>Training curve{rounds.length > 1 ? ` · round ${round}` : ''}</h3>
        {rounds.length > 1 && (
          <label className="round-pick">
            round{' '}
            <select value={round} onChange={(e) => setPickedRound(Number(e.target.value))}>
              {rounds.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="zoom-pick" title={`Fit both y axes to the evaluations after the first ${ZOOM_SKIP * 100}% of the iterations`}>
          <input type="checkbox" checked={zoom} onChange={(e) => onZoom(e.target.checked)} data-testid="zoom-y" /> zoom
          y axes
        </label>
        <CurveLegend />
      </div>
      <TrainingCurve
        points={shown}
        iterations={cfg?.iterations ?? (summary.iterations || null)}
        earlyStopIteration={result?.earlyStopIteration ?? null}
        batchSize={cfg?.batchSize ?? null}
        evalEvery={cfg?.evalEvery ?? null}
        emptyLabel={emptyLabel}
        zoom={zoom}
      />
      {detail ? (
        <>
          <ResultsTable detail={detail} />
          <RunDetails detail={detail} live={summary} />
        </>
      ) : (
        <div className="muted pad">Loading run details…</div>
      )}
    </div>
  );
}

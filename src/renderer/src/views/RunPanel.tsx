// Main area for the selected run: title line, training curve (with a round picker for multi-round runs), details.
import { accuracyShort } from '../../../shared/objective';
import { useMemo, useState } from 'react';
import type { MetricPoint, RunDetail, RunSummary } from '../../../shared/contract';
import { CurveLegend, TrainingCurve, ZOOM_SKIP } from '../charts/TrainingCurve';
import { formatEta, formatInt, formatPercent } from '../app/format';
import { controlRoundsOf } from '../../../shared/config';
import { kindInfo, roundsText } from '../app/kinds';
import { hrefOf } from '../app/routes';
import { ResultsTable, RunDetails } from './RunDetails';
import { SnapshotExport } from './SnapshotExport';
import { RunButtons, StatusBadge, SyntheticBadge, type RunActions } from './RunList';

export interface RunPanelProps {
  summary: RunSummary;
  /** For a control: the ticket run it controls, when listed. */
  parent: RunSummary | null;
  detail: RunDetail | null;
  points: MetricPoint[];
  historyLoaded: boolean;
  /** Fit the y axes to the later part of training (kept across runs by the parent). */
  zoom: boolean;
  onZoom: (zoom: boolean) => void;
  actions: RunActions;
  onSelect: (runId: string) => void;
}

export function RunPanel({ summary, parent, detail, points, historyLoaded, zoom, onZoom, actions, onSelect }: RunPanelProps) {
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
          <span title={kindInfo(summary.kind).description}>
            {kindInfo(summary.kind).label} <span className="muted">({summary.kind})</span>
          </span>{' '}
          · {summary.arch} on {summary.dataset} <SyntheticBadge dataset={summary.dataset} />
          {summary.roundsTotal > 1 && (
            <>
              {' '}
              · rounds <span data-testid="panel-rounds">{summary.roundsDone}/{summary.roundsTotal}</span>
            </>
          )}
        </span>
        <RunButtons run={summary} actions={actions} />
        <span className="title-right">
          {active ? (
            <span>
              it {formatInt(summary.iteration)}/{formatInt(summary.iterations)}
              {summary.status === 'running' && <> · ETA {formatEta(summary.etaSeconds)}</>}
            </span>
          ) : (
            summary.testAccuracy !== null && (
              <span>
                {accuracyShort(summary.objective)} <b data-testid="panel-test-accuracy">{formatPercent(summary.testAccuracy)}</b>
                {result && <span className="muted"> (at early stop, it {formatInt(result.earlyStopIteration)})</span>}
              </span>
            )
          )}
        </span>
      </div>
      {(summary.parentRunId || summary.roundsTotal > 1) && (
        <div className="panel-links">
          {summary.parentRunId && (
            <span>
              control of{' '}
              <button type="button" className="link" onClick={() => onSelect(summary.parentRunId!)}>
                {parent ? `${kindInfo(parent.kind).label}, seed ${parent.seed}` : summary.parentRunId}
              </button>{' '}
              · trains {cfg && detail?.runId === summary.runId ? roundsText(controlRoundsOf(cfg.method)) : `${summary.roundsTotal} round${summary.roundsTotal === 1 ? '' : 's'}`} on the ticket’s masks
            </span>
          )}
          <a href={hrefOf('lottery', summary.experimentId)}>Lottery plot of this experiment →</a>
        </div>
      )}
      {detail && detail.runId === summary.runId && detail.warnings.length > 0 && (
        <div className="warnings" role="note" data-testid="run-panel-warnings">
          <b>Warnings</b>
          <ul>
            {detail.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      {summary.status === 'failed' && summary.error && (
        <div className="warnings error-text" role="alert">
          <b>Failed:</b> {summary.error}
        </div>
      )}
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
        {...(summary.objective ? { labels: { accuracy: `balanced acc. ${summary.objective.className} vs rest (%)`, loss: 'one-vs-rest BCE (weighted)' } } : {})}
        zoom={zoom}
      />
      {detail ? (
        <>
          <ResultsTable detail={detail} />
          <SnapshotExport detail={detail} onShowRun={onSelect} />
          <RunDetails detail={detail} live={summary} />
        </>
      ) : (
        <div className="muted pad">Loading run details…</div>
      )}
    </div>
  );
}

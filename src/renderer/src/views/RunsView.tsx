// Home: start from any preset (PresetStarter, or the quick one), the grouped run list on the left, the selected run
// on the right.
import type { AppInfo, ExperimentDetail, ExperimentSummary, MetricPoint, RunDetail, RunSummary } from '../../../shared/contract';
import { startShortcutLabel } from '../app/format';
import { EmptyState } from './EmptyState';
import { estimateShort } from './preset-order';
import { PresetStarter } from './PresetStarter';
import { RunList, type RunActions } from './RunList';
import { RunPanel } from './RunPanel';

export const QUICK_PRESET = 'quick';

export interface RunsViewProps {
  info: AppInfo | null;
  runs: RunSummary[];
  experiments: ReadonlyMap<string, ExperimentSummary>;
  details: ReadonlyMap<string, ExperimentDetail>;
  selectedId: string | null;
  onSelect: (runId: string) => void;
  actions: RunActions;
  starting: boolean;
  onStartPreset: (preset: string) => void;
  view: { detail: RunDetail | null; points: MetricPoint[]; historyLoaded: boolean };
  zoom: boolean;
  onZoom: (zoom: boolean) => void;
}

export function RunsView(props: RunsViewProps) {
  const { info, runs, selectedId, starting, onStartPreset, actions, view, zoom, onZoom } = props;
  const summary = runs.find((r) => r.runId === selectedId);
  const quick = info?.presets.find((p) => p.name === QUICK_PRESET);
  const quickTitle = quick
    ? `${quick.description}\n${quick.config.arch} on ${quick.config.dataset}, ${quick.config.iterations} iterations, seeds ${quick.config.seeds.join(', ')}${estimateShort(quick) && `, ${estimateShort(quick)}`} (${startShortcutLabel})`
    : `Start the "${QUICK_PRESET}" preset (${startShortcutLabel})`;
  const parent = summary?.parentRunId ? runs.find((r) => r.runId === summary.parentRunId) : undefined;

  return (
    <div className="layout" data-testid="view-runs">
      <aside className="sidebar" aria-label="Experiments and runs">
        <div className="sidebar-head">
          <h2 className="sidebar-title">
            Runs <span className="muted">({runs.length})</span>
          </h2>
          <button
            type="button"
            className="btn primary"
            onClick={() => onStartPreset(QUICK_PRESET)}
            disabled={starting || !quick}
            title={quickTitle}
            data-testid="start-quick-run"
          >
            {starting ? 'Starting…' : 'Start quick run'} <kbd>{startShortcutLabel}</kbd>
          </button>
        </div>
        <PresetStarter info={info} starting={starting} onStart={onStartPreset} />
        <RunList
          runs={runs}
          experiments={props.experiments}
          details={props.details}
          selectedId={selectedId}
          actions={actions}
          onSelect={props.onSelect}
        />
      </aside>
      <main className="main">
        {runs.length === 0 && !summary ? (
          <EmptyState />
        ) : summary ? (
          <RunPanel
            key={summary.runId}
            summary={summary}
            parent={parent ?? null}
            detail={view.detail}
            points={view.points}
            historyLoaded={view.historyLoaded}
            zoom={zoom}
            onZoom={onZoom}
            actions={actions}
            onSelect={props.onSelect}
          />
        ) : (
          <div className="center muted">{selectedId ? 'Loading the run…' : 'Select a run on the left (↑/↓, Enter).'}</div>
        )}
      </main>
    </div>
  );
}

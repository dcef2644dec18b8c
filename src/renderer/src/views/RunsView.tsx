// Home: start from any preset (or the quick one), the grouped run list on the left, the selected run on the right.
import { useState } from 'react';
import type { AppInfo, ExperimentDetail, ExperimentSummary, MetricPoint, RunDetail, RunSummary } from '../../../shared/contract';
import { formatInt, startShortcutLabel } from '../app/format';
import { methodText } from '../app/kinds';
import { hrefOf } from '../app/routes';
import { EmptyState } from './EmptyState';
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

function PresetStarter({ info, starting, onStart }: { info: AppInfo | null; starting: boolean; onStart: (p: string) => void }) {
  const presets = info?.presets ?? [];
  const [picked, setPicked] = useState<string>('');
  const name = picked && presets.some((p) => p.name === picked) ? picked : (presets[0]?.name ?? '');
  const preset = presets.find((p) => p.name === name);
  const c = preset?.config;
  return (
    <div className="preset-starter" data-testid="preset-starter">
      <div className="run-row">
        <label htmlFor="preset-select" className="muted">
          preset
        </label>
        <select
          id="preset-select"
          value={name}
          onChange={(e) => setPicked(e.target.value)}
          data-testid="preset-select"
          disabled={presets.length === 0}
        >
          {presets.map((p) => (
            <option key={p.name} value={p.name} title={p.description}>
              {p.name} — {p.config.arch} on {p.config.dataset}, {p.config.method.kind}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="btn small"
          disabled={!preset || starting}
          onClick={() => preset && onStart(preset.name)}
          data-testid="start-preset"
          title={preset ? `Start the "${preset.name}" preset as it is` : undefined}
        >
          Start
        </button>
        <a className="btn small" href={hrefOf('builder', name || null)} title="Open this preset in the experiment builder to change it first">
          Edit…
        </a>
      </div>
      {preset && c && (
        <div className="preset-desc" title={preset.description} data-testid="preset-description">
          <span className="preset-facts">
            {methodText(c)} · {formatInt(c.iterations)} it · batch {c.batchSize} · {c.optimizer.name} lr {c.optimizer.lr} · seeds{' '}
            {c.seeds.join(', ')}
          </span>
          <span className="preset-text">{preset.description}</span>
        </div>
      )}
    </div>
  );
}

export function RunsView(props: RunsViewProps) {
  const { info, runs, selectedId, starting, onStartPreset, actions, view, zoom, onZoom } = props;
  const summary = runs.find((r) => r.runId === selectedId);
  const quick = info?.presets.find((p) => p.name === QUICK_PRESET);
  const quickTitle = quick
    ? `${quick.description}\n${quick.config.arch} on ${quick.config.dataset}, ${quick.config.iterations} iterations, seeds ${quick.config.seeds.join(', ')} (${startShortcutLabel})`
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

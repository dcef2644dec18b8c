// The run list, grouped: experiment -> seed -> the method's run, then its controls. Live status, rounds, progress and
// ETA, per-run Cancel and Resume, warnings. Keyboard: Up/Down/Home/End move the selection, Enter selects, c cancels,
// Shift+R resumes.
import { useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import type { ExperimentDetail, ExperimentSummary, RunSummary } from '../../../shared/contract';
import { formatEta, formatInt, formatPercent, isSynthetic } from '../app/format';
import { controlsOf, kindInfo, kindOrder, isPruningConfig, methodText } from '../app/kinds';
import { hrefOf } from '../app/routes';
import { gChordPending } from '../app/shortcuts';

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

export const isActive = (s: RunSummary['status']) => s === 'running' || s === 'queued';
export const canResume = (s: RunSummary['status']) => s === 'failed' || s === 'cancelled';

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
        aria-label="iterations done, all rounds"
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

export interface RunActions {
  busy: ReadonlySet<string>;
  onCancel: (runId: string) => void;
  onResume: (runId: string) => void;
}

/** Cancel while queued or running, Resume when failed or cancelled; nothing when done. */
export function RunButtons({ run, actions, compact }: { run: RunSummary; actions: RunActions; compact?: boolean }) {
  const busy = actions.busy.has(run.runId);
  const active = isActive(run.status);
  if (!active && !canResume(run.status)) return null;
  const stop = (e: { stopPropagation: () => void }) => e.stopPropagation();
  const b = active
    ? {
        act: actions.onCancel,
        testId: 'cancel-run',
        title: run.parentRunId ? 'Stop this control run; its finished rounds are kept' : 'Stop this run and its controls; finished rounds are kept',
        text: busy ? 'Cancelling…' : compact ? 'Cancel' : 'Cancel run',
      }
    : {
        act: actions.onResume,
        testId: 'resume-run',
        title: 'Continue from the last committed round (with the ticket and controls of this seed that are not done)',
        text: busy ? 'Resuming…' : compact ? 'Resume' : 'Resume run',
      };
  return (
    <button
      type="button"
      className="btn small"
      disabled={busy}
      onClick={(e) => {
        stop(e);
        b.act(run.runId);
      }}
      onKeyDown={stop}
      data-testid={b.testId}
      title={b.title}
    >
      {b.text}
    </button>
  );
}

interface ItemProps {
  run: RunSummary;
  control: boolean;
  warnings: string[];
  selected: boolean;
  actions: RunActions;
  onSelect: (runId: string) => void;
}

function RunItem({ run, control, warnings, selected, actions, onSelect }: ItemProps) {
  const info = kindInfo(run.kind);
  return (
    <div
      id={`run-${run.runId}`}
      role="option"
      aria-selected={selected}
      className={`run-item${selected ? ' selected' : ''}${control ? ' control' : ''}`}
      data-testid="run-item"
      data-status={run.status}
      data-run-id={run.runId}
      data-kind={run.kind}
      data-rounds-done={run.roundsDone}
      onClick={() => onSelect(run.runId)}
    >
      <div className="run-row">
        <StatusBadge status={run.status} />
        <span className="run-kind" title={info.description}>
          {info.label}
        </span>
        <span className="run-seed">seed {run.seed}</span>
        {run.roundsTotal > 1 && (
          <span className="run-rounds" title="rounds committed / rounds this run trains" data-testid="run-rounds">
            rounds {run.roundsDone}/{run.roundsTotal}
          </span>
        )}
        <span className="run-acc" title={`${run.objective ? `balanced accuracy of "${run.objective.className} logit > 0" on the test set (chance 50%)` : 'test accuracy'} at the early-stopping iteration of the last finished round`}>
          {run.testAccuracy !== null && (
            <>
              <span className="muted">{run.objective ? `test bal. acc. ${run.objective.className} vs rest ` : 'test '}</span>
              <span data-testid="run-accuracy">{formatPercent(run.testAccuracy)}</span>
            </>
          )}
        </span>
      </div>
      {(isActive(run.status) || canResume(run.status)) && (
        <div className="run-row">
          {isActive(run.status) ? (
            <Progress run={run} />
          ) : (
            <span className={`run-error${run.status === 'failed' ? ' failed' : ''}`} title={run.error ?? undefined}>
              {run.status === 'failed' ? (run.error ?? 'failed') : `cancelled at it ${formatInt(run.iteration)}/${formatInt(run.iterations)}`}
            </span>
          )}
          <RunButtons run={run} actions={actions} compact />
        </div>
      )}
      {warnings.length > 0 && (
        <div className="run-row run-warning" title={warnings.join('\n')} data-testid="run-warnings">
          ⚠ {warnings.length === 1 ? warnings[0] : `${warnings.length} warnings: ${warnings[0]} …`}
        </div>
      )}
    </div>
  );
}

export interface Group {
  experimentId: string;
  name: string;
  /** Per seed: the method's run first, then its controls. */
  seeds: { seed: number; runs: { run: RunSummary; control: boolean }[] }[];
}

/** Groups the (newest-first) run list by experiment, in order of each experiment's newest run. */
export function groupRuns(runs: readonly RunSummary[]): Group[] {
  const byExp = new Map<string, RunSummary[]>();
  for (const r of runs) {
    const list = byExp.get(r.experimentId) ?? [];
    list.push(r);
    byExp.set(r.experimentId, list);
  }
  const oldestFirst = (a: RunSummary, b: RunSummary) =>
    a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.runId < b.runId ? -1 : 1;
  return [...byExp].map(([experimentId, list]) => {
    const ids = new Set(list.map((r) => r.runId));
    const roots = list.filter((r) => !r.parentRunId || !ids.has(r.parentRunId)).sort(oldestFirst);
    const seeds = new Map<number, { run: RunSummary; control: boolean }[]>();
    for (const root of roots) {
      const entry = seeds.get(root.seed) ?? [];
      entry.push({ run: root, control: false });
      for (const c of list.filter((r) => r.parentRunId === root.runId).sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || oldestFirst(a, b))) entry.push({ run: c, control: true });
      seeds.set(root.seed, entry);
    }
    return {
      experimentId,
      name: list[0]!.experimentName,
      seeds: [...seeds].sort((a, b) => a[0] - b[0]).map(([seed, r]) => ({ seed, runs: r })),
    };
  });
}

function countsText(runs: RunSummary[]): string {
  const by = new Map<string, number>();
  for (const r of runs) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  const order = ['running', 'queued', 'failed', 'cancelled', 'done'];
  const parts = order.filter((s) => by.has(s)).map((s) => `${by.get(s)} ${s}`);
  return `${runs.length} run${runs.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** The group as a whole: running if any run is, else queued, failed, cancelled; done when all are. */
function groupStatus(runs: RunSummary[]): RunSummary['status'] {
  for (const st of ['running', 'queued', 'failed', 'cancelled'] as const) if (runs.some((r) => r.status === st)) return st;
  return 'done';
}

function GroupHead({ group, experiment }: { group: Group; experiment: ExperimentSummary | undefined }) {
  const runs = group.seeds.flatMap((s) => s.runs.map((r) => r.run));
  const c = experiment?.config;
  const first = runs[0]!;
  const controls = c ? controlsOf(c) : [];
  return (
    <div className="group-head" data-testid="experiment-group" data-experiment-id={group.experimentId} data-status={groupStatus(runs)}>
      <div className="run-row">
        <span className="group-name" title={`experiment ${group.experimentId} (hash of its config)`}>
          {group.name}
        </span>
        <code className="muted group-id">{group.experimentId.slice(0, 8)}</code>
        {c && isPruningConfig(c) && (
          <a className="group-link" href={hrefOf('lottery', group.experimentId)} data-testid="open-lottery">
            Lottery plot →
          </a>
        )}
      </div>
      <div className="run-row sub">
        <span className="group-method" title={c ? methodText(c) : undefined}>
          {c ? methodText(c) : first.kind}
        </span>
      </div>
      <div className="run-row sub">
        <span>
          {first.arch} on {first.dataset}
        </span>
        <SyntheticBadge dataset={first.dataset} />
        {c && (
          <span className="muted">
            · {formatInt(c.iterations)} it/round{controls.length > 0 && ` · controls: ${controls.join(', ')}`}
          </span>
        )}
      </div>
      <div className="run-row sub muted">{countsText(runs)}</div>
    </div>
  );
}

export interface RunListProps {
  runs: RunSummary[];
  experiments: ReadonlyMap<string, ExperimentSummary>;
  details: ReadonlyMap<string, ExperimentDetail>;
  selectedId: string | null;
  actions: RunActions;
  onSelect: (runId: string) => void;
}

export function RunList({ runs, experiments, details, selectedId, actions, onSelect }: RunListProps) {
  const listRef = useRef<HTMLDivElement>(null);
  const groups = useMemo(() => groupRuns(runs), [runs]);
  const flat = useMemo(() => groups.flatMap((g) => g.seeds.flatMap((s) => s.runs.map((r) => r.run))), [groups]);
  const warnings = useMemo(() => {
    const m = new Map<string, string[]>();
    for (const d of details.values()) for (const r of d.runs) if (r.warnings.length) m.set(r.runId, r.warnings);
    return m;
  }, [details]);

  useEffect(() => {
    if (!selectedId) return;
    document.getElementById(`run-${selectedId}`)?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (flat.length === 0 || e.altKey || e.ctrlKey || e.metaKey || gChordPending()) return;
    const i = flat.findIndex((r) => r.runId === selectedId);
    const current = flat[i];
    if (current && e.key === 'c' && isActive(current.status)) {
      e.preventDefault();
      actions.onCancel(current.runId);
      return;
    }
    if (current && e.key === 'R' && canResume(current.status)) {
      e.preventDefault();
      actions.onResume(current.runId);
      return;
    }
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = i < 0 ? 0 : Math.min(flat.length - 1, i + 1);
    else if (e.key === 'ArrowUp') next = i < 0 ? 0 : Math.max(0, i - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = flat.length - 1;
    else if (e.key === 'Enter') next = i < 0 ? 0 : i;
    if (next === null) return;
    e.preventDefault();
    const run = flat[next];
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
      aria-label="Runs by experiment and seed, newest experiment first"
      aria-activedescendant={selectedId ? `run-${selectedId}` : undefined}
      onKeyDown={onKeyDown}
      data-testid="run-list"
    >
      {groups.map((g) => (
        <div key={g.experimentId} role="group" aria-label={`experiment ${g.name}`} className="run-group" data-testid="run-group">
          <GroupHead group={g} experiment={experiments.get(g.experimentId)} />
          {g.seeds.map((s) =>
            s.runs.map(({ run, control }) => (
              <RunItem
                key={run.runId}
                run={run}
                control={control}
                warnings={warnings.get(run.runId) ?? []}
                selected={run.runId === selectedId}
                actions={actions}
                onSelect={(id) => {
                  onSelect(id);
                  listRef.current?.focus({ preventScroll: true });
                }}
              />
            )),
          )}
        </div>
      ))}
    </div>
  );
}

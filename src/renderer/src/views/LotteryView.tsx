// Lottery plot: for an experiment (and optionally others on the same network and data set), test accuracy at early
// stop and the early-stopping iteration against % of weights remaining, one line per method and control, mean over
// seeds with a band; the table of every plotted number below (lottery/LotteryTable.tsx). Each chart exports as PNG
// and SVG, the table as CSV. The controls are lottery/LotteryToolbar.tsx; the optional instability panel
// lottery/InstabilityPanel.tsx.
import { useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';
import type { Api, ExperimentDetail, RunSummary } from '../../../shared/contract';
import { RouteNotice } from '../analysis/RouteNotice';
import { errorMessage } from '../api';
import { useExperimentsOf, type ExperimentsState } from '../app/experiments';
import { formatInt, isSynthetic } from '../app/format';
import { isPruningConfig, kindInfo, methodText } from '../app/kinds';
import { hrefOf } from '../app/routes';
import { useDarkMode } from '../app/theme';
import { exportPng, exportSvg, fileStem } from '../charts/export';
import { LotteryChart, type BandKind } from '../charts/LotteryChart';
import { buildSeries, seriesLabel, skipsRounds, type Metric } from '../charts/lottery-data';
import { useElementWidth } from '../charts/useElementWidth';
import { InstabilityPanel } from './lottery/InstabilityPanel';
import { LotteryTable } from './lottery/LotteryTable';
import { LotteryToolbar } from './lottery/LotteryToolbar';

export interface LotteryViewProps {
  api: Api;
  experimentArg: string | null;
  experiments: ExperimentsState;
  runs: RunSummary[];
  epoch: number;
  onPick: (experimentId: string) => void;
}

const BAND_TEXT: Record<BandKind, string> = {
  minmax: 'band: min–max over seeds',
  sd: 'band: mean ± 1 sample s.d. over seeds',
  none: 'no band',
};

export function LotteryView({ api, experimentArg, experiments, runs, epoch, onPick }: LotteryViewProps) {
  const dark = useDarkMode();
  const all = experiments.experiments;
  const plottable = useMemo(() => all.filter((e) => isPruningConfig(e.config)), [all]);
  const primaryId = experimentArg && all.some((e) => e.experimentId === experimentArg) ? experimentArg : (plottable[0]?.experimentId ?? null);
  const primary = all.find((e) => e.experimentId === primaryId) ?? null;
  const missingArg = experiments.loaded && experimentArg && !all.some((e) => e.experimentId === experimentArg) ? experimentArg : null;
  const [compare, setCompare] = useState<ReadonlySet<string>>(new Set());
  const [metric, setMetric] = useState<Metric>('testAccuracy');
  const [band, setBand] = useState<BandKind>('minmax');
  const [wrapRef, wrapWidth] = useElementWidth<HTMLDivElement>(1200);
  const accSvg = useRef<SVGSVGElement | null>(null);
  const esSvg = useRef<SVGSVGElement | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);

  // Experiments that can share the axes: same network and data set.
  const comparable = useMemo(
    () => (primary ? all.filter((e) => e.experimentId !== primary.experimentId && e.config.arch === primary.config.arch && e.config.dataset === primary.config.dataset) : []),
    [all, primary],
  );
  const ids = useMemo(
    () => (primary ? [primary.experimentId, ...comparable.filter((e) => compare.has(e.experimentId)).map((e) => e.experimentId)] : []),
    [primary, comparable, compare],
  );
  const { details, error, pending } = useExperimentsOf(api, ids, runs, epoch);
  const shown = ids.map((id) => details.get(id)).filter((d): d is ExperimentDetail => d !== undefined);
  const series = useMemo(
    () => buildSeries(ids.map((id) => details.get(id)).filter((d): d is ExperimentDetail => d !== undefined)),
    [ids, details],
  );
  const multi = ids.length > 1;
  const labels = useMemo(() => new Map(series.map((s) => [s.key, seriesLabel(s, multi)])), [series, multi]);
  const dashed = useMemo(() => {
    const seen = new Set<string>();
    const out = new Set<string>();
    for (const s of series) {
      if (seen.has(s.kind)) out.add(s.key);
      seen.add(s.kind);
    }
    return out;
  }, [series]);

  const densities = series.flatMap((s) => s.points.map((p) => p.density.mean * 100)).filter((v) => v > 0);
  const xExtent: [number, number] = densities.length ? [Math.max(...densities), Math.min(...densities)] : [100, 1];
  const nMax = Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.n)));
  const warnings = shown.flatMap((d) => d.runs.flatMap((r) => r.warnings.map((w) => ({ run: r, w }))));

  if (!experiments.loaded) return <main className="main page muted">Loading experiments…</main>;
  if (experiments.error && !all.length) {
    return (
      <main className="main page" data-testid="view-lottery">
        <p className="error-text">Listing experiments failed: {experiments.error}</p>
      </main>
    );
  }
  if (!primary) {
    return (
      <main className="main page" data-testid="view-lottery">
        <div className="empty-state" data-testid="lottery-empty">
          <h2>Lottery plot</h2>
          <p>
            No pruning experiment in this database yet. The plot needs an experiment whose method prunes (IMP or one-shot),
            ideally with its controls (random re-init, random pruning, shuffled mask) and two or more seeds.
          </p>
          <p>
            Build one in the <a href={hrefOf('builder')}>Experiment builder</a>, or run{' '}
            <code>{`ticketscope run --preset quick --set 'method={"kind":"imp","rounds":3,"rates":{"conv":0.1,"fc":0.2,"output":0.1},"controls":["reinit","random-prune","shuffle"]}' --set seeds=[0,1]`}</code>{' '}
            on the same database.
          </p>
        </div>
      </main>
    );
  }

  const c = primary.config;
  const subtitle = `${primary.name} · ${c.arch} on ${c.dataset}${isSynthetic(c.dataset) ? ' (synthetic data)' : ''} · ${methodText(c)}${multi ? ` · +${ids.length - 1} compared` : ''}`;
  const caption = `Lines: mean over seeds (n ≤ ${nMax}); ${BAND_TEXT[band]}; markers: rounds (round 0 = dense)${skipsRounds(series) ? '; dotted: rounds not trained' : ''}.`;
  const gap = 16;
  const twoUp = wrapWidth >= 900;
  const chartW = twoUp ? Math.floor((wrapWidth - gap) / 2) : wrapWidth;
  const chartH = 420;
  const stem = fileStem('lottery', primary.name, primary.experimentId.slice(0, 8));
  const yAccLabel = metric === 'finalTestAccuracy' ? 'test accuracy at the last iteration (%)' : 'test accuracy at early stop (%)';
  const accTitle = metric === 'finalTestAccuracy' ? 'Final test accuracy vs. weights remaining' : 'Test accuracy at early stop vs. weights remaining';

  // What both charts share: the series, their legend and style, the axes' extent, the size and the captions.
  const shared = { series, labels, dashed, band, xExtent, width: chartW, height: chartH, dark, subtitle, caption };
  const doPng = (svg: SVGSVGElement | null, name: string) => {
    if (!svg) return;
    setExportError(null);
    exportPng(svg, name).catch((e: unknown) => setExportError(`PNG export failed: ${errorMessage(e)}`));
  };

  return (
    <main className="main page lottery" data-testid="view-lottery" data-experiment-id={primary.experimentId} data-loading={pending > 0 || shown.length < ids.length ? 'true' : 'false'}>
      <RouteNotice problem={missingArg && `experiment ${missingArg} is not in this database`} shown={`${primary.name} (${primary.experimentId})`} />
      <LotteryToolbar
        primary={primary}
        all={all}
        plottable={plottable}
        comparable={comparable}
        compare={compare}
        onCompare={setCompare}
        metric={metric}
        onMetric={setMetric}
        band={band}
        onBand={setBand}
        onPick={onPick}
      />
      <div className="lottery-meta muted">
        {formatInt(primary.runCounts.total)} runs ({primary.runCounts.done} done
        {primary.runCounts.running + primary.runCounts.queued > 0 && `, ${primary.runCounts.running + primary.runCounts.queued} to go — the plot updates as rounds finish`}
        {primary.runCounts.failed + primary.runCounts.cancelled > 0 && `, ${primary.runCounts.failed} failed, ${primary.runCounts.cancelled} cancelled`}) · seeds{' '}
        {c.seeds.join(', ')} · {formatInt(c.iterations)} iterations per round, batch {c.batchSize}, {c.optimizer.name} lr {c.optimizer.lr} · experiment{' '}
        <code>{primary.experimentId}</code>
      </div>
      {error && <p className="error-text">Loading the experiment failed: {error}</p>}
      {exportError && <p className="error-text">{exportError}</p>}
      {warnings.length > 0 && (
        <div className="warnings" role="note" data-testid="lottery-warnings">
          <b>Warnings</b> ({warnings.length})
          <ul>
            {warnings.slice(0, 6).map(({ run, w }) => (
              <li key={`${run.runId}:${w}`}>
                {kindInfo(run.kind).label}, seed {run.seed}: {w}
              </li>
            ))}
            {warnings.length > 6 && <li>… and {warnings.length - 6} more (see the runs)</li>}
          </ul>
        </div>
      )}
      <div ref={wrapRef} className={`lottery-charts${twoUp ? ' two-up' : ''}`} style={{ gap }}>
        {series.length === 0 ? (
          <div className="chart-empty muted" data-testid="lottery-no-rounds">
            {shown.length < ids.length ? 'Loading…' : 'No round of this experiment has finished yet; points appear as rounds are committed.'}
          </div>
        ) : (
          <>
            <LotteryCard name="accuracy" svgRef={accSvg} stem={stem} onPng={doPng}>
              <LotteryChart
                svgRef={accSvg}
                testId="lottery-accuracy"
                {...shared}
                metric={metric}
                title={accTitle}
                yLabel={yAccLabel}
              />
            </LotteryCard>
            <LotteryCard name="early-stop" svgRef={esSvg} stem={stem} onPng={doPng}>
              <LotteryChart
                svgRef={esSvg}
                testId="lottery-early-stop"
                {...shared}
                metric="earlyStopIteration"
                title="Early-stopping iteration vs. weights remaining"
                yLabel="early-stop iteration (min. validation loss)"
              />
            </LotteryCard>
          </>
        )}
      </div>
      {series.length > 0 && <LotteryTable series={series} labels={labels} dark={dark} stem={stem} />}
      {shown[0] && <InstabilityPanel api={api} detail={shown[0]} dark={dark} width={wrapWidth} />}
    </main>
  );
}

/** A chart with its PNG and SVG buttons (test ids export-<name>-png / -svg; files <stem>-<name>.png / .svg). */
function LotteryCard(props: { name: string; svgRef: RefObject<SVGSVGElement | null>; stem: string; onPng: (svg: SVGSVGElement | null, file: string) => void; children: ReactNode }) {
  const { name, svgRef, stem, onPng, children } = props;
  return (
    <figure className="chart-card">
      <div className="chart-tools">
        <button type="button" className="btn small" onClick={() => onPng(svgRef.current, `${stem}-${name}.png`)} data-testid={`export-${name}-png`}>
          PNG
        </button>
        <button type="button" className="btn small" onClick={() => svgRef.current && exportSvg(svgRef.current, `${stem}-${name}.svg`)} data-testid={`export-${name}-svg`}>
          SVG
        </button>
      </div>
      {children}
    </figure>
  );
}

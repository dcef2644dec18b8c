// Lottery plot: for an experiment (and optionally others on the same network and data set), test accuracy at early
// stop and the early-stopping iteration against % of weights remaining, one line per method and control, mean over
// seeds with a band; the table of every plotted number below. Each chart exports as PNG and SVG, the table as CSV.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Api, ExperimentDetail, ExperimentSummary, RunSummary } from '../../../shared/contract';
import { errorMessage } from '../api';
import { experimentSignature, type ExperimentsState } from '../app/experiments';
import { formatInt, formatPercent, isSynthetic } from '../app/format';
import { isPruningConfig, kindColour, kindInfo, methodText } from '../app/kinds';
import { hrefOf } from '../app/routes';
import { useDarkMode } from '../app/theme';
import { exportCsv, exportPng, exportSvg, fileStem } from '../charts/export';
import { LotteryChart, type BandKind } from '../charts/LotteryChart';
import { buildSeries, perSeedCsv, seriesLabel, summaryCsv, type LotterySeries, type Metric } from '../charts/lottery-data';
import { useElementWidth } from '../charts/useElementWidth';

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

function experimentOption(e: ExperimentSummary): string {
  return `${e.name} — ${methodText(e.config)} · ${e.config.arch} on ${e.config.dataset} · ${e.runCounts.total} runs${e.status !== 'done' ? ` (${e.status})` : ''} · ${e.experimentId.slice(0, 8)}`;
}

/** getExperiment for each id, refetched (throttled) when that experiment's runs change status or commit a round. */
function useDetails(api: Api, ids: string[], runs: RunSummary[], epoch: number) {
  const [state, setState] = useState<{ details: Map<string, ExperimentDetail>; error: string | null; pending: number }>({
    details: new Map(),
    error: null,
    pending: 0,
  });
  const key = ids.map((id) => `${id}=${experimentSignature(runs, id)}`).join(';');
  const last = useRef(0);
  useEffect(() => {
    if (!ids.length) return;
    let stale = false;
    setState((s) => ({ ...s, pending: s.pending + 1 }));
    const t = setTimeout(
      () => {
        last.current = Date.now();
        Promise.all(ids.map((experimentId) => api.getExperiment({ experimentId }))).then(
          (list) => !stale && setState({ details: new Map(list.map((d) => [d.experimentId, d])), error: null, pending: 0 }),
          (e: unknown) => !stale && setState((s) => ({ ...s, error: errorMessage(e), pending: 0 })),
        );
      },
      Math.max(0, 500 - (Date.now() - last.current)),
    );
    return () => {
      stale = true;
      clearTimeout(t);
    };
    // `key` covers ids and their runs' state.
  }, [api, key, epoch]);
  return state;
}

export function LotteryView({ api, experimentArg, experiments, runs, epoch, onPick }: LotteryViewProps) {
  const dark = useDarkMode();
  const all = experiments.experiments;
  const plottable = useMemo(() => all.filter((e) => isPruningConfig(e.config)), [all]);
  const primaryId = experimentArg && all.some((e) => e.experimentId === experimentArg) ? experimentArg : (plottable[0]?.experimentId ?? null);
  const primary = all.find((e) => e.experimentId === primaryId) ?? null;
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
  const { details, error, pending } = useDetails(api, ids, runs, epoch);
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
  const caption = `Lines: mean over seeds (n ≤ ${nMax}); ${BAND_TEXT[band]}; markers: rounds (round 0 = dense).`;
  const gap = 16;
  const twoUp = wrapWidth >= 900;
  const chartW = twoUp ? Math.floor((wrapWidth - gap) / 2) : wrapWidth;
  const chartH = 420;
  const stem = fileStem('lottery', primary.name, primary.experimentId.slice(0, 8));
  const yAccLabel = metric === 'finalTestAccuracy' ? 'test accuracy at the last iteration (%)' : 'test accuracy at early stop (%)';
  const accTitle = metric === 'finalTestAccuracy' ? 'Final test accuracy vs. weights remaining' : 'Test accuracy at early stop vs. weights remaining';

  const doPng = (svg: SVGSVGElement | null, name: string) => {
    if (!svg) return;
    setExportError(null);
    exportPng(svg, name).catch((e: unknown) => setExportError(`PNG export failed: ${errorMessage(e)}`));
  };

  return (
    <main className="main page lottery" data-testid="view-lottery" data-experiment-id={primary.experimentId} data-loading={pending > 0 || shown.length < ids.length ? 'true' : 'false'}>
      <div className="toolbar">
        <label className="field-inline">
          <span className="muted">experiment</span>
          <select value={primary.experimentId} onChange={(e) => onPick(e.target.value)} data-testid="lottery-experiment">
            {plottable.length > 0 && (
              <optgroup label="Pruning experiments">
                {plottable.map((e) => (
                  <option key={e.experimentId} value={e.experimentId}>
                    {experimentOption(e)}
                  </option>
                ))}
              </optgroup>
            )}
            {all.some((e) => !isPruningConfig(e.config)) && (
              <optgroup label="Dense (one point each)">
                {all
                  .filter((e) => !isPruningConfig(e.config))
                  .map((e) => (
                    <option key={e.experimentId} value={e.experimentId}>
                      {experimentOption(e)}
                    </option>
                  ))}
              </optgroup>
            )}
          </select>
        </label>
        <label className="field-inline">
          <span className="muted">accuracy</span>
          <select value={metric} onChange={(e) => setMetric(e.target.value as Metric)} data-testid="lottery-metric">
            <option value="testAccuracy">at early stop (min. validation loss)</option>
            <option value="finalTestAccuracy">at the last iteration</option>
          </select>
        </label>
        <label className="field-inline">
          <span className="muted">band</span>
          <select value={band} onChange={(e) => setBand(e.target.value as BandKind)} data-testid="lottery-band">
            <option value="minmax">min–max over seeds</option>
            <option value="sd">± 1 sample s.d.</option>
            <option value="none">none</option>
          </select>
        </label>
        {comparable.length > 0 && (
          <details className="compare">
            <summary>
              compare with… <span className="muted">({compare.size}/{comparable.length} on {c.arch}, {c.dataset})</span>
            </summary>
            <div className="compare-list">
              {comparable.map((e) => (
                <label key={e.experimentId}>
                  <input
                    type="checkbox"
                    checked={compare.has(e.experimentId)}
                    onChange={(ev) =>
                      setCompare((s) => {
                        const n = new Set(s);
                        if (ev.target.checked) n.add(e.experimentId);
                        else n.delete(e.experimentId);
                        return n;
                      })
                    }
                  />{' '}
                  {experimentOption(e)}
                </label>
              ))}
            </div>
          </details>
        )}
      </div>
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
            <figure className="chart-card">
              <div className="chart-tools">
                <button type="button" className="btn small" onClick={() => doPng(accSvg.current, `${stem}-accuracy.png`)} data-testid="export-accuracy-png">
                  PNG
                </button>
                <button type="button" className="btn small" onClick={() => accSvg.current && exportSvg(accSvg.current, `${stem}-accuracy.svg`)} data-testid="export-accuracy-svg">
                  SVG
                </button>
              </div>
              <LotteryChart
                svgRef={accSvg}
                testId="lottery-accuracy"
                series={series}
                labels={labels}
                dashed={dashed}
                metric={metric}
                band={band}
                xExtent={xExtent}
                width={chartW}
                height={chartH}
                dark={dark}
                title={accTitle}
                subtitle={subtitle}
                caption={caption}
                yLabel={yAccLabel}
              />
            </figure>
            <figure className="chart-card">
              <div className="chart-tools">
                <button type="button" className="btn small" onClick={() => doPng(esSvg.current, `${stem}-early-stop.png`)} data-testid="export-early-stop-png">
                  PNG
                </button>
                <button type="button" className="btn small" onClick={() => esSvg.current && exportSvg(esSvg.current, `${stem}-early-stop.svg`)} data-testid="export-early-stop-svg">
                  SVG
                </button>
              </div>
              <LotteryChart
                svgRef={esSvg}
                testId="lottery-early-stop"
                series={series}
                labels={labels}
                dashed={dashed}
                metric="earlyStopIteration"
                band={band}
                xExtent={xExtent}
                width={chartW}
                height={chartH}
                dark={dark}
                title="Early-stopping iteration vs. weights remaining"
                subtitle={subtitle}
                caption={caption}
                yLabel="early-stop iteration (min. validation loss)"
              />
            </figure>
          </>
        )}
      </div>
      {series.length > 0 && <LotteryTable series={series} labels={labels} dark={dark} stem={stem} />}
    </main>
  );
}

function LotteryTable({ series, labels, dark, stem }: { series: LotterySeries[]; labels: ReadonlyMap<string, string>; dark: boolean; stem: string }) {
  const sdPp = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(2) : '—');
  return (
    <section className="lottery-table">
      <div className="table-head">
        <h3>Plotted values</h3>
        <span className="muted">accuracies in %, sd in percentage points (sample, n − 1); one row per method/control and round</span>
        <span className="table-tools">
          <button type="button" className="btn small" onClick={() => exportCsv(summaryCsv(series), `${stem}.csv`)} data-testid="export-csv">
            CSV
          </button>
          <button type="button" className="btn small" onClick={() => exportCsv(perSeedCsv(series), `${stem}-per-seed.csv`)} data-testid="export-csv-seeds" title="One row per run and round: the stored numbers">
            CSV per seed
          </button>
        </span>
      </div>
      <table className="results lottery-rows" data-testid="lottery-table">
        <thead>
          <tr>
            <th>method / control</th>
            <th>round</th>
            <th>weights remaining</th>
            <th>n</th>
            <th>test acc. early stop: mean</th>
            <th>sd</th>
            <th>min – max</th>
            <th>early-stop it: mean</th>
            <th>min – max</th>
            <th>final test acc.: mean</th>
          </tr>
        </thead>
        <tbody>
          {series.flatMap((s) =>
            s.points.map((p) => (
              <tr key={`${s.key}:${p.round}`} data-testid="lottery-row" data-kind={s.kind} data-round={p.round}>
                <td>
                  <span className="swatch" style={{ background: kindColour(s.kind, dark) }} />
                  {labels.get(s.key)}
                </td>
                <td>{p.round}</td>
                <td>{formatPercent(p.density.mean, 2)}</td>
                <td>{p.n}</td>
                <td>{formatPercent(p.testAccuracy.mean)}</td>
                <td>{sdPp(p.testAccuracy.sd)}</td>
                <td>
                  {formatPercent(p.testAccuracy.min)} – {formatPercent(p.testAccuracy.max)}
                </td>
                <td>{formatInt(p.earlyStopIteration.mean)}</td>
                <td>
                  {formatInt(p.earlyStopIteration.min)} – {formatInt(p.earlyStopIteration.max)}
                </td>
                <td>{formatPercent(p.finalTestAccuracy.mean)}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </section>
  );
}

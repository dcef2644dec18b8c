// The lottery plot's controls: the experiment (pruning experiments first, dense ones as single points), which test
// accuracy, which band over seeds, and other experiments on the same network and data set to compare with.
import type { ExperimentSummary } from '../../../../shared/contract';
import { isPruningConfig, methodText } from '../../app/kinds';
import type { BandKind } from '../../charts/LotteryChart';
import type { Metric } from '../../charts/lottery-data';

export function experimentOption(e: ExperimentSummary): string {
  return `${e.name} — ${methodText(e.config)} · ${e.config.arch} on ${e.config.dataset} · ${e.runCounts.total} runs${e.status !== 'done' ? ` (${e.status})` : ''} · ${e.experimentId.slice(0, 8)}`;
}

export interface LotteryToolbarProps {
  primary: ExperimentSummary;
  all: ExperimentSummary[];
  plottable: ExperimentSummary[];
  /** Experiments on the primary's network and data set. */
  comparable: ExperimentSummary[];
  compare: ReadonlySet<string>;
  onCompare: (update: (s: ReadonlySet<string>) => ReadonlySet<string>) => void;
  metric: Metric;
  onMetric: (m: Metric) => void;
  band: BandKind;
  onBand: (b: BandKind) => void;
  onPick: (experimentId: string) => void;
}

export function LotteryToolbar(props: LotteryToolbarProps) {
  const { primary, all, plottable, comparable, compare, onCompare: setCompare, metric, onMetric: setMetric, band, onBand: setBand, onPick } = props;
  const c = primary.config;
  return (
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
  );
}

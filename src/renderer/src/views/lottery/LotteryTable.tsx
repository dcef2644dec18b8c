// The lottery plot's table: every plotted number, one row per method or control and round (mean, sd, range over
// seeds), with the CSV of the rows and the CSV of every seed's stored numbers.
import { formatInt, formatPercent } from '../../app/format';
import { kindColour } from '../../app/kinds';
import { exportCsv } from '../../charts/export';
import { perSeedCsv, summaryCsv, type LotterySeries } from '../../charts/lottery-data';

export function LotteryTable({ series, labels, dark, stem }: { series: LotterySeries[]; labels: ReadonlyMap<string, string>; dark: boolean; stem: string }) {
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

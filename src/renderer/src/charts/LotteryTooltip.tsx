// The lottery plot's hover box for one point: the series and round, the seeds' summary (weights remaining, test
// accuracy at early stop with its sd, early-stop iteration, final accuracy), every seed's numbers, and the series
// drawn over it at the same position.
import { formatInt, formatPercent } from '../app/format';
import type { LotteryPoint, LotterySeries, Stats } from './lottery-data';
import { ChartTooltip } from './parts';

function range(s: Stats, f: (v: number) => string): string {
  return s.min === s.max ? '' : ` (${f(s.min)} – ${f(s.max)})`;
}

export function PointTooltip(props: { series: LotterySeries; label: string; coinciding: string[]; point: LotteryPoint; colour: string; left: number; top: number }) {
  const { series, label, coinciding, point: p, colour, left, top } = props;
  const pp = (v: number) => formatPercent(v);
  const sd = (s: Stats) => (Number.isFinite(s.sd) ? `, sd ${(s.sd * 100).toFixed(2)} pp` : '');
  return (
    <ChartTooltip
      left={left}
      top={top}
      data-testid="lottery-tooltip"
      data-kind={series.kind}
      data-round={p.round}
      data-experiment-id={series.experimentId}
      head={
        <>
          <span className="swatch" style={{ background: colour }} />
          {label} · round {p.round}
        </>
      }
      rows={[
        { label: 'weights remaining', value: `${formatPercent(p.density.mean, 2)}${range(p.density, (v) => formatPercent(v, 2))}`, testId: 'tt-density' },
        { label: 'test acc. at early stop', value: `${pp(p.testAccuracy.mean)}${sd(p.testAccuracy)}`, testId: 'tt-accuracy' },
        { label: 'early-stop iteration', value: `${formatInt(p.earlyStopIteration.mean)}${range(p.earlyStopIteration, formatInt)}`, testId: 'tt-early-stop' },
        { label: 'final test acc.', value: pp(p.finalTestAccuracy.mean) },
        { label: 'seeds', value: `n = ${p.n}`, testId: 'tt-n' },
      ]}
    >
      <table className="tt-seeds">
        <thead>
          <tr>
            <th>seed</th>
            <th>remaining</th>
            <th>acc. (early stop)</th>
            <th>es it</th>
          </tr>
        </thead>
        <tbody>
          {p.seeds.map((s) => (
            <tr key={s.runId}>
              <td>{s.seed}</td>
              <td>{formatPercent(s.density, 2)}</td>
              <td>{pp(s.testAccuracy)}</td>
              <td>{formatInt(s.earlyStopIteration)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {coinciding.length > 0 && (
        <div className="tt-note" data-testid="tt-coinciding">
          Drawn over, at the same position: {coinciding.join(', ')}
        </div>
      )}
    </ChartTooltip>
  );
}

// The mask overlap view's numbers: the summary line of A and B (overall Jaccard against chance), and the table of
// every layer's overlap statistics with their CSV.
import type { LayerOverlap, OverlapResult } from '../../../../shared/analysis';
import { formatInt } from '../../app/format';
import { kindInfo } from '../../app/kinds';
import { ExportButtons } from '../../charts/ExportButtons';
import { fmt4, fmtPct, fmtRatio, overlapCsv } from '../../charts/overlap-data';
import { TableSection } from '../TableSection';

export function Summary({ result }: { result: OverlapResult }) {
  const o = result.overall;
  const dA = o.size ? o.keptA / o.size : null;
  const dB = o.size ? o.keptB / o.size : null;
  return (
    <div className="overlap-summary" data-testid="overlap-summary">
      <span>
        <b>A</b> {result.a.label} <code title="state reference">{result.a.ref}</code> · {kindInfo(result.a.kind).label}, seed {result.a.seed}, {fmtPct(dA)} kept
      </span>
      <span>
        <b>B</b> {result.b.label} <code title="state reference">{result.b.ref}</code> · {kindInfo(result.b.kind).label}, seed {result.b.seed}, {fmtPct(dB)} kept
      </span>
      <span>
        overall Jaccard <b data-testid="overall-jaccard">{fmt4(o.jaccard)}</b> vs. chance <span data-testid="overall-expected">{fmt4(o.expectedJaccard)}</span> (<b data-testid="overall-ratio">{fmtRatio(o.jaccardRatio)}</b>) · {formatInt(o.both)} of{' '}
        {formatInt(o.size)} weights kept in both ({formatInt(Math.round(o.expectedBoth))} by chance)
        {o.signAgreement !== null && <> · signs agree on {fmtPct(o.signAgreement)} of them</>}
      </span>
    </div>
  );
}

export function OverlapTable({ result, stem, onError }: { result: OverlapResult; stem: string; onError: (m: string) => void }) {
  const rows: { key: string; s: LayerOverlap | null; stats: OverlapResult['overall'] }[] = [
    ...result.layers.map((l) => ({ key: l.layer, s: l, stats: l as OverlapResult['overall'] })),
    { key: 'overall', s: null, stats: result.overall },
  ];
  return (
    <TableSection
      className="overlap-table"
      title="Overlap numbers"
      note="counts are weights; chance = independent random masks with the same per-layer densities; sign agreement over weights kept in both (needs weights in both states)"
      tools={<ExportButtons csv={() => overlapCsv(result)} stem={stem} testId="export-table" onError={onError} what="the overlap table" />}
      testId="overlap-table"
    >
      <thead>
        <tr>
          <th>layer</th>
          <th>weights</th>
          <th>kept A</th>
          <th>kept B</th>
          <th>both</th>
          <th title="E|A∩B| for independent random masks with the same per-layer densities">chance</th>
          <th>either</th>
          <th>Jaccard</th>
          <th>chance</th>
          <th>ratio</th>
          <th>overlap coef.</th>
          <th>chance</th>
          <th>sign agr.</th>
          <th>units</th>
          <th>alive A / B / both</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ key, s, stats }) => (
          <tr key={key} data-testid="overlap-row" data-layer={key} className={s ? undefined : 'total-row'}>
            <td>
              {key}
              {s && <span className="muted"> {s.kind}</span>}
            </td>
            <td>{formatInt(stats.size)}</td>
            <td>
              {formatInt(stats.keptA)} <span className="muted">({fmtPct(stats.size ? stats.keptA / stats.size : null)})</span>
            </td>
            <td>
              {formatInt(stats.keptB)} <span className="muted">({fmtPct(stats.size ? stats.keptB / stats.size : null)})</span>
            </td>
            <td>{formatInt(stats.both)}</td>
            <td>{formatInt(Math.round(stats.expectedBoth))}</td>
            <td>{formatInt(stats.union)}</td>
            <td data-testid="cell-jaccard">{fmt4(stats.jaccard)}</td>
            <td>{fmt4(stats.expectedJaccard)}</td>
            <td>{fmtRatio(stats.jaccardRatio)}</td>
            <td>{fmt4(stats.overlapCoefficient)}</td>
            <td>{fmt4(stats.expectedOverlapCoefficient)}</td>
            <td>{fmtPct(stats.signAgreement, 1)}</td>
            <td>{s ? formatInt(s.units) : ''}</td>
            <td>{s ? `${formatInt(s.aliveA)} / ${formatInt(s.aliveB)} / ${formatInt(s.aliveBoth)}` : ''}</td>
          </tr>
        ))}
      </tbody>
    </TableSection>
  );
}

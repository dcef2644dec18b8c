// The details of one run: results per round, config essentials, environment (backend, normalisation, versions).
import { accuracyShort } from '../../../shared/objective';
import type { ReactNode } from 'react';
import type { RunDetail, RunSummary } from '../../../shared/contract';
import { elapsed, formatInt, formatPercent, formatSci, formatTime } from '../app/format';
import { SyntheticBadge } from './RunList';

function Row({ k, children, testId }: { k: string; children: ReactNode; testId?: string }) {
  return (
    <tr>
      <th>{k}</th>
      <td data-testid={testId}>{children}</td>
    </tr>
  );
}

function optimizerText(o: RunDetail['config']['optimizer']): string {
  const parts = [`${o.name}`, `lr ${formatSci(o.lr)}`];
  if (o.momentum !== undefined) parts.push(`momentum ${o.momentum}`);
  if (o.weightDecay !== undefined) parts.push(`weight decay ${formatSci(o.weightDecay)}`);
  if (o.schedule !== undefined) parts.push(`${o.schedule} schedule`);
  return parts.join(', ');
}

export function ResultsTable({ detail }: { detail: RunDetail }) {
  const iters = detail.config.iterations;
  return (
    <table className="results" data-testid="results">
      <thead>
        <tr>
          <th>round</th>
          <th title="fraction of prunable weights kept">weights remaining</th>
          <th title="iteration with the minimum validation loss">early-stop it</th>
          <th>{accuracyShort(detail.objective)} at early stop</th>
          <th>
            {accuracyShort(detail.objective)} at it {formatInt(iters)} (final)
          </th>
        </tr>
      </thead>
      <tbody>
        {detail.rounds.length === 0 && (
          <tr>
            <td colSpan={5} className="muted">
              {detail.status === 'running' || detail.status === 'queued'
                ? 'No finished round yet.'
                : 'This run finished no round.'}
            </td>
          </tr>
        )}
        {detail.rounds.map((r) => (
          <tr key={r.round}>
            <td>{r.round}</td>
            <td>{formatPercent(r.density, r.density === 1 ? 0 : 2)}</td>
            <td>{formatInt(r.earlyStopIteration)}</td>
            <td data-testid={`round-${r.round}-test-accuracy`}>{formatPercent(r.testAccuracy)}</td>
            <td>{formatPercent(r.finalTestAccuracy)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RunDetails({ detail, live }: { detail: RunDetail; live: RunSummary }) {
  const c = detail.config;
  const report = detail.backendReport;
  const took = live.status === 'done' || live.status === 'failed' || live.status === 'cancelled' ? elapsed(live.createdAt, live.updatedAt) : null;
  return (
    <div className="details" data-testid="run-details">
      <div className="details-col">
        <section>
          <h3>Run</h3>
          <table className="kv">
            <tbody>
              <Row k="run">
                <code>{detail.runId}</code>
              </Row>
              <Row k="experiment">
                {detail.experimentName} <code className="muted" title="experiment id: hash of the config">{detail.experimentId}</code>
              </Row>
              <Row k="seed">{detail.seed}</Row>
              <Row k="status">
                {live.status}
                {took && <span className="muted"> · {took} wall time</span>}
              </Row>
              <Row k={`${accuracyShort(detail.objective)} (run)`} testId="detail-test-accuracy">
                {formatPercent(live.testAccuracy)}
              </Row>
              <Row k="created">{formatTime(detail.createdAt)}</Row>
              {live.error && (
                <Row k="error">
                  <span className="error-text">{live.error}</span>
                </Row>
              )}
            </tbody>
          </table>
        </section>
        <section>
          <h3>Versions</h3>
          <table className="kv">
            <tbody>
              {detail.versions ? (
                Object.entries(detail.versions).map(([name, v]) => (
                  <Row key={name} k={name}>
                    <code>{v}</code>
                  </Row>
                ))
              ) : (
                <Row k="versions">—</Row>
              )}
            </tbody>
          </table>
        </section>
      </div>
      <section>
        <h3>Config</h3>
        <table className="kv">
          <tbody>
            <Row k="method">{c.method.kind}</Row>
            <Row k="data set">
              {c.dataset} <SyntheticBadge dataset={c.dataset} />
              {c.synthetic && (
                <span className="muted">
                  {' '}
                  {formatInt(c.synthetic.train)} train / {formatInt(c.synthetic.test)} test
                </span>
              )}
            </Row>
            <Row k="validation">{formatInt(c.validation)} examples held out of train</Row>
            <Row k="architecture">{c.arch}</Row>
            <Row k="optimizer">{optimizerText(c.optimizer)}</Row>
            <Row k="batch size">{formatInt(c.batchSize)}</Row>
            <Row k="iterations">
              {formatInt(c.iterations)} <span className="muted">· eval every {formatInt(c.evalEvery)}</span>
            </Row>
          </tbody>
        </table>
      </section>
      <section>
        <h3>Environment</h3>
        <table className="kv">
          <tbody>
            <Row k="backend">
              {report ? (
                <span title={report.skipped.map((s) => `skipped ${s.name}: ${s.reason}`).join('\n')}>
                  <b>{report.name}</b> <span className="muted">({report.reason})</span>
                </span>
              ) : (
                (live.backend ?? '—')
              )}
            </Row>
            {report &&
              report.skipped.map((s) => (
                <Row key={s.name} k={`skipped ${s.name}`}>
                  <span className="muted">{s.reason}</span>
                </Row>
              ))}
            <Row k="input normalisation">
              {detail.normalisation
                ? `mean ${detail.normalisation.mean.toPrecision(4)}, std ${detail.normalisation.std.toPrecision(4)}`
                : '—'}
            </Row>
          </tbody>
        </table>
      </section>
      <details className="config-json">
        <summary>Full experiment config (JSON)</summary>
        <pre>{JSON.stringify(c, null, 2)}</pre>
      </details>
    </div>
  );
}

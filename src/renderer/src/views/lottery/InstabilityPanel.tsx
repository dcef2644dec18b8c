// The lottery plot's optional instability panel (Frankle et al. 2020; docs/analysis.md): for each round of the ticket
// runs, two copies are trained from the round's rewind point under its mask with different data orders, and the error
// barrier on the line between them is plotted against % of weights remaining, one line per seed, beside the paper's
// 2% "stable" criterion. Computed on demand (a checkbox: it trains two copies per round), cached by the core.
import { line, scaleLinear, scaleLog } from 'd3';
import { useState } from 'react';
import type { ExperimentDetail } from '../../../../shared/contract';
import type { Api } from '../../../../shared/contract';
import type { InstabilityAnalysisResult } from '../../../../shared/detector';
import { AnalysisStatus } from '../../analysis/AnalysisStatus';
import { NumberField } from '../../analysis/controls';
import { useAnalysis } from '../../analysis/useAnalysis';
import { chartPalette } from '../../app/theme';
import { stateColour } from '../../charts/analysis-palette';
import { logTicks } from '../../charts/axes';

const STABLE = 0.02;

export function InstabilityPanel({ api, detail, dark, width }: { api: Api; detail: ExperimentDetail; dark: boolean; width: number }) {
  const [on, setOn] = useState(false);
  const c = detail.config;
  const m = c.method;
  const rewind = 'rewindIteration' in m ? m.rewindIteration : 0;
  const full = c.iterations - rewind;
  const [iterations, setIterations] = useState(full);
  const [points, setPoints] = useState(11);
  const tickets = detail.runs.filter((r) => r.kind === m.kind && r.rounds.length > 0);
  const jobs = tickets.flatMap((r) => r.rounds.filter((x) => x.round > 0).map((x) => ({ run: r.runId, round: x.round })));
  const { result, loading, error, progress, rerun } = useAnalysis<InstabilityAnalysisResult[]>(
    on && jobs.length
      ? async (call) => {
          const out: InstabilityAnalysisResult[] = [];
          for (const j of jobs) out.push(await api.analyzeInstability({ ...j, points, ...(iterations !== full ? { iterations } : {}) }, call));
          return out;
        }
      : null,
    [on, jobs.map((j) => `${j.run}:${j.round}`).join(','), points, iterations, full],
    { api, kind: 'instability' },
  );
  return (
    <section className="instability-panel" data-testid="instability-panel">
      <div className="toolbar">
        <label className="field-inline">
          <input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} data-testid="instability-toggle" disabled={!jobs.length} />
          instability: error barrier per round
        </label>
        <NumberField label="steps per copy" value={iterations} min={1} max={full} integer onCommit={setIterations} testId="instability-iterations" width={80} title={`the experiment trains ${full} steps after the rewind point`} />
        <NumberField label="points" value={points} min={2} max={101} integer onCommit={setPoints} testId="instability-points" width={50} />
        <span className="muted small">
          {jobs.length ? `trains two copies from each of ${jobs.length} pruned rounds' rewind points (${jobs.length * 2} trainings)` : 'no pruned round committed yet'}
        </span>
      </div>
      {on && <AnalysisStatus what="instability" loading={loading} error={error} progress={progress} onRetry={rerun} testId="instability" />}
      {on && result && <BarrierChart results={result} detail={detail} dark={dark} width={Math.min(width, 900)} shortened={iterations !== full} />}
    </section>
  );
}

function BarrierChart({ results, detail, dark, width, shortened }: { results: InstabilityAnalysisResult[]; detail: ExperimentDetail; dark: boolean; width: number; shortened: boolean }) {
  const pal = chartPalette(dark);
  const height = 320;
  const pad = { l: 64, r: 150, t: 40, b: 64 };
  const runs = detail.runs.filter((r) => results.some((x) => x.state.runId === r.runId));
  const density = (runId: string, round: number) => runs.find((r) => r.runId === runId)?.rounds.find((x) => x.round === round)?.density ?? NaN;
  const pts = results.map((r) => ({ runId: r.state.runId, x: density(r.state.runId, r.round) * 100, y: r.barrier * 100 }));
  const xs = pts.map((p) => p.x).filter((v) => v > 0);
  const hi = Math.max(100, ...xs);
  const lo = Math.min(50, Math.min(...xs) / 1.15);
  const x = scaleLog().domain([hi, lo]).range([pad.l, width - pad.r]);
  const y = scaleLinear().domain([0, Math.max(STABLE * 100 * 2, ...pts.map((p) => p.y)) * 1.1]).range([height - pad.b, pad.t]).nice();
  const path = line<{ x: number; y: number }>().x((p) => x(p.x)).y((p) => y(p.y));
  return (
    <svg width={width} height={height} role="img" aria-label="error barrier per round" data-testid="instability-chart" style={{ background: pal.bg, fontFamily: pal.font }}>
      <text x={pad.l} y={20} fill={pal.fg} fontSize={14} fontWeight={600}>
        Instability: error barrier between two copies vs. weights remaining
      </text>
      {y.ticks(5).map((t) => (
        <g key={`y${t}`}>
          <line x1={pad.l} x2={width - pad.r} y1={y(t)} y2={y(t)} stroke={pal.grid} />
          <text x={pad.l - 6} y={y(t) + 4} textAnchor="end" fill={pal.fg2} fontSize={11}>
            {t}%
          </text>
        </g>
      ))}
      {logTicks(lo, hi, 8).map((t) => (
        <text key={`x${t}`} x={x(t)} y={height - pad.b + 16} textAnchor="middle" fill={pal.fg2} fontSize={11}>
          {t}%
        </text>
      ))}
      <line x1={pad.l} x2={width - pad.r} y1={y(STABLE * 100)} y2={y(STABLE * 100)} stroke={pal.fg2} strokeDasharray="5 4" data-testid="instability-stable-line" />
      <text x={width - pad.r + 6} y={y(STABLE * 100) + 4} fill={pal.fg2} fontSize={11}>
        2%: stable (Frankle et al.)
      </text>
      {runs.map((r, i) => {
        const mine = pts.filter((p) => p.runId === r.runId).sort((a, b) => b.x - a.x);
        const colour = stateColour(i, dark);
        return (
          <g key={r.runId} data-testid="instability-series" data-run={r.runId}>
            <path d={path(mine) ?? ''} fill="none" stroke={colour} strokeWidth={2} />
            {mine.map((p) => (
              <circle key={p.x} cx={x(p.x)} cy={y(p.y)} r={4} fill={colour} data-testid="instability-point" data-barrier={p.y.toFixed(4)} />
            ))}
            <text x={width - pad.r + 6} y={pad.t + 16 * (i + 1)} fill={colour} fontSize={11}>
              seed {r.seed}
            </text>
          </g>
        );
      })}
      <text x={(pad.l + width - pad.r) / 2} y={height - pad.b + 36} textAnchor="middle" fill={pal.fg} fontSize={12}>
        weights remaining (%, log scale)
      </text>
      <text transform={`translate(16 ${(pad.t + height - pad.b) / 2}) rotate(-90)`} textAnchor="middle" fill={pal.fg} fontSize={12}>
        error barrier (test error, % points)
      </text>
      <text x={pad.l} y={height - 8} fill={pal.fg2} fontSize={11}>
        barrier = max test error on the line between the copies − mean of the endpoints' errors{shortened ? '; copies trained SHORTER than the experiment' : ''}
      </text>
    </svg>
  );
}

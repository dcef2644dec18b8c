// The multigraph intuition pump: a network whose every connection is K parallel edges with random weights; pruning
// alone (keeping a subset of the edges, never changing a weight) approximates a target network. Controls for the
// target, the candidate weights, K max and the K whose network is drawn; the error-vs-K chart, the network drawing
// and a table of sample outputs (target, masked, unmasked). Each chart exports PNG and SVG, the tables CSV.
import { useEffect, useRef, useState } from 'react';
import { MULTIGRAPH_TARGETS, MULTIGRAPH_VARIANTS, type MultigraphResult } from '../../../shared/analysis';
import { AnalysisProvenance, AnalysisStatus } from '../analysis/AnalysisStatus';
import type { AnalysisViewProps } from '../analysis/types';
import { useAnalysis } from '../analysis/useAnalysis';
import { useDarkMode } from '../app/theme';
import { fileStem } from '../charts/export';
import { ChartCard, ExportButtons } from '../charts/ExportButtons';
import { MultigraphErrorChart } from '../charts/MultigraphChart';
import { MultigraphNetwork } from '../charts/MultigraphNetwork';
import { toCsv } from '../charts/overlap-data';
import { useElementWidth } from '../charts/useElementWidth';
import { TableSection } from './TableSection';

type Target = (typeof MULTIGRAPH_TARGETS)[number];
type Variant = (typeof MULTIGRAPH_VARIANTS)[number];

const TARGET_TEXT: Record<Target, string> = { xor: 'XOR (2-input circuit)', random: 'random network' };
const VARIANT_TEXT: Record<Variant, string> = { base2: 'base-2 (±2⁻ᵏ scaled)', random: 'random (uniform)' };

const vec = (v: number[]) => v.map((x) => x.toFixed(3)).join(', ');
const rmse = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, i) => s + (x - (b[i] ?? 0)) ** 2, 0) / Math.max(1, a.length));

export function curveCsv(r: MultigraphResult): string {
  return toCsv(
    ['target', 'variant', 'k', 'max_weight_error', 'mean_weight_error', 'output_rmse_masked', 'output_rmse_unmasked'],
    r.curve.map((p) => [r.target, r.variant, p.k, p.maxWeightError, p.meanWeightError, p.outputRmse, p.unmaskedRmse]),
  );
}

export function samplesCsv(r: MultigraphResult): string {
  const n = r.samples[0];
  const ni = n?.input.length ?? 0;
  const no = n?.target.length ?? 0;
  const cols = (p: string, m: number) => Array.from({ length: m }, (_, i) => `${p}_${i + 1}`);
  return toCsv(
    ['sample', ...cols('input', ni), ...cols('target', no), ...cols('masked', no), ...cols('unmasked', no)],
    r.samples.map((s, i) => [i, ...s.input, ...s.target, ...s.masked, ...s.unmasked]),
  );
}

/** Debounces a value (the K slider: one request when the thumb rests, not one per step). */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function MultigraphView({ api, epoch, onError }: AnalysisViewProps) {
  const dark = useDarkMode();
  const [target, setTarget] = useState<Target>('xor');
  const [variant, setVariant] = useState<Variant>('base2');
  const [kMax, setKMax] = useState(12);
  const [kMaxText, setKMaxText] = useState('12');
  const [shown, setShown] = useState(12);
  const [seed, setSeed] = useState(0);
  const [seedText, setSeedText] = useState('0');
  const k = Math.min(shown, kMax);
  const kReq = useDebounced(k, 160);
  const [wrapRef, wrapWidth] = useElementWidth<HTMLDivElement>(1200);
  const errSvg = useRef<SVGSVGElement | null>(null);
  const netSvg = useRef<SVGSVGElement | null>(null);

  const run = useAnalysis<MultigraphResult>(
    (call) => api.analyzeMultigraph({ target, variant, kMax, k: Math.min(kReq, kMax), seed }, call),
    [api, target, variant, kMax, kReq, seed, epoch],
    { api, kind: 'multigraph' },
  );
  const r = run.result;

  const commitKMax = (text: string) => {
    const n = Number(text);
    if (Number.isInteger(n) && n >= 1 && n <= 20) {
      const grow = shown === kMax;
      setKMax(n);
      if (grow || shown > n) setShown(n);
    } else setKMaxText(String(kMax));
  };
  const commitSeed = (text: string) => {
    const n = Number(text);
    if (Number.isInteger(n) && n >= 0 && n <= 2 ** 31 - 1) setSeed(n);
    else setSeedText(String(seed));
  };

  const gap = 14;
  const twoUp = wrapWidth >= 1000;
  const colW = twoUp ? Math.floor((wrapWidth - gap) / 2) - 2 : wrapWidth - 2;
  const stem = fileStem('multigraph', target, variant, `k${r?.shown ?? k}`, `seed${seed}`);
  const sizes = r?.layers.length ? [r.layers[0]!.in, ...r.layers.map((l) => l.out)].join('-') : '';
  const subtitle = r ? `target: ${TARGET_TEXT[r.target]} (${sizes}) · candidate weights: ${VARIANT_TEXT[r.variant]} · seed ${seed}` : '';
  const atShown = r?.curve.find((p) => p.k === r.shown);

  return (
    <main
      className="main page multigraph"
      data-testid="view-multigraph"
      data-loading={run.loading ? 'true' : 'false'}
      data-ready={r && !run.loading && r.shown === k ? 'true' : 'false'}
      data-k={r?.shown ?? ''}
      data-target={r && !run.loading ? `${r.target}/${r.variant}/${r.curve.length}` : ''}
    >
      <div className="toolbar">
        <label className="field-inline">
          <span className="muted">target</span>
          <select value={target} onChange={(e) => setTarget(e.target.value as Target)} data-testid="mg-target">
            {MULTIGRAPH_TARGETS.map((t) => (
              <option key={t} value={t}>
                {TARGET_TEXT[t]}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          <span className="muted">candidate weights</span>
          <select value={variant} onChange={(e) => setVariant(e.target.value as Variant)} data-testid="mg-variant">
            {MULTIGRAPH_VARIANTS.map((v) => (
              <option key={v} value={v}>
                {VARIANT_TEXT[v]}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          <span className="muted">K max</span>
          <input
            type="number"
            min={1}
            max={20}
            step={1}
            value={kMaxText}
            onChange={(e) => setKMaxText(e.target.value)}
            onBlur={(e) => commitKMax(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && commitKMax((e.target as HTMLInputElement).value)}
            className="num-input"
            data-testid="mg-kmax"
          />
        </label>
        <label className="field-inline mg-slider">
          <span className="muted">shown K</span>
          <input type="range" min={1} max={kMax} step={1} value={k} onChange={(e) => setShown(Number(e.target.value))} data-testid="mg-k" aria-valuetext={`K = ${k}`} />
          <b className="mg-k-value">{k}</b>
        </label>
        <label className="field-inline">
          <span className="muted">seed</span>
          <input
            type="number"
            min={0}
            step={1}
            value={seedText}
            onChange={(e) => setSeedText(e.target.value)}
            onBlur={(e) => commitSeed(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && commitSeed((e.target as HTMLInputElement).value)}
            className="num-input"
            data-testid="mg-seed"
          />
        </label>
        <AnalysisProvenance meta={r?.meta} />
      </div>
      <p className="mg-explain" data-testid="mg-explain">
        <b>Masking alone can build any circuit:</b> each connection is K parallel edges with fixed weights; keeping the right subset (a subset sum)
        approximates any target weight, closer as K grows.
        <br />
        <b>The unmasked network computes nothing useful:</b> with every edge kept, each connection sums all its candidates and the outputs miss the target
        (orange curve).
      </p>
      {r?.description && (
        <details className="mg-details">
          <summary>How this instance is built</summary>
          <p className="muted" data-testid="mg-description">
            {r.description}
          </p>
        </details>
      )}
      <AnalysisStatus what="the multigraph demonstration" loading={run.loading} error={run.error} progress={run.progress} onRetry={run.rerun} testId="mg" />
      <div ref={wrapRef} className={`overlap-row${twoUp ? ' two-up' : ''}`} style={{ gap }}>
        {r && (
          <>
            <ChartCard svgRef={errSvg} csv={() => curveCsv(r)} stem={`${stem}-error`} testId="export-mg-error" onError={onError} what="the error-vs-K chart">
              <MultigraphErrorChart
                svgRef={errSvg}
                testId="mg-error-chart"
                curve={r.curve}
                shown={r.shown}
                width={colW}
                height={400}
                dark={dark}
                title="Approximation error vs. K (parallel edges per connection)"
                subtitle={subtitle}
                onPick={(kk) => setShown(kk)}
              />
            </ChartCard>
            <ChartCard svgRef={netSvg} stem={`${stem}-network`} testId="export-mg-network" onError={onError} what="the network drawing">
              <MultigraphNetwork
                svgRef={netSvg}
                testId="mg-network"
                layers={r.layers}
                k={r.shown}
                width={colW}
                height={400}
                dark={dark}
                title={`The multigraph at K = ${r.shown}: kept edges (dark) vs. pruned (faint)`}
                subtitle={
                  atShown
                    ? `${subtitle} · max weight error ${atShown.maxWeightError.toPrecision(3)}, output RMSE ${atShown.outputRmse.toPrecision(3)} masked vs ${atShown.unmaskedRmse.toPrecision(3)} unmasked`
                    : subtitle
                }
              />
            </ChartCard>
          </>
        )}
      </div>
      {r && (
        <TableSection
          className="mg-samples"
          title="Sample outputs"
          note={<>first {r.samples.length} evaluation inputs; outputs of the target network, the masked multigraph (K = {r.shown}) and the unmasked one (every edge kept)</>}
          tools={
            <>
              <ExportButtons csv={() => samplesCsv(r)} stem={`${stem}-samples`} testId="export-mg-samples" onError={onError} what="the sample table" csvLabel="CSV samples" />
              <ExportButtons csv={() => curveCsv(r)} stem={`${stem}-curve`} testId="export-mg-curve" onError={onError} what="the error curve" csvLabel="CSV error curve" />
            </>
          }
          testId="mg-samples"
        >
          <thead>
            <tr>
              <th>#</th>
              <th>input</th>
              <th>target</th>
              <th>masked</th>
              <th>|masked − target| RMS</th>
              <th>unmasked</th>
              <th>|unmasked − target| RMS</th>
            </tr>
          </thead>
          <tbody>
            {r.samples.map((s, i) => (
              <tr key={i} data-testid="mg-sample-row">
                <td>{i}</td>
                <td className="mono">{vec(s.input)}</td>
                <td className="mono">{vec(s.target)}</td>
                <td className="mono">{vec(s.masked)}</td>
                <td>{rmse(s.masked, s.target).toPrecision(3)}</td>
                <td className="mono">{vec(s.unmasked)}</td>
                <td>{rmse(s.unmasked, s.target).toPrecision(3)}</td>
              </tr>
            ))}
          </tbody>
        </TableSection>
      )}
    </main>
  );
}

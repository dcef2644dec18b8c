// `ticketscope analyze visualize|instability` (spec-detector.ts): feature visualisation of one unit, written as a PNG
// or printed as JSON, and the instability of an IMP round. Through the contract (validated, cached) like every
// analysis; bad usage fails before any database is opened.
import { resolve } from 'node:path';
import type { AnalysisProgress } from '../../shared/analysis';
import type { InstabilityAnalysisResult, VisualizeAnalysisResult } from '../../shared/detector';
import { ValidationError } from '../../shared/errors';
import { runIdSchema } from '../../shared/refs';
import { targetProblem, writeFileAtomic } from '../atomic-file';
import { encodePng } from '../core/png';
import { int, text, type ParsedArgs } from './args';
import { table } from './format';
import { withSession } from './session';

export const DETECTOR_KINDS = ['visualize', 'instability'];
const PNG_SCALE = 4;

/** RUN:ROUND, checked. */
function runRound(arg: string | undefined): { run: string; round: number } {
  const m = /^([^:]+):(\d{1,4})$/.exec(arg ?? '');
  if (!m || !runIdSchema.safeParse(m[1]).success) throw new ValidationError(`analyze instability needs RUN:ROUND (e.g. r1a2b3c4d5:3), got ${arg ?? 'nothing'}`);
  return { run: m[1]!, round: Number(m[2]) };
}

const given = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function visualizeText(r: VisualizeAnalysisResult, out: string | undefined): string {
  const [h, w] = r.image.shape;
  const first = r.trace[0]?.objective;
  return [
    `${r.state.label} [${r.state.ref}] ${r.layer} unit ${r.unit}: ${r.objective}`,
    `objective ${first?.toFixed(3) ?? '-'} at step 1 -> ${r.final.objective.toFixed(3)} on the final image after ${r.steps} steps; unit output after ReLU: max ${r.final.activationMax.toFixed(3)}, mean ${r.final.activationMean.toFixed(3)}`,
    ...(out ? [`wrote ${out} (${w * PNG_SCALE}x${h * PNG_SCALE} PNG, each pixel of the ${w}x${h} input shown ${PNG_SCALE}x${PNG_SCALE})`] : []),
    r.meta.cached ? '(from the cache)' : `(computed in ${(r.meta.computeMs / 1000).toFixed(1)} s)`,
  ].join('\n');
}

function instabilityText(r: InstabilityAnalysisResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  return [
    `${r.state.label} [${r.state.ref}]: two copies trained ${r.iterations} steps from here with data-order seeds ${r.seeds.join(', ')}`,
    table(['ALPHA', 'TEST ERROR', 'TEST LOSS'], r.points.map((p) => [p.alpha.toFixed(2), pct(p.testError), p.testLoss.toFixed(4)])),
    `error barrier ${pct(r.barrier)} (max on the line minus the endpoints' mean; Frankle et al. 2020 call a network stable below 2%); above the chord ${pct(r.linearBarrier)}; loss barrier ${r.lossBarrier.toFixed(4)}`,
    r.meta.cached ? '(from the cache)' : `(computed in ${(r.meta.computeMs / 1000).toFixed(1)} s)`,
  ].join('\n');
}

/** Runs `analyze visualize|instability`; `progress` shows the analysis' progress on stderr. */
export async function cmdAnalyzeDetector(args: ParsedArgs, progress: (p: AnalysisProgress) => void): Promise<void> {
  const pos = args.positional;
  const json = args.global.json;
  if (args.sub === 'visualize') {
    const layer = text(args, 'layer');
    const unit = int(args, 'unit');
    const outArg = text(args, 'out');
    if (pos.length !== 1) throw new ValidationError('analyze visualize needs exactly one STATE');
    if (layer === undefined || unit === undefined) throw new ValidationError('analyze visualize needs --layer NAME and --unit N');
    if (outArg === undefined && !json) throw new ValidationError('analyze visualize needs --out FILE.png (or --json)');
    const out = outArg === undefined ? undefined : resolve(outArg);
    if (out !== undefined) {
      if (!/\.png$/i.test(out)) throw new ValidationError(`--out ${outArg}: the file name must end in .png`);
      const problem = targetProblem(out);
      if (problem) throw new ValidationError(`--out ${outArg}: ${problem}`);
    }
    const r = await withSession(args, async ({ api }) => {
      const off = api.on('analysisProgress', progress);
      try {
        return await api.analyzeVisualize(given({ state: pos[0]!, layer, unit, steps: int(args, 'steps'), seed: int(args, 'seed') }));
      } finally {
        off();
      }
    });
    if (out !== undefined) {
      const [h, w] = r.image.shape;
      writeFileAtomic(out, encodePng(new Uint8Array(Buffer.from(r.image.rgba, 'base64')), w, h, PNG_SCALE));
    }
    process.stdout.write(json ? `${JSON.stringify(out ? { ...r, out } : r)}\n` : `${visualizeText(r, out)}\n`);
    return;
  }
  if (pos.length !== 1) throw new ValidationError('analyze instability needs exactly one RUN:ROUND');
  const { run, round } = runRound(pos[0]);
  const r = await withSession(args, async ({ api }) => {
    const off = api.on('analysisProgress', progress);
    try {
      return await api.analyzeInstability(given({ run, round, points: int(args, 'points'), iterations: int(args, 'iterations'), seed: int(args, 'seed') }));
    } finally {
      off();
    }
  });
  process.stdout.write(json ? `${JSON.stringify(r)}\n` : `${instabilityText(r)}\n`);
}

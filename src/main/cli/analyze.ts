// `ticketscope analyze overlap|selectivity|activations|subcircuit|multigraph ...`: the analyses of stored states
// through the same contract methods the app uses (validated, cached in the database). With --json stdout carries the
// result object documented in docs/analysis.md; otherwise a readable summary. Progress goes to stderr.
import type { AnalysisProgress, StateInfo } from '../../shared/analysis';
import type { MethodName } from '../../shared/contract';
import { ValidationError } from '../../shared/errors';
import type { Core } from '../core/service';
import { single, type ParsedArgs } from './args';
import { formatEta } from './progress';
import { ANALYZE_KINDS } from './analyze-usage';

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function int(args: ParsedArgs, flag: string): number | undefined {
  const v = single(args.options, flag);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new ValidationError(`${flag} ${v}: expected a whole number`);
  return Number(v);
}

function num(args: ParsedArgs, flag: string): number | undefined {
  const v = single(args.options, flag);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new ValidationError(`${flag} ${v}: expected a number`);
  return n;
}

function classArg(args: ParsedArgs): number | string | undefined {
  const v = single(args.options, '--class');
  return v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** Builds the contract call for the command line; throws ValidationError for bad usage. */
function request(core: Core, kind: string, args: ParsedArgs): { method: MethodName; params: Record<string, unknown> } {
  const pos = args.positional.slice(1);
  const drop = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  switch (kind) {
    case 'overlap': {
      const rounds = single(args.options, '--rounds');
      const seeds = single(args.options, '--seeds');
      if (rounds || seeds) {
        if (pos.length) throw new ValidationError('analyze overlap: give states, --rounds RUN or --seeds EXPERIMENT, not several');
        let states: StateInfo[];
        if (rounds) states = core.analyses.listStates({ runId: rounds }).filter((s) => s.which === 'mask');
        else {
          const round = int(args, '--round');
          const all = core.analyses.listStates({ experimentId: seeds! }).filter((s) => s.which === 'mask' && s.kind !== 'imported');
          const tickets = all.filter((s) => s.kind === all[0]?.kind);
          const last = Math.max(...tickets.map((s) => s.round));
          states = tickets.filter((s) => s.round === (round ?? last));
        }
        if (states.length < 2) throw new ValidationError(`analyze overlap: ${rounds ? `run ${rounds}` : `experiment ${seeds}`} has ${states.length} mask(s); a matrix needs at least 2`);
        return { method: 'analyzeOverlapMatrix', params: { states: states.map((s) => s.ref) } };
      }
      if (pos.length < 2) throw new ValidationError('analyze overlap needs two states A B (or more for a matrix, or --rounds RUN)');
      return pos.length === 2 ? { method: 'analyzeOverlap', params: { a: pos[0], b: pos[1] } } : { method: 'analyzeOverlapMatrix', params: { states: pos } };
    }
    case 'selectivity':
      if (!pos.length) throw new ValidationError('analyze selectivity needs at least one STATE');
      return {
        method: 'analyzeSelectivity',
        params: drop({
          states: pos,
          class: classArg(args),
          permutations: int(args, '--permutations'),
          threshold: num(args, '--threshold'),
          split: single(args.options, '--split'),
          limit: int(args, '--limit'),
          probe: args.options.has('--no-probe') ? false : undefined,
          seed: int(args, '--seed'),
        }),
      };
    case 'activations': {
      if (!pos.length) throw new ValidationError('analyze activations needs at least one STATE');
      const layer = single(args.options, '--layer');
      const unit = int(args, '--unit');
      if (!layer || unit === undefined) throw new ValidationError('analyze activations needs --layer NAME and --unit N');
      return {
        method: 'analyzeActivations',
        params: drop({
          states: pos,
          layer,
          unit,
          class: classArg(args),
          images: int(args, '--images'),
          top: int(args, '--top'),
          split: single(args.options, '--split'),
          gradcamLayer: single(args.options, '--gradcam-layer'),
        }),
      };
    }
    case 'subcircuit':
      if (pos.length !== 1) throw new ValidationError('analyze subcircuit needs exactly one STATE (and --compare STATE for a second)');
      return {
        method: 'analyzeSubcircuit',
        params: drop({
          state: pos[0],
          compare: single(args.options, '--compare'),
          class: classArg(args),
          units: int(args, '--units'),
          edges: int(args, '--edges'),
          images: int(args, '--images'),
          split: single(args.options, '--split'),
        }),
      };
    case 'multigraph':
      if (pos.length) throw new ValidationError(`analyze multigraph takes no states (got ${pos[0]})`);
      return {
        method: 'analyzeMultigraph',
        params: drop({
          target: single(args.options, '--target'),
          variant: single(args.options, '--variant'),
          kMax: int(args, '--k-max'),
          k: int(args, '--k'),
          seed: int(args, '--seed'),
        }),
      };
    default:
      throw new ValidationError(`analyze ${kind}: expected one of ${ANALYZE_KINDS.join(', ')}`);
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the summaries read the documented result shapes loosely */
function summary(method: MethodName, r: any): string {
  const prov = `(${r.meta.cached ? 'cached; ' : ''}computed in ${(r.meta.computeMs / 1000).toFixed(2)} s)`;
  switch (method) {
    case 'analyzeOverlap': {
      const rows = [...r.layers, { layer: 'all', ...r.overall }].map((l: any) => [
        l.layer, String(l.size), String(l.keptA), String(l.keptB), String(l.both), f(l.jaccard), f(l.expectedJaccard), f(l.jaccardRatio, 2),
        f(l.overlapCoefficient), f(l.signAgreement), l.units !== undefined ? `${l.aliveA}/${l.aliveB}/${l.aliveBoth} of ${l.units}` : '',
      ]);
      return [
        `A = ${r.a.label} [${r.a.ref}]`,
        `B = ${r.b.label} [${r.b.ref}]`,
        table(['LAYER', 'WEIGHTS', 'KEPT A', 'KEPT B', 'BOTH', 'JACCARD', 'CHANCE', 'RATIO', 'OVERLAP', 'SIGN AGREE', 'ALIVE UNITS A/B/BOTH'], rows),
        prov,
      ].join('\n');
    }
    case 'analyzeOverlapMatrix': {
      const n = r.states.length;
      const rows = r.states.map((s: StateInfo, i: number) => [String(i), ...Array.from({ length: n }, (_, j) => f(r.jaccard[i][j])), f(r.jaccardRatio[i][(i + 1) % n], 2)]);
      return [
        ...r.states.map((s: StateInfo, i: number) => `${i}: ${s.label} [${s.ref}]`),
        'Jaccard (overall):',
        table(['', ...Array.from({ length: n }, (_, j) => String(j)), `RATIO→NEXT`], rows),
        prov,
      ].join('\n');
    }
    case 'analyzeSelectivity': {
      const lines = [`class ${r.class.name} (${r.class.index}); ${r.images} ${r.split} images, ${r.positives} of the class; ${r.permutations} permutations; detector threshold AUROC ≥ ${r.threshold}`];
      for (const s of r.states) {
        lines.push(`${s.state.label} [${s.state.ref}]: accuracy ${pct(s.accuracy)}`);
        const rows: string[][] = [];
        for (const l of s.layers) {
          for (const p of l.pools) {
            const nullMean = p.nullBest.length ? p.nullBest.reduce((a: number, b: number) => a + b, 0) / p.nullBest.length : null;
            rows.push([l.layer, p.pooling, String(l.units), String(p.best.unit), f(p.best.auroc), f(nullMean), f(p.pValue), String(p.detectors), p.pooling === 'max' ? '' : l.probe ? `${f(l.probe.balancedAccuracy)} (chance ${f(l.probe.chance)})` : '-']);
          }
        }
        lines.push(table(['LAYER', 'POOL', 'UNITS', 'BEST', 'AUROC', 'NULL MEAN', 'P', 'DETECTORS', 'PROBE BAL. ACC'], rows));
      }
      lines.push(prov);
      return lines.join('\n');
    }
    case 'analyzeActivations': {
      const lines = [`unit ${r.unit} of ${r.layer}; class ${r.class.name} (${r.class.index}); maps ${r.mapShape ? r.mapShape.join('x') : 'none (dense)'}`];
      for (const s of r.states) {
        lines.push(
          `${s.state.label}: mean activation on ${r.class.name} ${f(s.meanClass)} vs others ${f(s.meanOther)}; top images: ` +
            s.top.slice(0, 8).map((t: any) => `${t.index}:${r.classNames[r.images.find((i: any) => i.index === t.index)?.label] ?? '?'}=${f(t.activation, 2)}`).join(' '),
        );
        lines.push(`  ${s.gradcam.method} at ${s.gradcam.layer} (${s.gradcam.shape.join('x')})`);
      }
      lines.push(prov);
      return lines.join('\n');
    }
    case 'analyzeSubcircuit': {
      const lines = [`class ${r.class.name} (${r.class.index}); ${r.images} images; top ${r.unitsPerLayer} units per layer, at most ${r.edgeBudget} edges`];
      for (const c of r.circuits) {
        lines.push(`${c.state.label} [${c.state.ref}]: mean logit ${f(c.logit)}, ${c.edges.length} edges`);
        for (const l of c.layers) lines.push(`  ${l.name.padEnd(6)} ${l.units.slice(0, 8).map((u: any) => `${u.unit}(${f(u.attribution, 3)})`).join(' ')}`);
      }
      if (r.shared) {
        const s = r.shared;
        lines.push(`shared: ${s.units} units (chance ${f(s.expectedUnits, 1)}, Jaccard ${f(s.unitJaccard)}), ${s.edges} edges (chance ${f(s.expectedEdges, 1)}, Jaccard ${f(s.edgeJaccard)})`);
      }
      lines.push(prov);
      return lines.join('\n');
    }
    case 'analyzeMultigraph': {
      const rows = r.curve.map((p: any) => [String(p.k), p.maxWeightError.toExponential(2), p.meanWeightError.toExponential(2), p.outputRmse.toExponential(2), p.unmaskedRmse.toExponential(2)]);
      return [`${r.target} target, ${r.variant} edges: ${r.description}`, table(['K', 'MAX |W ERR|', 'MEAN |W ERR|', 'OUTPUT RMSE', 'UNMASKED RMSE'], rows), prov].join('\n');
    }
    default:
      return JSON.stringify(r);
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export async function cmdAnalyze(args: ParsedArgs, core: Core): Promise<void> {
  const kind = args.positional[0];
  if (!kind) throw new ValidationError(`analyze needs a kind: ${ANALYZE_KINDS.join(', ')}`);
  const { method, params } = request(core, kind, args);
  const tty = process.stderr.isTTY;
  let lastStage = '';
  const off = core.subscribe((event, payload) => {
    if (event !== 'analysisProgress') return;
    const p = payload as AnalysisProgress;
    if (tty) {
      const w = 24;
      const filled = p.total ? Math.round((p.done / p.total) * w) : 0;
      process.stderr.write(`\r${p.stage.slice(0, 40).padEnd(40)} [${'#'.repeat(filled)}${'.'.repeat(w - filled)}] ${p.done}/${p.total} ETA ${formatEta(p.etaSeconds)}   `);
    } else if (p.stage !== lastStage) {
      lastStage = p.stage;
      process.stderr.write(`${p.stage}\n`);
    }
  });
  try {
    const result = await core.call(method, params);
    if (tty) process.stderr.write('\r\x1b[K');
    process.stdout.write(args.global.json ? `${JSON.stringify(result)}\n` : `${summary(method, result)}\n`);
  } finally {
    off();
  }
}

// What `ticketscope analyze` prints without --json: a readable summary of each analysis result (the shapes of
// shared/analysis.ts, documented in docs/analysis.md), every figure beside its chance level or baseline.
import { stateAccuracyText } from '../../shared/objective';
import type { ActivationsResult, MultigraphResult, OverlapMatrixResult, OverlapResult, SelectivityResult, SubcircuitResult } from '../../shared/analysis';
import { causalSummary, type CausalOutcome } from './analyze-causal';
import { table } from './format';

/** An analysis result with the method that produced it. */
export type Outcome =
  | { method: 'analyzeOverlap'; result: OverlapResult }
  | { method: 'analyzeOverlapMatrix'; result: OverlapMatrixResult }
  | { method: 'analyzeSelectivity'; result: SelectivityResult }
  | { method: 'analyzeActivations'; result: ActivationsResult }
  | { method: 'analyzeSubcircuit'; result: SubcircuitResult }
  | { method: 'analyzeMultigraph'; result: MultigraphResult }
  | CausalOutcome;

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Balanced accuracy averages the two classes' recalls: always answering one class scores 0.5, whatever the prior. */
export const BALANCED_CHANCE = 0.5;

function overlap(r: OverlapResult): string[] {
  const rows = [...r.layers, { layer: 'all', units: undefined, aliveA: 0, aliveB: 0, aliveBoth: 0, ...r.overall }].map((l) => [
    l.layer, String(l.size), String(l.keptA), String(l.keptB), String(l.both), f(l.jaccard), f(l.expectedJaccard), f(l.jaccardRatio, 2),
    f(l.overlapCoefficient), f(l.signAgreement), l.units !== undefined ? `${l.aliveA}/${l.aliveB}/${l.aliveBoth} of ${l.units}` : '',
  ]);
  return [
    `A = ${r.a.label} [${r.a.ref}]`,
    `B = ${r.b.label} [${r.b.ref}]`,
    table(['LAYER', 'WEIGHTS', 'KEPT A', 'KEPT B', 'BOTH', 'JACCARD', 'CHANCE', 'RATIO', 'OVERLAP', 'SIGN AGREE', 'ALIVE UNITS A/B/BOTH'], rows),
  ];
}

function overlapMatrix(r: OverlapMatrixResult): string[] {
  const n = r.states.length;
  // The ratio to chance between each state and the next in the list (the next round, the next seed); the last has none.
  const rows = r.states.map((_, i) => [String(i), ...r.states.map((__, j) => f(r.jaccard[i]![j])), i + 1 < n ? f(r.jaccardRatio[i]![i + 1], 2) : '—']);
  return [...r.states.map((s, i) => `${i}: ${s.label} [${s.ref}]`), 'Jaccard (overall):', table(['', ...r.states.map((_, j) => String(j)), 'RATIO→NEXT'], rows)];
}

function selectivity(r: SelectivityResult): string[] {
  const lines = [`class ${r.class.name} (${r.class.index}); ${r.images} ${r.split} images, ${r.positives} of the class; ${r.permutations} permutations; detector threshold AUROC ≥ ${r.threshold}`];
  for (const s of r.states) {
    lines.push(`${s.state.label} [${s.state.ref}]: ${stateAccuracyText(s, r.split)}`);
    const rows = s.layers.flatMap((l) =>
      l.pools.map((p) => [
        l.layer, p.pooling, String(l.units), String(p.best.unit), f(p.best.auroc), f(mean(p.nullBest)), f(p.pValue), String(p.detectors),
        p.pooling === 'max' ? '' : l.probe ? f(l.probe.balancedAccuracy) : '-',
      ]),
    );
    lines.push(table(['LAYER', 'POOL', 'UNITS', 'BEST', 'AUROC', 'NULL MEAN', 'P', 'DETECTORS', `PROBE BAL. ACC (CHANCE ${BALANCED_CHANCE.toFixed(1)})`], rows));
  }
  lines.push('AUROC: 0.5 is chance; NULL MEAN: the best unit\'s AUROC under shuffled labels.');
  return lines;
}

function activations(r: ActivationsResult): string[] {
  const lines = [`unit ${r.unit} of ${r.layer}; class ${r.class.name} (${r.class.index}); maps ${r.mapShape ? r.mapShape.join('x') : 'none (dense)'}`];
  const labelOf = (index: number) => {
    const img = r.images.find((i) => i.index === index);
    return img ? (r.classNames[img.label] ?? '?') : '?';
  };
  for (const s of r.states) {
    const top = s.top.slice(0, 8).map((t) => `${t.index}:${labelOf(t.index)}=${f(t.activation, 2)}`);
    lines.push(`${s.state.label}: mean activation on ${r.class.name} ${f(s.meanClass)} vs others ${f(s.meanOther)}; top images: ${top.join(' ')}`);
    lines.push(`  ${s.gradcam.method} at ${s.gradcam.layer} (${s.gradcam.shape.join('x')})`);
  }
  return lines;
}

function subcircuit(r: SubcircuitResult): string[] {
  const lines = [`class ${r.class.name} (${r.class.index}); ${r.images} images; top ${r.unitsPerLayer} units per layer, at most ${r.edgeBudget} edges`];
  for (const c of r.circuits) {
    lines.push(`${c.state.label} [${c.state.ref}]: mean logit ${f(c.logit)}, ${c.edges.length} edges`);
    for (const l of c.layers) lines.push(`  ${l.name.padEnd(6)} ${l.units.slice(0, 8).map((u) => `${u.unit}(${f(u.attribution, 3)})`).join(' ')}`);
  }
  const s = r.shared;
  if (s) lines.push(`shared: ${s.units} units (chance ${f(s.expectedUnits, 1)}, Jaccard ${f(s.unitJaccard)}), ${s.edges} edges (chance ${f(s.expectedEdges, 1)}, Jaccard ${f(s.edgeJaccard)})`);
  return lines;
}

function multigraph(r: MultigraphResult): string[] {
  const rows = r.curve.map((p) => [String(p.k), p.maxWeightError.toExponential(2), p.meanWeightError.toExponential(2), p.outputRmse.toExponential(2), p.unmaskedRmse.toExponential(2)]);
  return [`${r.target} target, ${r.variant} edges: ${r.description}`, table(['K', 'MAX |W ERR|', 'MEAN |W ERR|', 'OUTPUT RMSE', 'UNMASKED RMSE'], rows)];
}

export function summary(o: Outcome): string {
  const lines = (() => {
    switch (o.method) {
      case 'analyzeOverlap':
        return overlap(o.result);
      case 'analyzeOverlapMatrix':
        return overlapMatrix(o.result);
      case 'analyzeSelectivity':
        return selectivity(o.result);
      case 'analyzeActivations':
        return activations(o.result);
      case 'analyzeSubcircuit':
        return subcircuit(o.result);
      case 'analyzeMultigraph':
        return multigraph(o.result);
      default:
        return causalSummary(o);
    }
  })();
  const m = o.result.meta;
  return [...lines, `(${m.cached ? 'cached; ' : ''}computed in ${(m.computeMs / 1000).toFixed(2)} s)`].join('\n');
}

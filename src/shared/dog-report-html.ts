// The dog report as one self-contained HTML file: the verdict, the tables and the charts as inline SVG; no script, no
// external asset, and a Content-Security-Policy that allows nothing else (`default-src 'none'`). Pure string code, so
// the CLI writes it and the view shows the same charts (dotChart).
import type { DogReport, Interval, SeedStage, StageSummary } from './dog-report';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
/** 10-way accuracy, or a one-vs-rest state's balanced accuracy of "class logit > 0", said so. */
const accuracyCell = (x: SeedStage) =>
  x.state.objective ? `${f((x.objectiveAccuracy ?? NaN) * 100, 1)}% balanced, ${x.state.objective.className} vs rest (chance 50%)` : `${f(x.accuracy * 100, 1)}%`;
const iv = (i: Interval, d = 2) => (i.mean === null ? '–' : `${f(i.mean, d)}${i.lo !== null ? ` [${f(i.lo, d)}, ${f(i.hi, d)}]` : ''}`);

export interface DotRow {
  label: string;
  /** One dot per seed. */
  values: (number | null)[];
  interval: Interval;
  /** A baseline drawn as a short grey bar on the row (e.g. the null's mean AUROC). */
  baseline?: number | null;
}

/**
 * A dot chart: one row per stage, a dot per seed, the mean with its 95% interval as a black bar, the row's baseline as
 * a grey tick and `reference` (chance, a threshold) as a dashed vertical line. Returns an <svg> element as a string.
 */
export function dotChart(title: string, rows: DotRow[], domain: [number, number], reference: { value: number; label: string } | null, axisLabel: string, step = 0.1): string {
  const W = 640;
  const left = 230;
  const right = 20;
  const rowH = 30;
  const top = 46;
  const H = top + rows.length * rowH + 40;
  const x = (v: number) => left + ((Math.min(Math.max(v, domain[0]), domain[1]) - domain[0]) / (domain[1] - domain[0])) * (W - left - right);
  const ticks = Array.from({ length: Math.round((domain[1] - domain[0]) / step) + 1 }, (_, i) => domain[0] + i * step);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}" font-family="sans-serif" font-size="12">`];
  parts.push(`<text x="${left}" y="18" font-weight="bold">${esc(title)}</text>`);
  for (const t of ticks) {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${top - 6}" y2="${H - 34}" stroke="#e5e5e5"/>`, `<text x="${x(t)}" y="${H - 20}" text-anchor="middle" fill="#444">${f(t)}</text>`);
  }
  parts.push(`<text x="${(left + W - right) / 2}" y="${H - 4}" text-anchor="middle" fill="#444">${esc(axisLabel)}</text>`);
  if (reference) {
    parts.push(`<line x1="${x(reference.value)}" x2="${x(reference.value)}" y1="${top - 6}" y2="${H - 34}" stroke="#b00" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${x(reference.value) + 4}" y="${top - 10}" fill="#b00">${esc(reference.label)}</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    parts.push(`<text x="${left - 8}" y="${y + 4}" text-anchor="end">${esc(r.label)}</text>`);
    if (r.baseline !== undefined && r.baseline !== null) parts.push(`<rect x="${x(r.baseline) - 1.5}" y="${y - 9}" width="3" height="18" fill="#999"><title>baseline ${f(r.baseline)}</title></rect>`);
    if (r.interval.lo !== null && r.interval.hi !== null) parts.push(`<line x1="${x(r.interval.lo)}" x2="${x(r.interval.hi)}" y1="${y}" y2="${y}" stroke="#000" stroke-width="2"/>`);
    if (r.interval.mean !== null) parts.push(`<rect x="${x(r.interval.mean) - 1}" y="${y - 7}" width="2" height="14" fill="#000"/>`);
    for (const v of r.values) if (v !== null) parts.push(`<circle cx="${x(v)}" cy="${y}" r="4" fill="#2a6fdb" fill-opacity="0.7"><title>${f(v, 3)}</title></circle>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The report's three charts, as SVG strings. */
export function reportCharts(r: DogReport): { auroc: string; ablation: string; faithfulness: string } {
  const rows = (g: (s: StageSummary) => { values: (number | null)[]; interval: Interval; baseline?: number | null }) => r.stages.map((s) => ({ label: s.label, ...g(s) }));
  const nullMean = (s: StageSummary) => {
    const xs = s.seeds.map((x) => x.nullMean).filter((v) => Number.isFinite(v));
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  return {
    auroc: dotChart(`Best unit's AUROC for ${r.class.name} (grey: the permutation null's mean best)`, rows((s) => ({ values: s.seeds.map((x) => x.best.auroc), interval: s.auroc, baseline: nullMean(s) })), [0.5, 1], { value: 0.5, label: 'chance' }, 'AUROC'),
    ablation: dotChart(`Share of the ${r.class.name} logit removed by ablating that unit (${r.settings.ablation})`, rows((s) => ({ values: s.seeds.map((x) => x.ablation.fraction), interval: s.fraction })), [-0.25, 1], { value: 0, label: 'no effect' }, 'drop / (m(M) − m(∅)); values beyond the axis sit at its edge', 0.25),
    faithfulness: dotChart(`Faithfulness of the top ${r.settings.budget} edges`, rows((s) => ({ values: s.seeds.map((x) => x.faithfulness.faithfulness), interval: s.faithfulness })), [-0.25, 1.25], { value: 1, label: 'whole net' }, 'faithfulness; values beyond the axis sit at its edge', 0.25),
  };
}

export function dogReportHtml(r: DogReport): string {
  const charts = reportCharts(r);
  const seedRows = r.stages.flatMap((s) =>
    s.seeds.map(
      (x) =>
        `<tr><td>${esc(s.label)}</td><td>${x.seed}</td><td>${esc(x.best.layer)}:${x.best.unit} (${x.best.pooling})</td><td>${f(x.best.auroc, 3)}</td><td>${f(x.nullMean, 3)}</td><td>${f(x.pValue, 3)}</td><td>${f(x.ablation.targetLogitDrop, 3)}</td><td>${f(x.ablation.fraction)}</td><td>${f(x.faithfulness.faithfulness)}</td><td>${esc(accuracyCell(x))}</td></tr>`,
    ),
  );
  const summaryRows = r.stages.map((s) => `<tr><td>${esc(s.label)}</td><td>${esc(s.source)}</td><td>${s.seeds.length}</td><td>${s.significant}</td><td>${iv(s.auroc)}</td><td>${iv(s.fraction)}</td><td>${iv(s.faithfulness)}</td></tr>`);
  const overlapRows = r.overlaps.map((o) => `<tr><td>${esc(o.what)}</td><td>${iv(o.jaccard, 3)}</td><td>${iv(o.chance, 3)}</td><td>${iv(o.ratio)}</td></tr>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(`${r.class.name} report: ${r.experiment.name}`)}</title>
<style>body{font:14px/1.45 sans-serif;max-width:960px;margin:24px auto;padding:0 16px;color:#111}table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f3f3f3}.verdict li{margin:4px 0}.muted{color:#555}</style>
</head><body>
<h1>Does the network compute “${esc(r.class.name)}”?</h1>
<p class="muted">Experiment ${esc(r.experiment.name)} [${esc(r.experiment.id)}], ${esc(r.experiment.arch)} on ${esc(r.experiment.dataset)}; class ${esc(r.class.name)} (${r.class.index}).
${r.settings.permutations} label permutations (p-values corrected for the layers and poolings searched), ${r.settings.ablation} ablation on the first ${r.settings.evaluation} test images, faithfulness at ${r.settings.budget} edges, α = ${r.settings.alpha}. Intervals: 95% t-intervals over seeds.</p>
<h2>Verdict</h2>
<ul class="verdict">${r.verdict.map((v) => `<li>${esc(v)}</li>`).join('')}</ul>
<h2>Over seeds</h2>
<table><tr><th>stage</th><th>states</th><th>seeds</th><th>beat the null</th><th>best AUROC</th><th>logit share removed</th><th>faithfulness</th></tr>${summaryRows.join('')}</table>
${charts.auroc}
${charts.ablation}
${charts.faithfulness}
<h2>Mask overlap</h2>
${overlapRows.length ? `<table><tr><th>masks</th><th>Jaccard</th><th>chance (per-layer densities)</th><th>ratio</th></tr>${overlapRows.join('')}</table>` : '<p class="muted">No two masks to compare (one seed, no supermask).</p>'}
<h2>Per seed</h2>
<table><tr><th>stage</th><th>seed</th><th>best unit</th><th>AUROC</th><th>null mean</th><th>p (corrected)</th><th>logit drop</th><th>share</th><th>faithfulness</th><th title="10-way accuracy; for a one-vs-rest state the balanced accuracy of &quot;class logit &gt; 0&quot; (chance 50%)">accuracy</th></tr>${seedRows.join('')}</table>
${r.missing.length ? `<h2>Not in this report</h2><ul>${r.missing.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>` : ''}
<p class="muted">Made by Ticketscope on ${esc(r.createdAt)}. Definitions: docs/analysis.md (“The dog report”).</p>
</body></html>
`;
}

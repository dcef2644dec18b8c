// `ticketscope report dog EXPERIMENT`: the dog report through the contract (reportDog), printed (verdict and a table),
// as JSON (--json), or written to a self-contained HTML page or a JSON file (--out).
import { resolve } from 'node:path';
import { dogReportHtml } from '../../shared/dog-report-html';
import type { DogReport } from '../../shared/dog-report';
import { ValidationError } from '../../shared/errors';
import { listDatasets } from '../core/datasets';
import { targetProblem, writeFileAtomic } from '../atomic-file';
import { int, list, text, type ParsedArgs } from './args';
import { resolveClass } from './analyze';
import { table } from './format';
import { dataDirOf, withSession } from './session';

const f = (x: number | null, d = 2) => (x === null ? '-' : x.toFixed(d));

function human(r: DogReport): string {
  const rows = r.stages.map((s) => [s.label, String(s.seeds.length), String(s.significant), f(s.auroc.mean), f(s.auroc.lo), f(s.auroc.hi), f(s.fraction.mean), f(s.faithfulness.mean)]);
  return [
    `${r.class.name} report: ${r.experiment.name} [${r.experiment.id}], ${r.experiment.arch} on ${r.experiment.dataset}`,
    table(['STAGE', 'SEEDS', 'BEAT NULL', 'AUROC', 'LO', 'HI', 'LOGIT SHARE', `FAITHFULNESS @${r.settings.budget}`], rows),
    ...r.overlaps.map((o) => `${o.what}: Jaccard ${f(o.jaccard.mean, 3)} vs chance ${f(o.chance.mean, 3)} (${f(o.ratio.mean)}x)`),
    ...r.missing.map((m) => `not included: ${m}`),
    '',
    'Verdict:',
    ...r.verdict.map((v) => `- ${v}`),
  ].join('\n');
}

export async function cmdReport(args: ParsedArgs): Promise<void> {
  if (args.sub !== 'dog') throw new ValidationError('report needs a kind: dog (ticketscope report --help)');
  if (args.positional.length !== 1) throw new ValidationError('report dog needs exactly one EXPERIMENT');
  const out = text(args, 'out');
  const path = out !== undefined ? resolve(out) : undefined;
  if (out !== undefined) {
    if (!/\.(html|json)$/i.test(out)) throw new ValidationError(`--out ${out}: the file must end in .html or .json`);
    const problem = targetProblem(path!);
    if (problem) throw new ValidationError(`--out ${out}: ${problem}`);
  }
  const experimentId = args.positional[0]!;
  const report = await withSession(args, async ({ api }) => {
    const detail = await api.getExperiment({ experimentId });
    const dataset = detail.config.dataset;
    const names = listDatasets(dataDirOf(args)).find((d) => d.name === dataset)?.classes;
    if (!names) throw new ValidationError(`experiment ${experimentId}: unknown data set ${dataset}`);
    const cls = resolveClass(text(args, 'class'), names, dataset);
    const opt = (k: string) => int(args, k);
    const p = { experimentId, class: cls, with: list(args, 'with'), permutations: opt('permutations'), limit: opt('limit'), evaluation: opt('evaluation'), budget: opt('budget') };
    return api.reportDog(Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && !(Array.isArray(v) && !v.length))) as typeof p);
  });
  if (path) {
    writeFileAtomic(path, /\.html$/i.test(path) ? dogReportHtml(report) : `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`wrote ${path}\n`);
  }
  process.stdout.write(args.global.json ? `${JSON.stringify(report)}\n` : `${human(report)}\n`);
}

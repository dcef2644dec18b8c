// The options, usage and help of `ticketscope report dog` (spec.ts includes them); data only.
import { REPORT_DEFAULTS } from '../../shared/dog-report';
import type { CommandSpec } from './spec';

export const REPORT_SPEC: CommandSpec = {
  name: 'report',
  usage: ['report dog EXPERIMENT [--with EXPERIMENT ...] [--class NAME|N] [--out FILE.html|FILE.json]'],
  summary: 'reports put together from the analyses: dog (does the network compute the class?)',
  description: 'Reports that combine cached analyses with a verdict. `ticketscope report dog --help`.',
  options: {},
  examples: ['ticketscope report dog --help'],
  subcommands: [
    {
      name: 'report dog',
      usage: ['report dog EXPERIMENT [--with EXPERIMENT ...] [--class NAME|N] [--permutations N] [--limit N] [--evaluation N] [--budget N] [--out FILE.html|FILE.json]'],
      summary: 'per seed and over seeds: the best unit against the null, its ablation, faithfulness, overlap; a verdict',
      description:
        'At init, on the ticket\'s mask at init, in a supermask, after training and with random features (the stages the\n' +
        'experiments have): the best unit\'s AUROC for the class against the permutation null, the share of the class logit\n' +
        'that ablating it removes, the faithfulness of the class subcircuit at the edge budget, mask overlap against chance,\n' +
        'as mean and 95% interval over seeds, then a verdict in plain words that claims only what these support.\n' +
        '--out FILE.html writes one self-contained page (inline SVG charts); FILE.json the report with its "verdict".',
      options: {
        with: { kind: 'text', arg: 'EXPERIMENT', multiple: true, help: 'another experiment to include (a supermask, random features), matched by seed; repeatable' },
        class: { kind: 'text', arg: 'NAME|N', help: 'the class, by name or index (default dog where the data set has one; required elsewhere)' },
        permutations: { kind: 'int', arg: 'N', max: 1000, help: `label permutations of the null (default ${REPORT_DEFAULTS.permutations})` },
        limit: { kind: 'int', arg: 'N', min: 10, help: 'selectivity on the first N test images only (default all)' },
        evaluation: { kind: 'int', arg: 'N', min: 10, help: `ablation and faithfulness on the first N test images (default ${REPORT_DEFAULTS.evaluation})` },
        budget: { kind: 'int', arg: 'N', min: 1, help: `the subcircuit's edge budget (default ${REPORT_DEFAULTS.budget})` },
        out: { kind: 'text', arg: 'FILE', help: 'write the report to FILE.html (self-contained) or FILE.json' },
      },
      examples: ['ticketscope report dog e0123456789abcdef --out dog.html', 'ticketscope report dog e0123456789abcdef --class sneaker --json'],
    },
  ],
};

// The options, usage and help of `ticketscope analyze ablate|faithfulness|circuit` (spec.ts includes them); data only.
import { ABLATION_KINDS, CAUSAL_DEFAULTS, CONV_MEANS, FAITH_METRICS } from '../../shared/causal';
import type { CommandSpec, OptionSpec } from './spec';

const state = 'STATE is RUN[:ROUND][:WHICH], WHICH one of trained (default), init, ticket-at-init, dense-init; ROUND defaults to the last.';
const classOption: OptionSpec = { kind: 'text', arg: 'NAME|N', help: 'the class, by name or index (default dog where the data set has one; required elsewhere)' };
const COMMON: Record<string, OptionSpec> = {
  class: classOption,
  ablation: { kind: 'text', arg: 'KIND', choices: ABLATION_KINDS, help: `what replaces an ablated unit or edge: zero, mean or resample (default ${CAUSAL_DEFAULTS.ablation})` },
  'conv-mean': { kind: 'text', arg: 'HOW', choices: CONV_MEANS, help: `mean of conv maps per position or per channel (default ${CAUSAL_DEFAULTS.convMean})` },
  reference: { kind: 'int', arg: 'N', min: 1, max: 60_000, help: `training images the mean/resample values come from (default ${CAUSAL_DEFAULTS.reference})` },
  evaluation: { kind: 'int', arg: 'N', min: 10, help: `the first N test images the effects are measured on (default ${CAUSAL_DEFAULTS.evaluation})` },
  seed: { kind: 'int', arg: 'S', help: `seed of the reference images and resample draws (default ${CAUSAL_DEFAULTS.seed})` },
};

export const CAUSAL_ANALYZE: CommandSpec[] = [
  {
    name: 'analyze ablate',
    usage: ['analyze ablate STATE --layer L --units 3,17|all [--class NAME|N] [--ablation zero|mean|resample]', 'analyze ablate STATE --layer L --scan [--class NAME|N] [--ablation KIND]'],
    summary: 'ablate units of a layer: what the class logit, the others and accuracy lose',
    description:
      'Ablates units of one layer together (--units) on held-out test images of every class and reports the class\n' +
      'logit drop on its images, the other classes\' logit drop on theirs, and class and overall accuracy before and\n' +
      'after. --scan ablates every unit of the layer alone instead (the effect of each unit). Cached.\n' +
      state,
    options: {
      layer: { kind: 'text', arg: 'L', help: 'the layer whose units are ablated (input, conv1, ..., fc1, ...)' },
      units: { kind: 'text', arg: 'LIST', help: 'comma-separated unit indices, or all' },
      scan: { kind: 'flag', help: 'ablate every unit of the (hidden) layer alone, one at a time' },
      ...COMMON,
    },
    examples: ['ticketscope analyze ablate r1a2b3c4d5:3 --layer conv2 --units 3,17 --class dog --ablation mean --json', 'ticketscope analyze ablate r1a2b3c4d5:3 --layer fc1 --scan --class 3'],
  },
  {
    name: 'analyze faithfulness',
    usage: ['analyze faithfulness STATE [--class NAME|N] [--ablation KIND] [--points N] [--metric logit|logit-diff] [--budget N]'],
    summary: 'faithfulness and completeness of the class subcircuit over its size in edges',
    description:
      'Ranks the surviving weights by |activation x gradient| of the class logit, keeps the top s (s from 0 to every\n' +
      'weight, log-spaced) and ablates the rest: faithfulness (m(C) - m(empty)) / (m(M) - m(empty)) of the circuit and\n' +
      'completeness (the same for its complement), as in Marks et al. 2024. 0 and 1 are always points. Cached.\n' +
      state,
    options: {
      ...COMMON,
      points: { kind: 'int', arg: 'N', min: 2, max: 64, help: `circuit sizes on the curve (default ${CAUSAL_DEFAULTS.points})` },
      metric: { kind: 'text', arg: 'M', choices: FAITH_METRICS, help: `logit or logit-diff (default ${CAUSAL_DEFAULTS.metric})` },
      attribution: { kind: 'int', arg: 'N', min: 1, max: 10_000, help: `class training images the ranking averages over (default ${CAUSAL_DEFAULTS.attribution})` },
      budget: { kind: 'int', arg: 'N', help: 'also a point at exactly N edges, reported as "budget"' },
      'circuit-out': { kind: 'text', arg: 'FILE', help: "with --budget: write the budget's circuit (its first N weights) as a pinned-circuit file for analyze circuit" },
    },
    examples: ['ticketscope analyze faithfulness r1a2b3c4d5:3 --class dog --ablation mean --points 12 --json', 'ticketscope analyze faithfulness r1a2b3c4d5:3 --budget 500 --circuit-out dog-500.json'],
  },
  {
    name: 'analyze circuit',
    usage: ['analyze circuit STATE --circuit FILE.json [--class NAME|N] [--ablation zero|mean|resample] [--metric logit|logit-diff]'],
    summary: 'faithfulness and completeness of a pinned circuit (a file the Subcircuit view exports)',
    description:
      'Scores a pinned circuit (docs/formats.md, "Pinned circuits"): every edge (and unit of a named layer) outside it\n' +
      'is ablated, and faithfulness (m(C) - m(empty)) / (m(M) - m(empty)) and completeness (the same for its complement)\n' +
      'are reported with m(C), m(M) and m(empty), as in Marks et al. 2024. The class defaults to the file\'s. Cached.\n' +
      state,
    options: {
      circuit: { kind: 'text', arg: 'FILE', help: 'the pinned-circuit JSON file (format ticketscope.circuit/1)' },
      ...COMMON,
      class: { ...classOption, help: "the class, by name or index (default: the file's class, else dog where the data set has one)" },
      metric: { kind: 'text', arg: 'M', choices: FAITH_METRICS, help: `logit or logit-diff (default ${CAUSAL_DEFAULTS.metric})` },
    },
    examples: ['ticketscope analyze circuit r1a2b3c4d5:3 --circuit subcircuit-dog-circuit.json --ablation mean --json'],
  },
];

// `ticketscope analyze visualize|instability`: their options, usage and help (spec.ts lists them with the other
// analyze kinds).
import { DETECTOR_DEFAULTS } from '../../shared/detector';
import type { CommandSpec } from './spec';

export const DETECTOR_SPECS: CommandSpec[] = [
  {
    name: 'analyze visualize',
    usage: ['analyze visualize STATE --layer L --unit U [--steps N] [--seed S] (--out FILE.png | --json)'],
    summary: 'feature visualisation: an image that maximises one unit (Olah et al. 2017)',
    description:
      'Optimises an image (a decorrelated Fourier parameterisation with random jitter, scale and rotation, as lucid) to maximise one unit\'s pre-activation (the mean over positions for a conv channel). --out writes it as a PNG; --json prints the objective at each step and the image as base64 RGBA. Cached.',
    options: {
      layer: { kind: 'text', arg: 'L', help: 'the layer, e.g. conv2 or fc1' },
      unit: { kind: 'int', arg: 'U', help: 'the unit (channel) of the layer, from 0' },
      steps: { kind: 'int', arg: 'N', min: 1, max: 4096, help: `optimisation steps (default ${DETECTOR_DEFAULTS.steps}; lucid uses 512)` },
      seed: { kind: 'int', arg: 'S', help: `seed of the initial image and the transforms (default ${DETECTOR_DEFAULTS.seed})` },
      out: { kind: 'text', arg: 'FILE.png', help: 'write the image here (PNG, scaled up 4x)' },
    },
    examples: ['ticketscope analyze visualize r1a2b3c4d5:0:trained --layer conv4 --unit 7 --out unit7.png'],
  },
  {
    name: 'analyze instability',
    usage: ['analyze instability RUN:ROUND [--points N] [--iterations N] [--seed S]'],
    summary: 'instability of an IMP round: the error barrier between two copies trained from its rewind point',
    description:
      'Trains two copies of the round\'s network from its rewind point under its mask (the round\'s init state) with different data orders, then measures test error along the straight line between them (Frankle et al. 2020). barrier = max error on the line minus the mean of the endpoints\' (stable below 0.02). Cached.',
    options: {
      points: { kind: 'int', arg: 'N', min: 2, max: 101, help: `points on the line, alpha = 0 .. 1 (default ${DETECTOR_DEFAULTS.points})` },
      iterations: { kind: 'int', arg: 'N', min: 1, help: "steps each copy trains (default: the experiment's, less its rewind iteration)" },
      seed: { kind: 'int', arg: 'S', help: `picks the copies' data-order seeds (default ${DETECTOR_DEFAULTS.seed})` },
    },
    examples: ['ticketscope analyze instability r1a2b3c4d5:3 --json'],
  },
];

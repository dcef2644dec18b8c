// The command line's vocabulary, as data: every command and subcommand with its options (and how their values are
// checked), usage lines, a description and an example. args.ts parses against it (node:util parseArgs), help.ts
// prints it, so an option cannot be accepted without being documented or documented without being accepted.
import { BACKENDS } from '../../shared/contract';
import { ANALYSIS_DEFAULTS, MULTIGRAPH_TARGETS, MULTIGRAPH_VARIANTS } from '../../shared/analysis';
import { CAUSAL_ANALYZE } from './analyze-causal-spec';
import { BENCH_OPTIONS } from './bench-options';
import { REPORT_SPEC } from './report-spec';
import { DETECTOR_SPECS } from './spec-detector';
import { CONFIG_SOURCE_OPTIONS, MERGE_SPEC, SHARD_OPTION, SWEEP_SPEC } from './sweep-spec';

export interface OptionSpec {
  /** flag: no value; text: any string; int: a whole number ≥ 0; number: any finite number. */
  kind: 'flag' | 'text' | 'int' | 'number';
  /** The value's placeholder in help: FILE, N, NAME. */
  arg?: string;
  /** May be given more than once (the values are collected in order). */
  multiple?: boolean;
  short?: string;
  choices?: readonly string[];
  /** A comma-separated list of these. */
  items?: readonly string[];
  min?: number;
  max?: number;
  help: string;
}

export type OptionTable = Record<string, OptionSpec>;

export interface CommandSpec {
  /** `run`, or `analyze selectivity` for a subcommand. */
  name: string;
  /** Synopsis lines, each after `ticketscope `. */
  usage: string[];
  /** One line for the list of commands. */
  summary: string;
  /** What it does, in a few lines (help only). */
  description: string;
  options: OptionTable;
  examples: string[];
  /** Subcommands (analyze kinds, data actions); the first positional names one. */
  subcommands?: CommandSpec[];
}

export const GLOBAL_OPTIONS: OptionTable = {
  db: { kind: 'text', arg: 'FILE', help: 'the database (default: TICKETSCOPE_DB or ticketscope.db in the app data folder)' },
  'data-dir': { kind: 'text', arg: 'DIR', help: 'data sets (default: TICKETSCOPE_DATA_DIR or data/ in the app data folder)' },
  backend: { kind: 'text', arg: 'NAME', choices: BACKENDS, help: `${BACKENDS.join('|')} (default auto: the first that works)` },
  json: { kind: 'flag', help: 'one JSON object on stdout; progress on stderr' },
  help: { kind: 'flag', short: 'h', help: 'help for a command: ticketscope COMMAND --help' },
  version: { kind: 'flag', short: 'V', help: 'the version' },
};

const state = 'STATE is RUN[:ROUND][:WHICH], WHICH one of trained (default), init, mask, ticket-at-init, dense-init (the round-0 init unmasked); ROUND defaults to the last.';
const classOption: OptionSpec = {
  kind: 'text',
  arg: 'NAME|N',
  help: 'the class, by name or index (default dog where the data set has one; required elsewhere)',
};
const splitOption: OptionSpec = { kind: 'text', arg: 'SPLIT', choices: ['test', 'validation'], help: `images from this split (default ${ANALYSIS_DEFAULTS.split})` };

const ANALYZE: CommandSpec[] = [
  {
    name: 'analyze overlap',
    usage: ['analyze overlap A B', 'analyze overlap S1 S2 S3...', 'analyze overlap --rounds RUN', 'analyze overlap --seeds EXPERIMENT [--round N]'],
    summary: 'mask overlap of two states per layer against chance, or a Jaccard matrix',
    description:
      'Two states: per-layer and overall Jaccard, chance level and ratio, overlap coefficient and sign agreement.\n' +
      'Three or more (or every round of a run, or every seed of an experiment): the matrix of overall Jaccard.\n' +
      state,
    options: {
      rounds: { kind: 'text', arg: 'RUN', help: 'every round\'s mask of the run' },
      seeds: { kind: 'text', arg: 'EXPERIMENT', help: 'the masks of every seed of the experiment (its last round)' },
      round: { kind: 'int', arg: 'N', help: 'with --seeds: this round instead of the last' },
    },
    examples: ['ticketscope analyze overlap r1a2b3c4d5:3:mask r1a2b3c4d5:6:mask', 'ticketscope analyze overlap --rounds r1a2b3c4d5'],
  },
  {
    name: 'analyze selectivity',
    usage: ['analyze selectivity STATE... [--class NAME|N] [--permutations N] [--threshold T] [--split SPLIT] [--limit N] [--no-probe] [--seed S]'],
    summary: 'AUROC of every unit for a class, permutation null, linear probe per layer',
    description:
      'For each state (at most 6): every unit\'s AUROC for the class against the rest (mean and max pooled for conv\n' +
      'channels), the best unit against the permutation null of the layer\'s best, detectors above the threshold, and a\n' +
      'linear probe per layer (balanced accuracy: chance is 0.5).\n' +
      state,
    options: {
      class: classOption,
      permutations: { kind: 'int', arg: 'N', max: 1000, help: `label permutations of the null (default ${ANALYSIS_DEFAULTS.permutations})` },
      threshold: { kind: 'number', arg: 'T', min: 0.5, max: 1, help: `AUROC that counts as a detector (default ${ANALYSIS_DEFAULTS.threshold})` },
      split: splitOption,
      limit: { kind: 'int', arg: 'N', min: 10, help: 'only the first N images of the split' },
      'no-probe': { kind: 'flag', help: 'skip the linear probes' },
      seed: { kind: 'int', arg: 'S', help: `seed of the permutations and the probe's split (default ${ANALYSIS_DEFAULTS.seed})` },
    },
    examples: ['ticketscope analyze selectivity r1a2b3c4d5:0:init r1a2b3c4d5:3 --class dog --limit 2000'],
  },
  {
    name: 'analyze activations',
    usage: ['analyze activations STATE... --layer L --unit U [--class NAME|N] [--images N] [--top N] [--split SPLIT] [--gradcam-layer L]'],
    summary: 'a unit\'s activation maps on class images, its top images and Grad-CAM',
    description: `One unit's activation maps on images of the class, the images that excite it most, and Grad-CAM, per state.\n${state}`,
    options: {
      layer: { kind: 'text', arg: 'L', help: 'the layer (conv1, conv2, ..., fc1, ...)' },
      unit: { kind: 'int', arg: 'U', help: 'the unit (channel of a conv layer)' },
      class: classOption,
      images: { kind: 'int', arg: 'N', min: 1, max: 64, help: `class images shown (default ${ANALYSIS_DEFAULTS.images})` },
      top: { kind: 'int', arg: 'N', min: 1, max: 64, help: `top-activating images (default ${ANALYSIS_DEFAULTS.top})` },
      split: splitOption,
      'gradcam-layer': { kind: 'text', arg: 'L', help: 'the conv layer Grad-CAM reads (default the last)' },
    },
    examples: ['ticketscope analyze activations r1a2b3c4d5:3 --layer conv2 --unit 17 --class cat'],
  },
  {
    name: 'analyze subcircuit',
    usage: ['analyze subcircuit STATE [--compare STATE] [--class NAME|N] [--units N] [--edges N] [--images N] [--split SPLIT]'],
    summary: 'the class subcircuit of a state (activation x gradient attribution)',
    description: `The units and edges that carry the class's logit in one state, and with --compare what two states share against chance.\n${state}`,
    options: {
      compare: { kind: 'text', arg: 'STATE', help: 'a second state to compare with' },
      class: classOption,
      units: { kind: 'int', arg: 'N', min: 1, max: 512, help: `top units kept per layer (default ${ANALYSIS_DEFAULTS.units})` },
      edges: { kind: 'int', arg: 'N', min: 1, max: 50_000, help: `edges kept in all (default ${ANALYSIS_DEFAULTS.edges})` },
      images: { kind: 'int', arg: 'N', min: 1, max: 10_000, help: `class images the attribution averages over (default ${ANALYSIS_DEFAULTS.subcircuitImages})` },
      split: splitOption,
    },
    examples: ['ticketscope analyze subcircuit r1a2b3c4d5:3 --compare r1a2b3c4d5:0:ticket-at-init --class dog'],
  },
  {
    name: 'analyze multigraph',
    usage: ['analyze multigraph [--target xor|random] [--variant base2|random] [--k-max N] [--k K] [--seed S]'],
    summary: 'subset-sum masks over K parallel edges against a target network',
    description: 'The multigraph intuition pump: how well masks over K parallel random edges per weight approximate a target net.',
    options: {
      target: { kind: 'text', arg: 'NAME', choices: MULTIGRAPH_TARGETS, help: 'the target network (default xor)' },
      variant: { kind: 'text', arg: 'NAME', choices: MULTIGRAPH_VARIANTS, help: 'the candidate edges (default base2)' },
      'k-max': { kind: 'int', arg: 'N', min: 1, max: 20, help: `largest K (default ${ANALYSIS_DEFAULTS.kMax})` },
      k: { kind: 'int', arg: 'K', min: 1, max: 20, help: 'the K whose network is returned (default k-max)' },
      seed: { kind: 'int', arg: 'S', help: `seed (default ${ANALYSIS_DEFAULTS.seed})` },
    },
    examples: ['ticketscope analyze multigraph --k-max 8'],
  },
  ...CAUSAL_ANALYZE,
  ...DETECTOR_SPECS,
];

const DATA: CommandSpec[] = [
  {
    name: 'data list',
    usage: ['data list'],
    summary: 'the data sets: real or synthetic, present, counts, classes',
    description: 'Every data set Ticketscope knows, whether it is in the data folder (--data-dir), its counts and classes.',
    options: {},
    examples: ['ticketscope data list --data-dir ~/datasets'],
  },
  {
    name: 'data fetch',
    usage: ['data fetch NAME'],
    summary: 'download mnist, fashion-mnist or cifar10 into the data folder',
    description: 'Downloads the published files, checks their published checksums and stores them in the data folder.\nTICKETSCOPE_DATA_MIRROR replaces the download locations (checksums are still checked).',
    options: {},
    examples: ['ticketscope data fetch fashion-mnist'],
  },
  {
    name: 'data import',
    usage: ['data import NAME PATH'],
    summary: 'copy a local copy in (an IDX folder; CIFAR-10 .tar.gz or folder)',
    description: 'Validates a local copy (IDX files for mnist and fashion-mnist; the binary CIFAR-10 archive or its folder) and stores it.',
    options: {},
    examples: ['ticketscope data import fashion-mnist /usr/share/datasets/fashion-mnist'],
  },
];

export const COMMAND_SPECS: CommandSpec[] = [
  {
    name: 'run',
    usage: ['run CONFIG.json [--set PATH=VALUE ...] [--shard I/N]', 'run --preset NAME [--set PATH=VALUE ...] [--shard I/N]'],
    summary: 'train and store an experiment',
    description:
      'Trains every run of an experiment (each seed\'s method run and its controls) and stores each round as it finishes.\n' +
      'Without --json, stdout has a line per finished round and a table at the end; progress goes to stderr.\n' +
      'Ctrl+C cancels the runs (resume them with `ticketscope resume RUN`).',
    options: {
      ...CONFIG_SOURCE_OPTIONS,
      shard: SHARD_OPTION,
    },
    examples: ['ticketscope run --preset quick-imp', 'ticketscope run --preset lenet-mnist-imp --set iterations=5000 --set seeds=[0,1,2]'],
  },
  {
    name: 'presets',
    usage: ['presets'],
    summary: 'the presets, one line each, with an estimate of their time here',
    description:
      'Every preset with what it trains, its runs and rounds, an estimate of its training time on this machine\'s\n' +
      'backend (from benchmarked samples/s; an estimate, not a promise) and the data set it needs if that is missing.',
    options: {},
    examples: ['ticketscope presets', 'ticketscope presets --backend wasm --json'],
  },
  {
    name: 'list',
    usage: ['list'],
    summary: 'list stored runs',
    description: 'Every run in the database, newest first.',
    options: {},
    examples: ['ticketscope list --db ~/experiments.db'],
  },
  {
    name: 'show',
    usage: ['show RUN'],
    summary: 'show one run with its rounds',
    description: 'One run: its status, config, backend and every committed round.',
    options: {},
    examples: ['ticketscope show r1a2b3c4d5'],
  },
  {
    name: 'resume',
    usage: ['resume RUN'],
    summary: 'continue an interrupted run (and its controls)',
    description: 'Continues an interrupted, failed or cancelled run and its controls from their last committed rounds.',
    options: {},
    examples: ['ticketscope resume r1a2b3c4d5'],
  },
  {
    name: 'export',
    usage: ['export STATE --out FILE [--format safetensors|npz] [--masks-only]'],
    summary: 'write a snapshot PyTorch can load',
    description: `Writes a stored state as a snapshot in PyTorch layout (docs/pytorch.md): masks, weights, initial weights, biases.\n${state}`,
    options: {
      out: { kind: 'text', arg: 'FILE', help: 'the file to write, ending in .safetensors or .npz' },
      format: { kind: 'text', arg: 'FORMAT', choices: ['safetensors', 'npz'], help: 'the format (default: from the extension)' },
      'masks-only': { kind: 'flag', help: 'masks only, no weights' },
    },
    examples: ['ticketscope export r1a2b3c4d5:3:mask --out ticket.safetensors'],
  },
  {
    name: 'import',
    usage: ['import FILE'],
    summary: 'store a snapshot (.safetensors or .npz) as a run',
    description: 'Validates a snapshot file completely and stores it as a new run of kind "imported"; a malformed file changes nothing.',
    options: {},
    examples: ['ticketscope import ticket.safetensors'],
  },
  {
    name: 'analyze',
    usage: ['analyze overlap|selectivity|activations|subcircuit|multigraph|ablate|faithfulness|circuit|visualize|instability ...'],
    summary: 'analyses of stored states (overlap, selectivity, activations, subcircuit, multigraph, ablate, faithfulness, circuit, visualize, instability)',
    description: 'The analyses the app shows, on stored states; cached in the database. `ticketscope analyze KIND --help` for each.',
    options: {},
    examples: ['ticketscope analyze selectivity --help'],
    subcommands: ANALYZE,
  },
  REPORT_SPEC,
  {
    name: 'data',
    usage: ['data list', 'data fetch NAME', 'data import NAME PATH'],
    summary: 'the data sets: list, download, import a local copy',
    description: 'The data folder (--data-dir, TICKETSCOPE_DATA_DIR or the app data folder).',
    options: {},
    examples: ['ticketscope data list'],
    subcommands: DATA,
  },
  {
    name: 'serve',
    usage: ['serve [--host 127.0.0.1] [--port N] [--allow-host NAME ...] [--token T | --no-token]'],
    summary: 'serve the app to a browser; first line: the URL with its token',
    description:
      'Serves the app over HTTP and the contract over WebSocket. The first stdout line is the URL with its token (a new\n' +
      'random one unless --token). Stop with Ctrl+C.',
    options: {
      host: { kind: 'text', arg: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
      port: { kind: 'int', arg: 'N', max: 65535, help: 'port (default 0: any free port)' },
      'allow-host': { kind: 'text', arg: 'NAME', multiple: true, help: 'another host name the server answers to; repeatable' },
      token: { kind: 'text', arg: 'T', help: 'use this token (at least 16 characters)' },
      'no-token': { kind: 'flag', help: 'no token (loopback --host only)' },
    },
    examples: ['ticketscope serve --port 8080'],
  },
  {
    name: 'bench',
    usage: ['bench [--nets LIST] [--backends LIST] [--seconds N] [--infer-batch N] [--parallel N] [--profile] [--cpu-conv] [--no-reference]'],
    summary: 'training and inference throughput per network and backend (source checkout)',
    description: 'Training and inference samples/s per network and backend, with the ratio to PyTorch on the CPU when python3 has\ntorch (bench/run.mjs; needs the source checkout).',
    options: BENCH_OPTIONS,
    examples: ['ticketscope bench --nets lenet-300-100,conv-2 --backends wasm --seconds 4'],
  },
  SWEEP_SPEC,
  MERGE_SPEC,
  {
    name: 'help',
    usage: ['help [COMMAND [SUBCOMMAND]]'],
    summary: 'this help, or a command\'s',
    description: 'The list of commands, or one command\'s options and an example.',
    options: {},
    examples: ['ticketscope help analyze selectivity'],
  },
];

export type CommandName = 'run' | 'presets' | 'list' | 'show' | 'resume' | 'export' | 'import' | 'analyze' | 'report' | 'data' | 'serve' | 'bench' | 'sweep' | 'merge' | 'help';
export const COMMANDS = COMMAND_SPECS.map((c) => c.name) as CommandName[];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMAND_SPECS.find((c) => c.name === name);
}

export function subcommandSpec(command: CommandSpec, sub: string): CommandSpec | undefined {
  return command.subcommands?.find((s) => s.name === `${command.name} ${sub}`);
}

export const subcommandNames = (command: CommandSpec): string[] => (command.subcommands ?? []).map((s) => s.name.split(' ')[1]!);

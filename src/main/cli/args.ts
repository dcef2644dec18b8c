// Argument parsing for `ticketscope`: global options on every command, exit code 2 for bad usage.
import { BACKENDS, type BackendChoice } from '../../shared/contract';
import { ANALYZE_USAGE } from './analyze-usage';
import { SWEEP_USAGE, SWEEP_VALUE_OPTIONS } from './sweep-usage';
import { ValidationError } from '../../shared/errors';

export const COMMANDS = ['run', 'list', 'show', 'resume', 'serve', 'data', 'export', 'import', 'analyze', 'bench', 'sweep', 'merge'] as const;
export type Command = (typeof COMMANDS)[number];

export interface GlobalOptions {
  db?: string;
  dataDir?: string;
  backend: BackendChoice;
  json: boolean;
}

export interface ParsedArgs {
  command: Command | 'help' | 'version';
  global: GlobalOptions;
  positional: string[];
  /** Options of the command, repeatable ones as arrays. */
  options: Map<string, string[]>;
}

const GLOBAL_VALUE = new Set(['--db', '--data-dir', '--backend']);
const COMMAND_VALUE: Record<Command, string[]> = {
  run: ['--preset', '--set', '--shard'],
  sweep: SWEEP_VALUE_OPTIONS,
  merge: ['--into'],
  list: [],
  show: [],
  serve: ['--host', '--port', '--token', '--allow-host'],
  data: [],
  resume: [],
  export: ['--out', '--format'],
  import: [],
  bench: [],
  analyze: [
    '--rounds', '--seeds', '--round', '--class', '--permutations', '--threshold', '--split', '--limit', '--seed', '--layer', '--unit',
    '--images', '--top', '--gradcam-layer', '--compare', '--units', '--edges', '--target', '--variant', '--k-max', '--k',
  ],
};
/** Flags without a value, per command. */
const COMMAND_FLAG: Partial<Record<Command, string[]>> = { export: ['--masks-only'], analyze: ['--no-probe'], serve: ['--no-token'] };

export const USAGE = `Usage: ticketscope <command> [options]

Commands:
  run CONFIG.json | --preset NAME [--set path=value ...] [--shard I/N]
                                                          train and store an experiment (or shard I of N
                                                          of its seed groups, continued if the database
                                                          already holds them)
  list                                                    list stored runs
  show RUN                                                show one run with its rounds
  resume RUN                                              continue an interrupted run (and its controls)
  export RUN[:ROUND][:WHICH] --out FILE [--format safetensors|npz] [--masks-only]
                                                          write a mask snapshot PyTorch can load; WHICH is
                                                          trained (default), init, mask or ticket-at-init
  import FILE                                             store a snapshot (.safetensors or .npz) as a run
${ANALYZE_USAGE}
${SWEEP_USAGE}
  bench [--nets LIST] [--backends LIST] [--seconds N] [--no-reference]
                                                          training and inference throughput per network and
                                                          backend, with the PyTorch CPU ratio (source checkout)
  serve [--host 127.0.0.1] [--port N] [--allow-host NAME ...] [--token T | --no-token]
                                                          serve the app to a browser; first line: the URL
                                                          with its token (a new random one unless --token)
  data list                                               the data sets: real or synthetic, present, counts, classes
  data fetch NAME                                         download mnist, fashion-mnist or cifar10 into the data folder
  data import NAME PATH                                   copy a local copy in (IDX folder; CIFAR .tar.gz or folder)

Global options:
  --db FILE          database (default: the app data folder)
  --data-dir DIR     data sets (default: TICKETSCOPE_DATA_DIR or the app data folder)
  --backend NAME     ${BACKENDS.join('|')} (default auto)
  --json             one JSON object on stdout; progress on stderr
  --help, --version`;

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const global: GlobalOptions = { backend: 'auto', json: false };
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  let command: ParsedArgs['command'] | undefined;
  const rest = [...argv];
  const takeValue = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const v = rest.shift();
    if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new ValidationError(`${flag} needs a value`);
    return v;
  };
  while (rest.length) {
    const arg = rest.shift()!;
    if (command === 'bench' && !GLOBAL_VALUE.has(arg.split('=')[0]!) && arg !== '--json') {
      // The benchmark's own options pass through untouched (see bench/bench.ts).
      positional.push(arg);
      continue;
    }
    if (arg === '--help' || arg === '-h') return { command: 'help', global, positional, options };
    if (arg === '--version' || arg === '-V') return { command: 'version', global, positional, options };
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
      if (flag === '--json') {
        global.json = true;
      } else if (GLOBAL_VALUE.has(flag)) {
        const v = takeValue(flag, inline);
        if (flag === '--db') global.db = v;
        else if (flag === '--data-dir') global.dataDir = v;
        else if ((BACKENDS as readonly string[]).includes(v)) global.backend = v as BackendChoice;
        else throw new ValidationError(`--backend ${v}: expected one of ${BACKENDS.join(', ')}`);
      } else if (command && command !== 'help' && command !== 'version' && COMMAND_FLAG[command]?.includes(flag)) {
        if (inline !== undefined) throw new ValidationError(`${flag} takes no value`);
        options.set(flag, ['true']);
      } else if (command && command !== 'help' && command !== 'version' && COMMAND_VALUE[command].includes(flag)) {
        const list = options.get(flag) ?? [];
        list.push(takeValue(flag, inline));
        options.set(flag, list);
      } else {
        throw new ValidationError(`unknown option ${flag}${command ? ` for ${command}` : ''}; see ticketscope --help`);
      }
    } else if (!command) {
      if (!(COMMANDS as readonly string[]).includes(arg)) {
        throw new ValidationError(`unknown command "${arg}"; commands: ${COMMANDS.join(', ')}`);
      }
      command = arg as Command;
    } else {
      positional.push(arg);
    }
  }
  if (!command) return { command: 'help', global, positional, options };
  return { command, global, positional, options };
}

export function single(options: Map<string, string[]>, flag: string): string | undefined {
  const v = options.get(flag);
  if (v && v.length > 1) throw new ValidationError(`${flag} given more than once`);
  return v?.[0];
}

// Argument parsing for `ticketscope`: node:util's parseArgs splits the words into options and positionals against the
// tables of spec.ts; this file checks them (unknown option, missing value, bad number, a choice not offered, an
// option given twice) and throws a one-line ValidationError (exit code 2) for any bad usage.
import { parseArgs as splitArgs } from 'node:util';
import type { BackendChoice } from '../../shared/contract';
import { ValidationError } from '../../shared/errors';
import { COMMAND_SPECS, COMMANDS, GLOBAL_OPTIONS, commandSpec, subcommandNames, subcommandSpec, type CommandName, type OptionSpec, type OptionTable } from './spec';

export interface GlobalOptions {
  db?: string;
  dataDir?: string;
  backend: BackendChoice;
  json: boolean;
}

export type OptionValue = string | number | boolean | (string | number)[];

export interface ParsedArgs {
  command: Exclude<CommandName, 'help'> | 'help' | 'version';
  /** The subcommand (analyze kind, data action) when the command has them and one was given. */
  sub?: string;
  /** For `help`: the command (and subcommand) asked about; empty for the overview. */
  topic: string[];
  global: GlobalOptions;
  /** Positional arguments after the command and subcommand. */
  positional: string[];
  /** The command's options, checked and converted (numbers as numbers, repeatable ones as arrays). */
  values: Map<string, OptionValue>;
}

/** The value of an option of `table`, checked and converted; `flag` is how it was written (for messages). */
function convert(flag: string, spec: OptionSpec, raw: string): string | number {
  if (spec.choices && !spec.choices.includes(raw)) throw new ValidationError(`${flag} ${raw}: expected one of ${spec.choices.join(', ')}`);
  if (spec.items) {
    const bad = raw.split(',').find((x) => !spec.items!.includes(x));
    if (bad !== undefined) throw new ValidationError(`${flag} ${raw}: "${bad}" is not one of ${spec.items.join(', ')}`);
  }
  if (spec.kind === 'text') return raw;
  const int = spec.kind === 'int';
  const { min, max } = spec;
  const expected =
    max !== undefined ? `${min ?? 0}..${max}` : min !== undefined ? `a ${int ? 'whole ' : ''}number ≥ ${min}` : int ? 'a whole number' : 'a number';
  const n = Number(raw);
  if (int ? !/^\d+$/.test(raw) : raw.trim() === '' || !Number.isFinite(n)) throw new ValidationError(`${flag} ${raw}: expected ${expected}`);
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) throw new ValidationError(`${flag} ${raw}: expected ${expected}`);
  return n;
}

/** parseArgs' tokens for `argv`, every option of `table` known with its type; unknown ones come back as flags. */
function tokensOf(argv: readonly string[], table: OptionTable) {
  const options = Object.fromEntries(
    Object.entries(table).map(([name, o]) => [name, { type: o.kind === 'flag' ? ('boolean' as const) : ('string' as const), ...(o.short ? { short: o.short } : {}) }]),
  );
  return splitArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true }).tokens;
}

/** A word that is an option rather than a value: `--x`, `-x` (but not `-`, `-1` or `-0.5`). */
const optionLike = (v: string) => /^--?[A-Za-z]/.test(v);

export interface Split {
  positional: string[];
  /** Options as given, by name: [how it was written, its value or null for a flag]. */
  options: Map<string, { flag: string; values: (string | null)[] }>;
}

/** Splits argv into positionals and options of `table`; unknown options, missing values and values on flags throw. */
export function splitOptions(argv: readonly string[], table: OptionTable, where: string): Split {
  const out: Split = { positional: [], options: new Map() };
  for (const t of tokensOf(argv, table)) {
    if (t.kind === 'positional') out.positional.push(t.value);
    if (t.kind !== 'option') continue;
    const spec = table[t.name];
    if (!spec) throw new ValidationError(`unknown option ${t.rawName}${where ? ` for ${where}` : ''}; see ticketscope ${where ? `${where} ` : ''}--help`);
    let value: string | null = null;
    if (spec.kind === 'flag') {
      if (t.value !== undefined) throw new ValidationError(`--${t.name} takes no value`);
    } else {
      if (t.value === undefined || (!t.inlineValue && optionLike(t.value))) throw new ValidationError(`--${t.name} needs a value`);
      value = t.value;
    }
    const seen = out.options.get(t.name) ?? { flag: `--${t.name}`, values: [] };
    seen.values.push(value);
    out.options.set(t.name, seen);
  }
  return out;
}

/** Checks and converts the options of `table` in a split (the others are ignored). */
export function optionValues(split: Split, table: OptionTable): Map<string, OptionValue> {
  const values = new Map<string, OptionValue>();
  for (const [name, spec] of Object.entries(table)) {
    const given = split.options.get(name);
    if (!given) continue;
    if (!spec.multiple && given.values.length > 1) throw new ValidationError(`${given.flag} given more than once`);
    if (spec.kind === 'flag') values.set(name, true);
    else {
      const converted = given.values.map((v) => convert(given.flag, spec, v!));
      values.set(name, spec.multiple ? converted : converted[0]!);
    }
  }
  return values;
}

/** Every option of every command and subcommand, to find the command word (which values follow which options). */
function everyOption(): OptionTable {
  const all: OptionTable = { ...GLOBAL_OPTIONS };
  const add = (t: OptionTable) => Object.assign(all, t);
  for (const c of COMMAND_SPECS) {
    add(c.options);
    for (const s of c.subcommands ?? []) add(s.options);
  }
  return all;
}

function globalsOf(values: Map<string, OptionValue>): GlobalOptions {
  const g: GlobalOptions = { backend: (values.get('backend') as BackendChoice | undefined) ?? 'auto', json: values.get('json') === true };
  if (values.has('db')) g.db = values.get('db') as string;
  if (values.has('data-dir')) g.dataDir = values.get('data-dir') as string;
  return g;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  // The command is the first positional word; options before it may be any command's (global ones, usually).
  const first = tokensOf(argv, everyOption()).find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  const at = first?.kind === 'positional' ? first.index : -1;
  const word = at >= 0 ? argv[at]! : undefined;
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 1)] : [...argv];
  const command = word === undefined ? undefined : commandSpec(word);
  // Tokenise with every option the command or its subcommands know; check against the chosen one's below.
  const known: OptionTable = { ...GLOBAL_OPTIONS, ...command?.options };
  for (const s of command?.subcommands ?? []) Object.assign(known, s.options);
  const tokens = tokensOf(rest, known);
  const words = tokens.flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  const asked = (name: string) => tokens.some((t) => t.kind === 'option' && t.name === name);
  const base = { topic: [] as string[], positional: [] as string[], values: new Map<string, OptionValue>(), global: globalsOf(new Map()) };

  // --help anywhere wins over everything else on the line, mistakes included.
  if (asked('help')) {
    const topic = word === undefined ? [] : word === 'help' ? (words.length ? words.slice(0, 2) : ['help']) : [word, ...words.slice(0, 1)];
    return { ...base, command: 'help', topic };
  }
  if (asked('version')) return { ...base, command: 'version' };
  if (word !== undefined && !command) throw new ValidationError(`unknown command "${word}"; commands: ${COMMANDS.join(', ')} (ticketscope --help)`);
  if (command === undefined || command.name === 'help') {
    const split = splitOptions(rest, GLOBAL_OPTIONS, '');
    return { ...base, command: 'help', topic: split.positional.slice(0, 2) };
  }
  const subName = command.subcommands ? words[0] : undefined;
  const sub = subName !== undefined ? subcommandSpec(command, subName) : undefined;
  if (subName !== undefined && !sub) {
    throw new ValidationError(`${command.name} ${subName}: expected one of ${subcommandNames(command).join(', ')} (ticketscope ${command.name} --help)`);
  }
  const own = sub ?? command;
  const table = { ...GLOBAL_OPTIONS, ...own.options };
  // Options of a sibling subcommand are tokenised with the command's; for this one they are unknown.
  const split = splitOptions(rest, table, own.name);
  const values = optionValues(split, table);
  const global = globalsOf(values);
  for (const g of Object.keys(GLOBAL_OPTIONS)) values.delete(g);
  return {
    command: command.name as ParsedArgs['command'],
    ...(sub ? { sub: subName } : {}),
    topic: [],
    global,
    positional: split.positional.slice(sub ? 1 : 0),
    values,
  };
}

// Typed reads of a command's options (checked and converted by parseArgs).
export const text = (a: ParsedArgs, name: string): string | undefined => a.values.get(name) as string | undefined;
export const int = (a: ParsedArgs, name: string): number | undefined => a.values.get(name) as number | undefined;
/** A number option (kind `number`); the same read as `int`, named for what the table says. */
export const num = int;
export const flag = (a: ParsedArgs, name: string): boolean => a.values.get(name) === true;
export const list = (a: ParsedArgs, name: string): string[] => (a.values.get(name) as string[] | undefined) ?? [];

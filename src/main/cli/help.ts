// `ticketscope --help`, `ticketscope help COMMAND [SUB]` and `ticketscope COMMAND [SUB] --help`, printed from the
// command tables of spec.ts.
import { ValidationError } from '../../shared/errors';
import { COMMAND_SPECS, COMMANDS, GLOBAL_OPTIONS, commandSpec, subcommandNames, subcommandSpec, type CommandSpec, type OptionTable } from './spec';

function optionLines(table: OptionTable): string[] {
  const rows = Object.entries(table).map(([name, o]) => [`${o.short ? `-${o.short}, ` : ''}--${name}${o.arg ? ` ${o.arg}` : ''}`, o.help + (o.choices && !o.help.includes(o.choices.join('|')) ? `; one of ${o.choices.join(', ')}` : '')]);
  const width = Math.max(0, ...rows.map(([left]) => left!.length));
  return rows.map(([left, right]) => `  ${left!.padEnd(width)}  ${right}`);
}

function overview(): string {
  const rows = COMMAND_SPECS.flatMap((c) => (c.subcommands ?? [c]).map((s) => [s.name, s.summary]));
  const width = Math.max(...rows.map(([l]) => l!.length));
  return [
    'Usage: ticketscope COMMAND [options]',
    '',
    'Train and prune neural networks and look inside them: lottery tickets, supermasks, pruning at initialisation.',
    '',
    'Commands:',
    ...rows.map(([l, r]) => `  ${l!.padEnd(width)}  ${r}`),
    '',
    'Global options (every command):',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    '`ticketscope COMMAND --help` shows a command\'s options and an example.',
    'Exit status: 0 done, 1 a runtime failure, 2 bad usage or invalid input (one line on stderr).',
  ].join('\n');
}

function commandHelp(c: CommandSpec): string {
  const lines = c.usage.map((u, i) => `${i === 0 ? 'Usage: ' : '       '}ticketscope ${u}`);
  lines.push('', c.description);
  if (Object.keys(c.options).length) lines.push('', 'Options:', ...optionLines(c.options));
  if (c.subcommands) {
    const width = Math.max(...c.subcommands.map((s) => s.name.length));
    lines.push('', 'Subcommands (each has --help):', ...c.subcommands.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`));
  }
  const globals = Object.entries(GLOBAL_OPTIONS).filter(([n]) => n !== 'help' && n !== 'version').map(([n, o]) => `--${n}${o.arg ? ` ${o.arg}` : ''}`);
  lines.push('', `Global options: ${globals.join(', ')} (see ticketscope --help)`);
  lines.push('', c.examples.length > 1 ? 'Examples:' : 'Example:', ...c.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** The help for `topic` ([] for the overview, [command] or [command, sub]); an unknown topic is bad usage. */
export function helpText(topic: readonly string[]): string {
  const [name, sub] = topic;
  if (name === undefined) return overview();
  const c = commandSpec(name);
  if (!c) throw new ValidationError(`help ${name}: no such command; commands: ${COMMANDS.join(', ')}`);
  if (sub === undefined || !c.subcommands) return commandHelp(c);
  const s = subcommandSpec(c, sub);
  if (!s) throw new ValidationError(`help ${name} ${sub}: expected one of ${subcommandNames(c).join(', ')}`);
  return commandHelp(s);
}

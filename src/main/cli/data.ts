// `ticketscope data list | fetch NAME | import NAME PATH`: the data folder (--data-dir, TICKETSCOPE_DATA_DIR or the
// app data folder). Progress with an ETA goes to stderr; --json prints one object on stdout. Bad input (unknown
// name, missing or corrupt file) exits 2; a failed download exits 1.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ValidationError } from '../../shared/errors';
import { defaultDataDir } from '../core/paths';
import { fetchDataset, formatBytes, importDataset, listDatasets, removeOwnTemp, type DataProgress, type DatasetManifest } from '../core/datasets';
import type { ParsedArgs } from './args';
import { formatEta, table } from './format';

/** Base URL that replaces the published download locations (a local mirror); checksums are still checked. */
export const MIRROR_ENV = 'TICKETSCOPE_DATA_MIRROR';

/** Progress lines on stderr: rewritten in place on a terminal, at most every 2 s (and at the end of a file) otherwise. */
export class DataProgressPrinter {
  private last = 0;
  private lastLen = 0;
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly prefix: string,
    private readonly intervalMs = 2000,
  ) {}

  line(p: DataProgress, width = 24): string {
    const frac = p.total ? Math.min(1, p.bytes / p.total) : null;
    const bar = frac === null ? '' : ` [${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${String(Math.floor(frac * 100)).padStart(3)}%`;
    const size = p.total ? `${formatBytes(p.bytes)}/${formatBytes(p.total)}` : formatBytes(p.bytes);
    return `${this.prefix}: ${p.stage} ${p.file}${bar} ${size} ETA ${formatEta(p.etaSeconds)}`;
  }

  update = (p: DataProgress): void => {
    const text = this.line(p);
    if (this.out.isTTY) {
      this.out.write(`\r${text.padEnd(this.lastLen)}${p.done ? '\n' : ''}`);
      this.lastLen = p.done ? 0 : text.length;
      return;
    }
    const t = Date.now();
    if (!p.done && t - this.last < this.intervalMs) return;
    this.last = t;
    this.out.write(`${text}\n`);
  };

  finish(): void {
    if (this.out.isTTY && this.lastLen) this.out.write('\n');
    this.lastLen = 0;
  }
}

/** The data folder; a path that exists but is not a folder is bad input (exit 2), not an empty data folder. */
function dataDirOf(args: ParsedArgs): string {
  const dir = resolve(args.global.dataDir ?? defaultDataDir());
  let isDir = true;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') isDir = false;
    else if (code !== 'ENOENT') throw new ValidationError(`data folder ${dir}: cannot read it (${code ?? 'error'})`);
  }
  if (!isDir) throw new ValidationError(`data folder ${dir} is not a folder (give --data-dir a folder, or set TICKETSCOPE_DATA_DIR to one)`);
  return dir;
}

function manifestSummary(m: DatasetManifest, path: string): Record<string, unknown> {
  return { name: m.name, path, counts: m.counts, classes: m.classes, files: m.files, source: m.source, importedAt: m.importedAt };
}

function cmdDataList(args: ParsedArgs): void {
  if (args.positional.length) throw new ValidationError(`data list takes no arguments (got ${args.positional[0]})`);
  const dataDir = dataDirOf(args);
  const sets = listDatasets(dataDir);
  if (args.global.json) {
    process.stdout.write(`${JSON.stringify({ dataDir, datasets: sets })}\n`);
    return;
  }
  const rows = sets.map((d) => [
    d.name,
    d.kind,
    d.kind === 'synthetic' ? 'generated' : d.present ? 'yes' : d.problem ? 'damaged' : 'no',
    d.counts ? String(d.counts.train) : '-',
    d.counts ? String(d.counts.test) : '-',
    d.classes.length <= 3 ? d.classes.join(',') : `${d.classes.slice(0, 3).join(',')},... (${d.classes.length})`,
    d.path ?? '(generated from a fixed seed)',
  ]);
  const head = ['NAME', 'KIND', 'PRESENT', 'TRAIN', 'TEST', 'CLASSES', 'PATH'];
  const lines = [table(head, rows)];
  for (const d of sets) if (d.problem && d.kind === 'real') lines.push(`${d.name}: ${d.problem}`);
  lines.push(`data folder: ${dataDir}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs a fetch or import; Ctrl+C removes its temporary folder before leaving (exit 130), so nothing is left. */
async function withCleanup<T>(dataDir: string, printer: DataProgressPrinter, work: () => Promise<T>): Promise<T> {
  const onSigint = () => {
    printer.finish();
    removeOwnTemp(dataDir);
    process.stderr.write('ticketscope: interrupted\n');
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onSigint);
    printer.finish();
  }
}

async function cmdDataFetch(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 1) throw new ValidationError('usage: ticketscope data fetch NAME (ticketscope data fetch --help)');
  const name = args.positional[0]!;
  const dataDir = dataDirOf(args);
  const printer = new DataProgressPrinter(process.stderr, `fetch ${name}`);
  const mirror = process.env[MIRROR_ENV];
  const manifest = await withCleanup(dataDir, printer, () => fetchDataset(name, dataDir, { onProgress: printer.update, mirrors: mirror ? [mirror] : undefined }));
  report(args, manifest, dataDir, 'fetched');
}

async function cmdDataImport(args: ParsedArgs): Promise<void> {
  if (args.positional.length !== 2) throw new ValidationError('usage: ticketscope data import NAME PATH (ticketscope data import --help)');
  const name = args.positional[0]!;
  const dataDir = dataDirOf(args);
  const printer = new DataProgressPrinter(process.stderr, `import ${name}`);
  const manifest = await withCleanup(dataDir, printer, () => importDataset(name, args.positional[1]!, dataDir, { onProgress: printer.update }));
  report(args, manifest, dataDir, 'imported');
}

function report(args: ParsedArgs, m: DatasetManifest, dataDir: string, verb: string): void {
  const path = resolve(dataDir, m.name);
  if (args.global.json) {
    process.stdout.write(`${JSON.stringify(manifestSummary(m, path))}\n`);
    return;
  }
  process.stdout.write(`${verb} ${m.name} into ${path}: ${m.counts.train} training and ${m.counts.test} test examples, ${m.classes.length} classes\n`);
}

export async function cmdData(args: ParsedArgs): Promise<void> {
  switch (args.sub) {
    case 'list':
      cmdDataList(args);
      return;
    case 'fetch':
      await cmdDataFetch(args);
      return;
    case 'import':
      await cmdDataImport(args);
      return;
    default:
      throw new ValidationError('data needs a subcommand: data list | data fetch NAME | data import NAME PATH (ticketscope data --help)');
  }
}

// `ticketscope sweep` (emit a Slurm job array or a Kubernetes Indexed Job over the shards of an experiment) and
// `ticketscope merge` (bring the shard databases home as one). See docs/cluster.md.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../shared/errors';
import { experimentId } from '../../shared/refs';
import { APP_VERSION } from '../core/version';
import { builtPaths } from '../core/paths';
import { loadPresets, resolveRunConfig } from '../core/presets';
import { planRuns } from '../core/planner';
import { checkShardCount, plannedRunIds, seedsOfShard } from '../core/shards';
import { mergeIntoFile } from '../core/merge';
import { writeFileAtomic, writeError } from '../atomic-file';
import { int, list, text, type ParsedArgs } from './args';
import { readConfigFile } from './run';
import { jobName, k8sConfigMap, k8sJob, runsPerShard, slurmScript, type JobOptions, type SweepPlan } from './sweep-jobs';

const SWEEP_FORMAT = 'ticketscope.sweep/1';

function textOption(args: ParsedArgs, name: string, pattern: RegExp, expected: string): string | undefined {
  const v = text(args, name);
  if (v !== undefined && !pattern.test(v)) throw new ValidationError(`--${name} ${v}: expected ${expected}`);
  return v;
}

/** The sweep folder goes into #SBATCH lines and shell words unquoted by Slurm: plain path characters only. */
const PLAIN_PATH = /^\/[A-Za-z0-9._/+@,=-]*$/;

export function cmdSweep(args: ParsedArgs): void {
  const preset = text(args, 'preset');
  if (preset !== undefined && args.positional.length) throw new ValidationError('give a CONFIG.json or --preset, not both');
  if (preset === undefined && args.positional.length !== 1) throw new ValidationError('sweep needs CONFIG.json or --preset NAME');
  if (args.global.db !== undefined) throw new ValidationError('sweep takes no --db: each task writes DIR/shard-I.sqlite');
  const emit = text(args, 'emit');
  if (emit !== 'slurm' && emit !== 'k8s') throw new ValidationError(`sweep needs --emit slurm or --emit k8s${emit ? ` (got ${emit})` : ''}`);
  const shards = int(args, 'shards');
  if (shards === undefined) throw new ValidationError('sweep needs --shards N');
  const out = text(args, 'out');
  if (!out) throw new ValidationError('sweep needs --out DIR');
  const dir = resolve(out);
  if (!PLAIN_PATH.test(dir)) throw new ValidationError(`--out ${out}: use a folder path of letters, digits and . _ / + @ , = - only (it goes into the job script unquoted)`);
  const slurmOnly = ['partition', 'time'].filter((f) => args.values.has(f));
  const k8sOnly = ['image', 'claim', 'namespace'].filter((f) => args.values.has(f));
  if (emit === 'k8s' && slurmOnly.length) throw new ValidationError(`--${slurmOnly[0]} is for --emit slurm`);
  if (emit === 'slurm' && k8sOnly.length) throw new ValidationError(`--${k8sOnly[0]} is for --emit k8s`);

  const params = preset !== undefined ? { preset, overrides: list(args, 'set') } : { config: readConfigFile(args.positional[0]!), overrides: list(args, 'set') };
  const config = resolveRunConfig(loadPresets(builtPaths().presets), params);
  checkShardCount(config.seeds, shards);
  const expId = experimentId(config);
  const plan: SweepPlan = {
    config,
    experimentId: expId,
    shards: Array.from({ length: shards }, (_, index) => {
      const seeds = seedsOfShard(config.seeds, { index, count: shards });
      return { seeds, runIds: plannedRunIds(expId, seeds, planRuns(config), 0).map((x) => x.runId) };
    }),
  };
  const ticketscope = (text(args, 'ticketscope') ?? 'ticketscope').trim().split(/\s+/);
  const opts: JobOptions = {
    dir,
    ticketscope,
    backend: args.global.backend,
    ...(args.global.dataDir !== undefined ? { dataDir: args.global.dataDir } : {}),
    cpus: int(args, 'cpus') ?? Math.min(16, runsPerShard(plan)),
    gpus: int(args, 'gpus') ?? 0,
    mem: textOption(args, 'mem', /^\d{1,7}[KMGT]?$/i, 'a size like 16G, 4096M or 4096 (MB)'),
    partition: textOption(args, 'partition', /^[A-Za-z0-9_.,-]{1,128}$/, 'a partition name (or a comma-separated list)'),
    time: textOption(args, 'time', /^(\d{1,4}-)?\d{1,5}(:\d{1,2}){0,2}$/, 'a Slurm time limit: minutes, H:MM:SS or D-HH:MM:SS'),
    image: textOption(args, 'image', /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/, 'a container image reference'),
    claim: textOption(args, 'claim', /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'a PersistentVolumeClaim name') ?? 'ticketscope',
    namespace: textOption(args, 'namespace', /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a namespace name'),
    version: APP_VERSION,
  };
  if (emit === 'k8s' && !opts.image) throw new ValidationError('--emit k8s needs --image IMAGE: a container image with Ticketscope installed (docs/cluster.md)');
  if (emit === 'k8s' && opts.dataDir !== undefined && !opts.dataDir.startsWith('/')) throw new ValidationError(`--data-dir ${opts.dataDir}: a path inside the container, absolute`);

  prepareOut(dir, expId, shards);
  const files: string[] = [];
  const write = (name: string, text: string, mode?: number) => {
    writeFileAtomic(join(dir, name), text, mode);
    files.push(join(dir, name));
  };
  write('config.json', `${JSON.stringify(config, null, 2)}\n`);
  if (emit === 'slurm') write('sweep.sbatch', slurmScript(plan, opts), 0o755);
  else {
    write('configmap.json', `${JSON.stringify(k8sConfigMap(plan, opts), null, 2)}\n`);
    write('job.json', `${JSON.stringify(k8sJob(plan, opts), null, 2)}\n`);
  }
  const manifest = { format: SWEEP_FORMAT, experimentId: expId, name: config.name, emit, jobName: jobName(plan), shards: plan.shards.map((s, index) => ({ index, ...s })) };
  write('sweep.json', `${JSON.stringify(manifest, null, 2)}\n`);

  const runs = plan.shards.reduce((a, s) => a + s.runIds.length, 0);
  if (args.global.json) {
    process.stdout.write(`${JSON.stringify({ ...manifest, dir, files })}\n`);
    return;
  }
  const lines = [
    `experiment ${config.name} [${expId}]: ${runs} runs in ${shards} shard${shards === 1 ? '' : 's'} (seed groups: ${plan.shards.map((s) => `[${s.seeds.join(', ')}]`).join(' ')})`,
    ...files.map((f) => `wrote ${f}`),
    emit === 'slurm'
      ? `submit: sbatch ${dir}/sweep.sbatch   then: ticketscope merge ${dir}/shard-*.sqlite --into results.db`
      : `submit: kubectl apply -f ${dir}/configmap.json -f ${dir}/job.json   (shard databases on the volume of claim ${opts.claim}, in ${jobName(plan)}/)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Creates --out, or checks that it holds no other sweep (another experiment or shard count). */
function prepareOut(dir: string, expId: string, shards: number): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ValidationError(`--out ${dir}: not a folder`);
    const manifest = join(dir, 'sweep.json');
    if (existsSync(manifest)) {
      let m: { format?: string; experimentId?: string; shards?: unknown[] } = {};
      try {
        m = JSON.parse(readFileSync(manifest, 'utf8')) as typeof m;
      } catch {
        throw new ValidationError(`--out ${dir}: its sweep.json is not valid JSON; use another folder`);
      }
      if (m.format !== SWEEP_FORMAT || m.experimentId !== expId || m.shards?.length !== shards) {
        throw new ValidationError(`--out ${dir} holds another sweep (experiment ${m.experimentId ?? '?'}, ${m.shards?.length ?? '?'} shards); use another folder`);
      }
    }
    return;
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw writeError(dir, err);
  }
}

export function cmdMerge(args: ParsedArgs): void {
  const into = text(args, 'into');
  if (!into) throw new ValidationError('merge needs --into DB');
  if (args.global.db !== undefined) throw new ValidationError('merge takes --into DB, not --db');
  const r = mergeIntoFile(into, args.positional, (p) => {
    process.stderr.write(`${p.phase === 'check' ? 'checking' : 'merging'} ${p.shard + 1}/${p.shards}: ${p.path}\n`);
  });
  if (args.global.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  for (const s of r.shards) {
    const migrated = s.migrated ? ` (written by an older version: schema ${s.schemaVersion}, migrated on a copy)` : '';
    process.stdout.write(
      `${s.path}: ${s.runsAdded} run(s) added, ${s.runsExtended} extended, ${s.runsUnchanged} already there; ${s.roundsAdded} round(s) added; ${s.tensorsVerified} tensor checksums verified${migrated}\n`,
    );
  }
  process.stdout.write(`merged ${r.shards.length} shard(s) into ${r.target}\n`);
}

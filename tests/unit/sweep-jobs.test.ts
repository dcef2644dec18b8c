// The shard split, the run ids, and the jobs `ticketscope sweep` writes: the Slurm script (its #SBATCH lines, its
// syntax, the command each array task runs) and the Kubernetes Indexed Job, validated against a hand-written subset
// of the Kubernetes v1.31 schema (tests/fixtures/kubernetes) and against the rules the API server adds.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkShardCount, freeReplicate, parseShard, plannedRunIds, runIdFor, seedsOfShard } from '../../src/main/core/shards';
import { jobName, k8sConfigMap, k8sJob, k8sMemory, slurmScript, type JobOptions, type SweepPlan } from '../../src/main/cli/sweep-jobs';
import { parseArgs } from '../../src/main/cli/args';
import { parseExperimentConfig } from '../../src/shared/config';
import { validate, type Schema } from '../helpers/json-schema';

const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'kubernetes', 'schema-v1.31-subset.json'), 'utf8')) as { definitions: Record<string, Schema> };
const check = (value: unknown, type: string) => validate(value, { $ref: `#/definitions/${type}` }, fixture.definitions);
const JOB = 'io.k8s.api.batch.v1.Job';

const config = parseExperimentConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', 'resources', 'presets', 'quick-imp.json'), 'utf8')));
const withSeeds = { ...config, seeds: [0, 1, 2, 3, 4] };
const plan: SweepPlan = {
  config: withSeeds,
  experimentId: '0123456789abcdef',
  shards: [0, 1, 2].map((index) => {
    const seeds = seedsOfShard(withSeeds.seeds, { index, count: 3 });
    return { seeds, runIds: seeds.flatMap((s) => ['imp', 'reinit'].map((k) => runIdFor('0123456789abcdef', s, k as 'imp', 0))) };
  }),
};
const base: JobOptions = { dir: '/scratch/sweep', ticketscope: ['ticketscope'], backend: 'auto', cpus: 4, gpus: 1, mem: '16G', claim: 'ticketscope', image: 'registry.example/ticketscope:0.1', version: '0.1.0', partition: 'gpu', time: '1-00:00:00' };

describe('shards', () => {
  it('parses I/N and refuses anything else', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    for (const bad of ['5/5', '1', '-1/2', '1/0', 'a/b', '1/2/3', ' /2']) expect(() => parseShard(bad), bad).toThrow(/expected I\/N/);
  });

  it('deals seed groups round-robin: disjoint shards whose union is every seed, in order', () => {
    const seeds = [7, 3, 9, 1, 4, 8, 2];
    for (const n of [1, 2, 3, 7]) {
      const parts = Array.from({ length: n }, (_, i) => seedsOfShard(seeds, { index: i, count: n }));
      expect(parts.flat().sort()).toEqual([...seeds].sort());
      expect(parts.every((p) => p.length >= 1)).toBe(true);
    }
    expect(seedsOfShard(seeds, { index: 1, count: 3 })).toEqual([3, 4]);
    expect(() => checkShardCount(seeds, 8)).toThrow(/at most 7 shards/);
  });

  it('run ids follow from experiment, seed, kind and replicate, in the form of the random ones', () => {
    const id = runIdFor('0123456789abcdef', 3, 'reinit', 0);
    expect(id).toMatch(/^r[0-9a-f]{10}$/);
    expect(runIdFor('0123456789abcdef', 3, 'reinit', 0)).toBe(id);
    const others = [runIdFor('0123456789abcdee', 3, 'reinit', 0), runIdFor('0123456789abcdef', 4, 'reinit', 0), runIdFor('0123456789abcdef', 3, 'shuffle', 0), runIdFor('0123456789abcdef', 3, 'reinit', 1)];
    expect(new Set([id, ...others]).size).toBe(5);
  });

  it('a second start of an experiment takes the next free replicate', () => {
    const plan1 = [{ kind: 'imp' as const, isControl: false }, { kind: 'reinit' as const, isControl: true }];
    const ids = (r: number) => plannedRunIds('e', [0, 1], plan1, r).map((x) => x.runId);
    const taken = new Set<string>();
    expect(freeReplicate(ids, (id) => taken.has(id))).toBe(0);
    ids(0).forEach((id) => taken.add(id));
    expect(freeReplicate(ids, (id) => taken.has(id))).toBe(1);
  });
});

describe('Slurm batch script', () => {
  const script = slurmScript(plan, base);

  it('is an array of one task per shard with the options asked for', () => {
    const lines = script.split('\n').filter((l) => l.startsWith('#SBATCH'));
    expect(lines).toEqual([
      `#SBATCH --job-name=${jobName(plan)}`,
      '#SBATCH --array=0-2',
      '#SBATCH --output=/scratch/sweep/shard-%a.log',
      '#SBATCH --open-mode=append',
      '#SBATCH --requeue',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --mem=16G',
      '#SBATCH --gres=gpu:1',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=1-00:00:00',
    ]);
    expect(script).toMatch(/TF_FORCE_GPU_ALLOW_GROWTH=true/);
    const cpuOnly = slurmScript(plan, { ...base, gpus: 0, mem: undefined, partition: undefined, time: undefined });
    expect(cpuOnly).not.toMatch(/--gres|--mem|--partition|--time|TF_FORCE/);
  });

  it('is valid bash and each task runs its shard into its own database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ticketscope-sbatch-'));
    try {
      const file = join(dir, 'sweep.sbatch');
      writeFileSync(file, script);
      expect(spawnSync('bash', ['-n', file]).status).toBe(0);
      // With `echo` for Ticketscope, the task prints the command it would run.
      const r = spawnSync('bash', [file], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '2', TICKETSCOPE: 'echo ticketscope' } });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('ticketscope run /scratch/sweep/config.json --shard 2/3 --db /scratch/sweep/shard-2.sqlite --backend auto');
      const words = r.stdout.trim().split(' ').slice(1);
      const args = parseArgs(words);
      expect(args.command).toBe('run');
      expect(parseShard(args.values.get('shard') as string)).toEqual({ index: 2, count: 3 });
      const outside = spawnSync('bash', [file], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '' } });
      expect(outside.status).not.toBe(0);
      expect(outside.stderr).toMatch(/not a Slurm array task/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Kubernetes Indexed Job', () => {
  const job = k8sJob(plan, base) as any; // eslint-disable-line @typescript-eslint/no-explicit-any

  it('validates against the batch/v1 Job schema, and the ConfigMap against core/v1', () => {
    expect(check(job, JOB)).toEqual([]);
    expect(check(k8sConfigMap(plan, base), 'io.k8s.api.core.v1.ConfigMap')).toEqual([]);
    expect(check(k8sJob(plan, { ...base, gpus: 0, mem: undefined, namespace: 'lab' }), JOB)).toEqual([]);
  });

  it('the checker does refuse what the schema refuses', () => {
    const broken = structuredClone(job);
    broken.spec.completionMode = 'indexed';
    broken.spec.completions = '3';
    delete broken.spec.template.spec.containers[0].name;
    broken.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'] = '1 GPU';
    broken.spec.template.spec.volumes[0].persistentVolumeClaim = { claim: 'x' };
    expect(check(broken, JOB)).toEqual([
      '$.spec.completionMode: "indexed" is not one of ["NonIndexed","Indexed"]',
      '$.spec.completions: string, expected integer',
      '$.spec.template.spec.containers[0]: missing required name',
      '$.spec.template.spec.containers[0].resources.limits.nvidia.com/gpu: matches 0 of the 2 alternatives, not exactly one',
      '$.spec.template.spec.volumes[0].persistentVolumeClaim: missing required claimName',
      '$.spec.template.spec.volumes[0].persistentVolumeClaim: unknown property claim',
    ]);
  });

  it('keeps the rules the API server adds to the schema', () => {
    const spec = job.spec;
    expect(job.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(job.metadata.name.length).toBeLessThanOrEqual(50); // pod hostnames are NAME-INDEX, at most 63
    expect(spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
    const pod = spec.template.spec;
    // podFailurePolicy needs restartPolicy Never, and its exit-code rule names a container of the pod (never code 0).
    expect(pod.restartPolicy).toBe('Never');
    const names = pod.containers.map((c: { name: string }) => c.name);
    for (const rule of spec.podFailurePolicy.rules) {
      if (rule.onExitCodes) {
        expect(names).toContain(rule.onExitCodes.containerName);
        expect(rule.onExitCodes.values).not.toContain(0);
      }
    }
    const c = pod.containers[0];
    // Extended resources (GPUs) go in limits; every mount names a volume of the pod.
    expect(c.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(c.resources.requests['nvidia.com/gpu']).toBeUndefined();
    expect(c.resources).toMatchObject({ requests: { cpu: '4', memory: '16Gi' }, limits: { memory: '16Gi' } });
    const volumes = pod.volumes.map((v: { name: string }) => v.name);
    for (const m of c.volumeMounts) expect(volumes).toContain(m.name);
    expect(pod.volumes[0]).toEqual({ name: 'shards', persistentVolumeClaim: { claimName: 'ticketscope' } });
    expect(pod.volumes[1]).toEqual({ name: 'config', configMap: { name: (k8sConfigMap(plan, base) as { metadata: { name: string } }).metadata.name } });
  });

  it('each pod runs its shard, the index from JOB_COMPLETION_INDEX, into a database on the volume', () => {
    const c = job.spec.template.spec.containers[0];
    expect(c.command).toEqual(['ticketscope']);
    // What the kubelet runs for index 1, after expanding $(JOB_COMPLETION_INDEX) from the container's environment.
    const words = c.args.map((a: string) => a.replaceAll('$(JOB_COMPLETION_INDEX)', '1'));
    const args = parseArgs(words);
    expect(args.command).toBe('run');
    expect(args.positional).toEqual(['/etc/ticketscope/config.json']);
    expect(parseShard(args.values.get('shard') as string)).toEqual({ index: 1, count: 3 });
    expect(args.global.db).toBe(`/ticketscope/${job.metadata.name}/shard-1.sqlite`);
    expect(args.global.dataDir).toBe('/ticketscope/data');
    const cm = k8sConfigMap(plan, base) as { data: Record<string, string> };
    expect(parseExperimentConfig(JSON.parse(cm.data['config.json']!))).toEqual(withSeeds);
  });

  it('converts Slurm memory to Kubernetes quantities', () => {
    expect(['16G', '4096', '512M', '1T', '64k'].map(k8sMemory)).toEqual(['16Gi', '4096Mi', '512Mi', '1Ti', '64Ki']);
  });
});

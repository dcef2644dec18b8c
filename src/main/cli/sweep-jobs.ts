// The jobs `ticketscope sweep` writes: a Slurm batch script for a job array and a Kubernetes batch/v1 Indexed Job
// (with the ConfigMap holding the frozen config). Pure: the plan and the options in, text and objects out. Each
// task runs one shard, `ticketscope run CONFIG --shard I/N --db shard-I.sqlite`, which continues the shard's runs
// when its database already holds them, so a pre-empted or re-queued task picks up where it stopped.
import type { ExperimentConfig } from '../../shared/config';
import type { BackendChoice } from '../../shared/contract';

export interface SweepPlan {
  config: ExperimentConfig;
  experimentId: string;
  /** Per shard: its seeds and its run ids (a single-machine run of the config makes the same ids). */
  shards: { seeds: number[]; runIds: string[] }[];
}

export interface JobOptions {
  /** The sweep folder as the cluster's nodes see it (Slurm) or the local output folder (Kubernetes). */
  dir: string;
  /** The command that runs Ticketscope on the nodes, split into words. */
  ticketscope: string[];
  backend: BackendChoice;
  /** Data sets on the nodes; default: Ticketscope's own default (Slurm), or data/ on the volume (Kubernetes). */
  dataDir?: string;
  cpus: number;
  /** Memory per task in Slurm's form: a number with an optional K, M, G or T suffix (MB without). */
  mem?: string;
  gpus: number;
  partition?: string;
  time?: string;
  image?: string;
  claim: string;
  namespace?: string;
  version: string;
}

/** Where each Kubernetes pod mounts the shard volume and the config. */
export const K8S_VOLUME_PATH = '/ticketscope';
export const K8S_CONFIG_PATH = '/etc/ticketscope';
export const CONTAINER_NAME = 'ticketscope';

/** Runs per shard at most: the default CPUs per task (one engine worker per run that can train at once). */
export const runsPerShard = (plan: SweepPlan) => Math.max(...plan.shards.map((s) => s.runIds.length));

/** A DNS-1123 label for the Job and Slurm job names: ticketscope-NAME-HASH, at most 50 characters. */
export function jobName(plan: SweepPlan): string {
  const slug = plan.config.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 28).replace(/-+$/, '');
  return ['ticketscope', ...(slug ? [slug] : []), plan.experimentId.slice(0, 8)].join('-');
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function slurmScript(plan: SweepPlan, o: JobOptions): string {
  const n = plan.shards.length;
  const name = jobName(plan);
  const sbatch = [
    `--job-name=${name}`,
    `--array=0-${n - 1}`,
    `--output=${o.dir}/shard-%a.log`,
    '--open-mode=append',
    '--requeue',
    `--cpus-per-task=${o.cpus}`,
    ...(o.mem ? [`--mem=${o.mem}`] : []),
    ...(o.gpus > 0 ? [`--gres=gpu:${o.gpus}`] : []),
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
  ];
  const extra = [`--backend ${o.backend}`, ...(o.dataDir ? [`--data-dir ${shq(o.dataDir)}`] : [])].join(' ');
  return `#!/bin/bash
# Ticketscope sweep: experiment "${plan.config.name.replace(/[\r\n]/g, ' ')}" (${plan.experimentId}), ${n} shard${n === 1 ? '' : 's'}, one Slurm array task each.
# Written by ticketscope ${o.version} (\`ticketscope sweep\`). Submit with:  sbatch ${o.dir}/sweep.sbatch
# Task I trains shard I of the experiment's seed groups into ${o.dir}/shard-I.sqlite (log: shard-I.log). A task
# that is re-queued (pre-emption, node failure) or submitted again continues the runs its database already holds.
# When every task has ended:  ticketscope merge ${o.dir}/shard-*.sqlite --into results.db
${sbatch.map((s) => `#SBATCH ${s}`).join('\n')}
set -euo pipefail
DIR=${shq(o.dir)}
N=${n}
I="\${SLURM_ARRAY_TASK_ID:?not a Slurm array task: submit this script with sbatch, or set SLURM_ARRAY_TASK_ID}"
# The command that runs Ticketscope on the nodes; override with TICKETSCOPE="..." at submission.
read -r -a TICKETSCOPE <<< "\${TICKETSCOPE:-${o.ticketscope.join(' ')}}"
${o.gpus > 0 ? '# tfjs-node-gpu (TensorFlow) would take all GPU memory for the first engine worker; let the workers share it.\nexport TF_FORCE_GPU_ALLOW_GROWTH=true\n' : ''}exec "\${TICKETSCOPE[@]}" run "$DIR/config.json" --shard "$I/$N" --db "$DIR/shard-$I.sqlite" ${extra}
`;
}

/** Slurm memory (MB by default, K/M/G/T binary suffixes) as a Kubernetes quantity. */
export function k8sMemory(mem: string): string {
  const m = /^(\d+)([KMGT]?)$/i.exec(mem);
  if (!m) throw new Error(`memory ${mem}`);
  return `${m[1]}${(m[2] || 'M').toUpperCase()}i`;
}

export function k8sConfigMap(plan: SweepPlan, o: JobOptions): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${jobName(plan)}-config`, ...(o.namespace ? { namespace: o.namespace } : {}), labels: labels(plan) },
    data: { 'config.json': `${JSON.stringify(plan.config, null, 2)}\n` },
  };
}

const labels = (plan: SweepPlan) => ({ 'app.kubernetes.io/name': 'ticketscope', 'ticketscope/experiment': plan.experimentId });

export function k8sJob(plan: SweepPlan, o: JobOptions): Record<string, unknown> {
  const n = plan.shards.length;
  const name = jobName(plan);
  const dir = `${K8S_VOLUME_PATH}/${name}`;
  const index = '$(JOB_COMPLETION_INDEX)';
  const requests: Record<string, string> = { cpu: String(o.cpus), ...(o.mem ? { memory: k8sMemory(o.mem) } : {}) };
  const limits: Record<string, string> = { ...(o.mem ? { memory: k8sMemory(o.mem) } : {}), ...(o.gpus > 0 ? { 'nvidia.com/gpu': String(o.gpus) } : {}) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...(o.namespace ? { namespace: o.namespace } : {}), labels: labels(plan) },
    spec: {
      completionMode: 'Indexed',
      completions: n,
      parallelism: n,
      // A pod that fails is replaced and continues its shard's database; bad input (exit 2: a missing data set, a
      // config this version refuses) fails the whole Job at once, and pre-emption or eviction is not counted.
      backoffLimit: 3 * n,
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onExitCodes: { containerName: CONTAINER_NAME, operator: 'In', values: [2] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      template: {
        metadata: { labels: labels(plan) },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: CONTAINER_NAME,
              image: o.image,
              command: o.ticketscope,
              // The Job controller sets JOB_COMPLETION_INDEX in every container; Kubernetes expands $(VAR) in args.
              args: [
                'run', `${K8S_CONFIG_PATH}/config.json`, '--shard', `${index}/${n}`, '--db', `${dir}/shard-${index}.sqlite`,
                '--data-dir', o.dataDir ?? `${K8S_VOLUME_PATH}/data`, '--backend', o.backend,
              ],
              ...(o.gpus > 0 ? { env: [{ name: 'TF_FORCE_GPU_ALLOW_GROWTH', value: 'true' }] } : {}),
              resources: { requests, ...(Object.keys(limits).length ? { limits } : {}) },
              volumeMounts: [
                { name: 'shards', mountPath: K8S_VOLUME_PATH },
                { name: 'config', mountPath: K8S_CONFIG_PATH, readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'shards', persistentVolumeClaim: { claimName: o.claim } },
            { name: 'config', configMap: { name: `${name}-config` } },
          ],
        },
      },
    },
  };
}

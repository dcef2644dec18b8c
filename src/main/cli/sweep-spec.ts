// The command-line vocabulary of `ticketscope sweep` and `ticketscope merge` (see spec.ts), and the options run shares with sweep (--preset, --set) or has for it (--shard).
import { MAX_SHARDS } from '../../shared/contract';
import type { CommandSpec, OptionSpec } from './spec';

export const SHARD_OPTION: OptionSpec = {
  kind: 'text',
  arg: 'I/N',
  help: 'train only shard I of N (0-based) of the seed groups; continues the shard\'s runs when the database holds them',
};

/** Where run and sweep take their config from: a file argument, or a preset, each with --set overrides. */
export const CONFIG_SOURCE_OPTIONS: Record<'preset' | 'set', OptionSpec> = {
  preset: { kind: 'text', arg: 'NAME', help: 'a preset instead of a config file (see `ticketscope presets`)' },
  set: { kind: 'text', arg: 'PATH=VALUE', multiple: true, help: 'override a config field; repeatable (--set seeds=[0,1] --set method.rounds=3)' },
};

export const SWEEP_SPEC: CommandSpec = {
  name: 'sweep',
  usage: [
    'sweep CONFIG.json | --preset NAME [--set PATH=VALUE ...] --shards N --emit slurm --out DIR [--partition P] [--time T] [--cpus N] [--mem M] [--gpus N]',
    'sweep CONFIG.json | --preset NAME [--set PATH=VALUE ...] --shards N --emit k8s --out DIR --image IMAGE [--claim PVC] [--namespace NS] [--cpus N] [--mem M] [--gpus N]',
  ],
  summary: 'write a Slurm job array or a Kubernetes Indexed Job that runs an experiment as N shards',
  description:
    'Writes into DIR the frozen config, sweep.json (each shard\'s seeds and run ids) and the jobs: sweep.sbatch (a Slurm\n' +
    'array, one task per shard) or job.json and configmap.json (a batch/v1 Indexed Job). Task I runs\n' +
    '`ticketscope run config.json --shard I/N --db shard-I.sqlite`; a re-queued task continues its database. A shard\n' +
    'trains whole seed groups (a ticket and its controls), so N is at most the number of seeds. Then bring the shard\n' +
    'databases home and `ticketscope merge` them. --backend and --data-dir go to the tasks. See docs/cluster.md.',
  options: {
    ...CONFIG_SOURCE_OPTIONS,
    shards: { kind: 'int', arg: 'N', min: 1, max: MAX_SHARDS, help: 'number of shards (array tasks, Job completions)' },
    emit: { kind: 'text', arg: 'KIND', choices: ['slurm', 'k8s'], help: 'slurm: sweep.sbatch; k8s: job.json and configmap.json' },
    out: { kind: 'text', arg: 'DIR', help: 'the sweep folder (created; for Slurm, as the nodes see it: shard databases and logs go there)' },
    cpus: { kind: 'int', arg: 'N', min: 1, max: 1024, help: 'CPUs per task (default: the runs of the largest shard, at most 16)' },
    mem: { kind: 'text', arg: 'M', help: 'memory per task, Slurm style: 16G, 4096M or 4096 (MB)' },
    gpus: { kind: 'int', arg: 'N', max: 64, help: 'GPUs per task: --gres=gpu:N or nvidia.com/gpu (default 0)' },
    partition: { kind: 'text', arg: 'P', help: 'Slurm partition' },
    time: { kind: 'text', arg: 'T', help: 'Slurm time limit per task: minutes, H:MM:SS or D-HH:MM:SS' },
    image: { kind: 'text', arg: 'IMAGE', help: 'container image with Ticketscope installed (k8s)' },
    claim: { kind: 'text', arg: 'PVC', help: 'PersistentVolumeClaim for the shard databases and data sets (k8s; default ticketscope)' },
    namespace: { kind: 'text', arg: 'NS', help: 'namespace of the Job and ConfigMap (k8s)' },
    ticketscope: { kind: 'text', arg: 'CMD', help: 'the command that runs Ticketscope on the nodes (default ticketscope)' },
  },
  examples: [
    'ticketscope sweep --preset conv2-cifar10-imp --set seeds=[0,1,2,3,4] --shards 5 --emit slurm --out /scratch/conv2 --gpus 1 --time 12:00:00',
    'ticketscope sweep --preset conv2-cifar10-imp --set seeds=[0,1,2,3,4] --shards 5 --emit k8s --out conv2-k8s --image registry.example/ticketscope:0.1 --gpus 1',
  ],
};

export const MERGE_SPEC: CommandSpec = {
  name: 'merge',
  usage: ['merge SHARD.sqlite... --into DB'],
  summary: 'merge shard databases into one (created if absent)',
  description:
    'Checks every shard first (tensor checksums; every run against the run of the same id in the target or an earlier\n' +
    'shard) and then merges each in one transaction. Merging a shard again changes nothing; a run whose id exists with\n' +
    'different results is a conflict: refused with exit 2, the target unchanged. Shards are read from copies, never\n' +
    'opened in place; one from an older version is migrated on its copy.',
  options: { into: { kind: 'text', arg: 'DB', help: 'the database to merge into' } },
  examples: ['ticketscope merge /scratch/conv2/shard-*.sqlite --into ~/conv2.db'],
};

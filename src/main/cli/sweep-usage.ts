// Usage lines and option names of `ticketscope sweep` and `ticketscope merge`.
export const SWEEP_VALUE_OPTIONS = [
  '--preset', '--set', '--shards', '--emit', '--out', '--partition', '--time', '--cpus', '--mem', '--gpus', '--image', '--claim', '--namespace', '--ticketscope',
];

export const SWEEP_USAGE = `  sweep CONFIG.json | --preset NAME [--set path=value ...] --shards N --emit slurm|k8s --out DIR
        [--cpus N] [--mem 16G] [--gpus N] [--ticketscope CMD]
        slurm: [--partition P] [--time 1-00:00:00]    k8s: --image IMAGE [--claim PVC] [--namespace NS]
                                                          write the frozen config and a Slurm job array
                                                          (sweep.sbatch) or a Kubernetes Indexed Job
                                                          (job.json, configmap.json) whose tasks each run a
                                                          shard into DIR/shard-I.sqlite (docs/cluster.md)
  merge SHARD.sqlite... --into DB                         merge shard databases into one (created if absent);
                                                          a run that differs from the target's is refused`;

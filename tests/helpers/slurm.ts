// A one-node Slurm cluster on this machine for the sweep test: munged (as the munge user, with its own socket),
// slurmctld and slurmd started from a configuration in a temp folder, on free ports; stopped by their pid files.
// Needs root and Debian's slurm-wlm and munge (.ci/run installs them). When anything is missing or a daemon does not
// come up, start() answers why, and the test runs the array's tasks locally instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';

export interface Slurm {
  /** The environment sbatch and sinfo need (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

function idOf(user: string): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  if (!line) return null;
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

const pidIn = (file: string): number | null => {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
};

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

/**
 * Starts munged, slurmctld and slurmd in the new folder `dir` (its parent folders must let others through: munged
 * checks the path to its socket); or says why not.
 */
export async function startSlurm(dir: string): Promise<Slurm | { reason: string }> {
  try {
    return await start(dir);
  } catch (err) {
    return { reason: `cannot set Slurm up: ${(err as Error).message.split('\n')[0]}` };
  }
}

async function start(dir: string): Promise<Slurm | { reason: string }> {
  if (process.env.TICKETSCOPE_SKIP_SLURM === '1') return { reason: 'TICKETSCOPE_SKIP_SLURM=1' };
  for (const cmd of ['munged', 'munge', 'slurmctld', 'slurmd', 'sbatch', 'sinfo', 'runuser']) {
    if (!has(cmd)) return { reason: `${cmd} is not installed (Debian: apt-get install slurm-wlm munge)` };
  }
  if (process.getuid?.() !== 0) return { reason: 'not root: slurmd must run as root to start jobs' };
  const munge = idOf('munge');
  if (!munge) return { reason: 'no munge user' };
  const key = '/etc/munge/munge.key';
  if (!existsSync(key)) {
    // Debian's munge package makes the key at install; make one if it did not.
    mkdirSync('/etc/munge', { recursive: true, mode: 0o700 });
    execFileSync('dd', ['if=/dev/urandom', `of=${key}`, 'bs=1', 'count=1024'], { stdio: 'ignore' });
    chownSync('/etc/munge', munge.uid, munge.gid);
    chownSync(key, munge.uid, munge.gid);
    chmodSync(key, 0o400);
  }
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const mdir = join(dir, 'munge');
  for (const d of ['munge', 'state', 'spool']) mkdirSync(join(dir, d), { recursive: true });
  chownSync(mdir, munge.uid, munge.gid);
  chmodSync(mdir, 0o755);
  const socket = join(mdir, 'munge.sock');
  const pids = { munged: join(mdir, 'munged.pid'), slurmctld: join(dir, 'slurmctld.pid'), slurmd: join(dir, 'slurmd.pid') };
  const stop = async () => {
    for (const file of [pids.slurmd, pids.slurmctld, pids.munged]) {
      const pid = pidIn(file);
      if (pid === null) continue;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        continue;
      }
      await waitFor(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }, 10_000);
    }
  };
  const fail = async (reason: string) => {
    await stop();
    return { reason };
  };

  const m = spawnSync('runuser', ['-u', 'munge', '--', 'munged', `--socket=${socket}`, `--pid-file=${pids.munged}`, `--log-file=${join(mdir, 'munged.log')}`, `--seed-file=${join(mdir, 'munged.seed')}`], { encoding: 'utf8' });
  if (m.status !== 0) return fail(`munged did not start: ${(m.stderr || m.stdout).trim().split('\n').pop()}`);

  const host = hostname().split('.')[0]!;
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=ticketscope-test',
      `SlurmctldHost=${host}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${pids.slurmctld}`,
      `SlurmdPidFile=${pids.slurmd}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'SchedulerType=sched/builtin',
      'JobCompType=jobcomp/none',
      'AccountingStorageType=accounting_storage/none',
      'JobAcctGatherType=jobacct_gather/none',
      'MpiDefault=none',
      'ReturnToService=2',
      `NodeName=${host} CPUs=${availableParallelism()} State=UNKNOWN`,
      `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  for (const daemon of ['slurmctld', 'slurmd']) {
    const r = spawnSync(daemon, ['-f', conf], { encoding: 'utf8', env });
    if (r.status !== 0) return fail(`${daemon} did not start: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  }
  const idle = await waitFor(() => /idle/.test(spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', env }).stdout ?? ''), 30_000);
  if (!idle) {
    const log = existsSync(join(dir, 'slurmd.log')) ? readFileSync(join(dir, 'slurmd.log'), 'utf8').trim().split('\n').pop() : '';
    return fail(`the node did not become idle within 30 s (${log})`);
  }
  return { env, stop };
}

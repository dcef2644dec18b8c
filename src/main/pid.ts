// Whether a process id belongs to a live process (EPERM: alive, but someone else's). Used to tell interrupted runs
// and stale temp folders, whose owning process died, from those of a process still at work.
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

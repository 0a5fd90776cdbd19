import execa, { type ExecaChildProcess } from 'execa';

/**
 * Starts a job process (spark-submit, or the project's Python). setpriv --pdeathsig: the JVM
 * (spark-submit execs into it) or the Python job is killed by the kernel when this process dies,
 * even by kill -9, so a job never outlives the service that started it.
 */
export function startJobProcess(command: string[]): ExecaChildProcess {
  return execa('setpriv', ['--pdeathsig', 'KILL', '--', ...command], {
    reject: false,
    all: false,
    // its own process group, so stopping the job also stops the JVM's python workers
    detached: true,
    env: { PYTHONUNBUFFERED: '1' },
  });
}

/** Signals the job's whole process group (it was started detached). */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

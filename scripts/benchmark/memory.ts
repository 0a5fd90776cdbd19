// Peak resident memory of processes and everything they start, sampled from /proc.
import { readdirSync, readFileSync } from 'node:fs';

/** The largest resident set (VmHWM, MiB) one process reached, and what it was. */
export interface ProcessPeak {
  pid: number;
  /** the process's own name: node, java, python3, ... */
  command: string;
  /** what it ran, shortened for the report (a Spark job's --name or script, the arrow engine's script) */
  role: string;
  peakMb: number;
}

/** Per watched root (a service): its own peak and the peaks of every process it started. */
export interface TreePeaks {
  root: ProcessPeak | undefined;
  descendants: ProcessPeak[];
}

interface ProcStat {
  ppid: number;
  command: string;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return { ppid: Number(fields[1]), command: text.slice(text.indexOf('(') + 1, close) };
  } catch {
    return undefined;
  }
}

/** VmHWM (the process's peak resident set so far) in MiB, or undefined when it is gone. */
export function peakResidentMb(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function roleOf(pid: number, command: string): string {
  let args: string[] = [];
  try {
    // a Python job started ahead (jobs/python_spare.py) has its job's command line as one retitled string
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/).filter(Boolean);
  } catch {
    return command;
  }
  const name = args.indexOf('--name');
  if (command === 'java' && args.includes('org.apache.spark.launcher.Main')) return 'Spark launcher JVM (builds the driver\'s command line)';
  if (command === 'java' && args.includes('org.apache.spark.deploy.SparkSubmit')) return `Spark driver JVM${name >= 0 ? ` (${args[name + 1]})` : ''}`;
  if (command === 'java') return 'JVM';
  const script = args.find((arg) => arg.endsWith('.py'));
  if (script) return `Python ${script.split('/').slice(-1)[0]}`;
  return command;
}

/**
 * Samples, every `everyMs`, the VmHWM of each watched process and of all its descendants (a stage
 * service's Spark driver, the arrow engine's Python process, the Spark job's Python side). VmHWM
 * is a process's own high-water mark, so sampling only has to see a short-lived job once before it
 * ends; a job shorter than the interval may be missed (its peak then is not reported).
 */
export class TreeMemorySampler {
  private readonly peaks = new Map<string, { root?: ProcessPeak; descendants: Map<number, ProcessPeak> }>();
  private timer?: NodeJS.Timeout;
  samples = 0;

  constructor(
    private readonly roots: () => Record<string, number | undefined>,
    private readonly everyMs = 500,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): Record<string, TreePeaks> {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return Object.fromEntries(
      [...this.peaks].map(([name, peaks]) => [name, { root: peaks.root, descendants: [...peaks.descendants.values()].sort((a, b) => b.peakMb - a.peakMb) }]),
    );
  }

  private sample(): void {
    this.samples += 1;
    const children = new Map<number, number[]>();
    const stats = new Map<number, ProcStat>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      const stat = readStat(pid);
      if (!stat) continue;
      stats.set(pid, stat);
      const list = children.get(stat.ppid) ?? [];
      list.push(pid);
      children.set(stat.ppid, list);
    }
    for (const [name, rootPid] of Object.entries(this.roots())) {
      if (!rootPid) continue;
      const peaks = this.peaks.get(name) ?? { descendants: new Map<number, ProcessPeak>() };
      this.peaks.set(name, peaks);
      const own = peakResidentMb(rootPid);
      if (own !== undefined && (!peaks.root || own > peaks.root.peakMb)) peaks.root = { pid: rootPid, command: stats.get(rootPid)?.command ?? '?', role: name, peakMb: own };
      const queue = [...(children.get(rootPid) ?? [])];
      while (queue.length > 0) {
        const pid = queue.shift()!;
        queue.push(...(children.get(pid) ?? []));
        const mb = peakResidentMb(pid);
        if (mb === undefined) continue;
        const known = peaks.descendants.get(pid);
        const command = stats.get(pid)?.command ?? '?';
        // setpriv and spark-submit's shell exec into the JVM: the role is read again while it changes
        if (!known || known.command !== command) peaks.descendants.set(pid, { pid, command, role: roleOf(pid, command), peakMb: mb });
        else if (mb > known.peakMb) known.peakMb = mb;
      }
    }
  }
}

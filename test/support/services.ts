import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './stack';

export type ServiceName = 'scheduler' | 'ingest' | 'transform' | 'export';
/** A service, or one replica of it: `ingest` is the first replica, `ingest#2` the second. */
export type Instance = ServiceName | `${ServiceName}#${number}`;

export const serviceNames: ServiceName[] = ['scheduler', 'ingest', 'transform', 'export'];

/**
 * The four services as real processes (the built dist/ output), as in production, with as many
 * replicas of each as asked. Replica n of a service listens on its base port + 10 × (n - 1).
 */
export class ServiceProcesses {
  private readonly processes = new Map<Instance, ChildProcess>();

  constructor(
    private readonly env: Record<string, string>,
    private readonly ports: Record<ServiceName, number>,
    private readonly logDir: string,
    readonly replicas = 1,
  ) {}

  get instances(): Instance[] {
    return serviceNames.flatMap((name) => Array.from({ length: this.replicas }, (_, index) => instanceName(name, index + 1)));
  }

  /** Starts the process; waits until it is ready unless told not to (a service that cannot be ready yet). */
  async start(instance: Instance, waitReady = true, extraEnv: Record<string, string> = {}): Promise<void> {
    const { name } = parse(instance);
    const log = createWriteStream(join(this.logDir, `${instance.replace('#', '-')}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'apps', name, 'src', 'main.js')], {
      env: { ...process.env, ...this.env, ...extraEnv, PORT: String(this.port(instance)) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.processes.set(instance, child);
    if (waitReady) await this.waitReady(instance);
  }

  async startAll(waitReady = true): Promise<void> {
    await Promise.all(this.instances.map((instance) => this.start(instance, waitReady)));
  }

  async waitAllReady(): Promise<void> {
    await Promise.all(this.instances.map((instance) => this.waitReady(instance)));
  }

  /** true while the process runs */
  alive(instance: Instance): boolean {
    const child = this.processes.get(instance);
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  /** Resolves when the process has ended (by itself: a failpoint, a crash). */
  exited(instance: Instance): Promise<void> {
    const child = this.processes.get(instance);
    if (!child || !this.alive(instance)) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Changes the environment of every later start (e.g. a new consumer group prefix). */
  setEnv(env: Record<string, string>): void {
    Object.assign(this.env, env);
  }

  pid(instance: Instance): number | undefined {
    return this.processes.get(instance)?.pid;
  }

  /** Sends the signal and resolves with the exit code (null when a signal ended it); SIGKILL after 30 s. */
  kill(instance: Instance, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const child = this.processes.get(instance);
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child?.exitCode ?? null);
    return new Promise((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', (code) => {
        clearTimeout(force);
        resolve(code);
      });
      child.kill(signal);
    });
  }

  /** Every replica of a service. */
  async killAll(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(this.instances.filter((instance) => parse(instance).name === name).map((instance) => this.kill(instance, signal)));
  }

  async startAllOf(name: ServiceName): Promise<void> {
    await Promise.all(this.instances.filter((instance) => parse(instance).name === name).map((instance) => this.start(instance)));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((instance) => this.kill(instance, 'SIGTERM')));
  }

  url(instance: Instance): string {
    return `http://127.0.0.1:${this.port(instance)}`;
  }

  private port(instance: Instance): number {
    const { name, replica } = parse(instance);
    return this.ports[name] + 10 * (replica - 1);
  }

  private async waitReady(instance: Instance): Promise<void> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const child = this.processes.get(instance)!;
      if (child.exitCode !== null) throw new Error(`${instance} exited with ${child.exitCode}; see ${this.logDir}/${instance.replace('#', '-')}.log`);
      const ok = await fetch(`${this.url(instance)}/health/ready`).then((response) => response.ok, () => false);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`${instance} not ready after 90 s; see ${this.logDir}/${instance.replace('#', '-')}.log`);
  }
}

function instanceName(name: ServiceName, replica: number): Instance {
  return replica === 1 ? name : `${name}#${replica}`;
}

function parse(instance: Instance): { name: ServiceName; replica: number } {
  const [name, replica] = instance.split('#');
  return { name: name as ServiceName, replica: Number(replica ?? 1) };
}

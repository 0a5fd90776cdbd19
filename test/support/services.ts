import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './stack';

export type ServiceName = 'scheduler' | 'ingest' | 'transform' | 'export';

/** The four services as real processes (the built dist/ output), as in production. */
export class ServiceProcesses {
  private readonly processes = new Map<ServiceName, ChildProcess>();

  constructor(
    private readonly env: Record<string, string>,
    private readonly ports: Record<ServiceName, number>,
    private readonly logDir: string,
  ) {}

  async start(name: ServiceName): Promise<void> {
    const log = createWriteStream(join(this.logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'apps', name, 'src', 'main.js')], {
      env: { ...process.env, ...this.env, PORT: String(this.ports[name]) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.processes.set(name, child);
    await this.waitReady(name);
  }

  async startAll(): Promise<void> {
    await Promise.all((Object.keys(this.ports) as ServiceName[]).map((name) => this.start(name)));
  }

  /** Sends the signal and resolves with the exit code (null when a signal ended it); SIGKILL after 30 s. */
  kill(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const child = this.processes.get(name);
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

  async stopAll(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((name) => this.kill(name, 'SIGTERM')));
  }

  url(name: ServiceName): string {
    return `http://127.0.0.1:${this.ports[name]}`;
  }

  private async waitReady(name: ServiceName): Promise<void> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const child = this.processes.get(name)!;
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${this.logDir}/${name}.log`);
      const ok = await fetch(`${this.url(name)}/health/ready`).then((response) => response.ok, () => false);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`${name} not ready after 90 s; see ${this.logDir}/${name}.log`);
  }
}

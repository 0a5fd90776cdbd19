import type SftpClient from 'ssh2-sftp-client';
import type { SftpConnection } from '@dataops/config';
import type { SftpLogin } from '@dataops/config';
import { TerminalError, TransientError } from '@dataops/errors';
import { fingerprintOf, hostKeyMatches, type HostKeyPin } from './host-key';

/** The one door to an SFTP server. Uploads land under a temporary name and are renamed when complete. */
export class SftpRepository {
  // created on connect: ssh2 is loaded only by a command or service that exports to SFTP
  private connected?: SftpClient;
  private mismatch?: string;

  constructor(
    private readonly connection: SftpConnection,
    private readonly login: SftpLogin,
    private readonly pin: HostKeyPin,
  ) {}

  async connect(): Promise<void> {
    const { host, port } = this.connection;
    const { default: Client } = await import('ssh2-sftp-client');
    this.connected = new Client('dataops-export');
    try {
      await this.client.connect({
        host,
        port,
        username: this.login.user,
        privateKey: this.login.privateKey,
        passphrase: this.login.passphrase,
        password: this.login.password,
        readyTimeout: 15_000,
        retries: 0,
        hostVerifier: (key: Buffer) => {
          const ok = hostKeyMatches(key, this.pin, host, port);
          if (!ok) this.mismatch = fingerprintOf(key);
          return ok;
        },
      });
    } catch (error) {
      if (this.mismatch) {
        throw new TerminalError(
          `SFTP ${host}:${port}: the server's host key (${this.mismatch}) does not match the pinned key (${this.pin.fingerprint ?? this.pin.knownHostsFile}); refusing to connect`,
        );
      }
      const message = (error as Error).message;
      if (/authentication|All configured authentication methods failed/i.test(message)) throw new TerminalError(`SFTP ${host}:${port}: authentication failed for ${this.login.user}`);
      throw new TransientError(`SFTP ${host}:${port}: ${message}`, { cause: error });
    }
  }

  async readText(path: string): Promise<string | undefined> {
    if (!(await this.client.exists(path))) return undefined;
    return ((await this.client.get(path)) as Buffer).toString('utf8');
  }

  async ensureDirectory(path: string): Promise<void> {
    try {
      await this.client.mkdir(path, true);
    } catch (error) {
      throw new TerminalError(`SFTP: cannot create or write remote directory ${path}: ${(error as Error).message}`, { subject: path });
    }
  }

  /** Upload to `.<name>.part`, then rename over the final name (replacing a crashed attempt's file). */
  async uploadAtomically(local: string | Buffer, remoteDir: string, name: string): Promise<void> {
    const temporary = `${remoteDir}/.${name}.part`;
    const final = `${remoteDir}/${name}`;
    try {
      await this.client.put(local, temporary);
      await this.client.posixRename(temporary, final);
    } catch (error) {
      const message = (error as Error).message;
      if (/permission denied/i.test(message)) throw new TerminalError(`SFTP: remote directory ${remoteDir} is not writable: ${message}`, { subject: remoteDir });
      throw new TransientError(`SFTP upload of ${final}: ${message}`, { cause: error });
    }
  }

  async removeTemporaryFiles(remoteDir: string): Promise<void> {
    for (const entry of await this.client.list(remoteDir)) if (entry.name.endsWith('.part')) await this.client.delete(`${remoteDir}/${entry.name}`, true);
  }

  async close(): Promise<void> {
    await this.connected?.end().catch(() => undefined);
  }

  private get client(): SftpClient {
    if (!this.connected) throw new Error('SFTP: connect() first');
    return this.connected;
  }
}

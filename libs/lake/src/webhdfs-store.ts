import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TerminalError, TransientError } from '@dataops/errors';
import type { LakeEntry, LakeStore } from './lake-store';

/**
 * The lake and warehouse on HDFS, seen from Node through WebHDFS (the NameNode's REST API,
 * `/webhdfs/v1`), with Node's own fetch (node:http for the one DataNode upload, see putToDataNode): no
 * Hadoop client, no JVM, no native library. Only the small
 * files the services handle go through here (manifests, commit markers, pointer files, listings);
 * the data itself is written and read by Spark over hdfs://.
 *
 * Commit primitive: `writeTextAtomically` writes a dot-named temporary file beside the target
 * (CREATE, two steps: NameNode, then the DataNode it redirects to) and renames it over the target with
 * `op=RENAME&renameoptions=OVERWRITE`. That parameter is not in the WebHDFS REST page but is part of
 * the protocol (RenameOptionSetParam; WebHdfsFileSystem.rename(src, dst, Rename.OVERWRITE) sends it):
 * the NameNode runs rename2 with OVERWRITE, which replaces an existing file in one namespace
 * operation under its lock. Readers see the old text or the new one, never a missing or partial file.
 * (Plain RENAME onto an existing file answers {"boolean": false} and changes nothing.)
 */
export interface WebHdfsOptions {
  /** the NameNode's HTTP address, e.g. http://127.0.0.1:9870 (a trailing /webhdfs/v1 is accepted) */
  webhdfs: string;
  /** the hdfs:// URI the store's paths start with, e.g. hdfs://127.0.0.1:9000 or hdfs://nameservice1 */
  root: string;
  /** WebHDFS `user.name` (simple authentication); default 'dataops' */
  user?: string;
  /** per-request timeout; default 30 s */
  timeoutMs?: number;
  /** for tests */
  fetch?: typeof fetch;
}

/** A WebHDFS FileStatus (the fields used here). */
export interface WebHdfsFileStatus {
  pathSuffix: string;
  type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  length: number;
  modificationTime: number;
  owner: string;
  group: string;
  permission: string;
  replication: number;
}

interface RemoteException {
  exception: string;
  javaClassName?: string;
  message: string;
}

/** A WebHDFS error answer that is not transient: the NameNode's RemoteException, with the HTTP status. */
export class WebHdfsError extends TerminalError {
  constructor(
    readonly status: number,
    readonly exception: string,
    message: string,
    subject?: string,
  ) {
    super(message, { subject });
  }
}

// Exceptions that mean "try again later": a standby or restarting NameNode, safe mode, a busy server.
const TRANSIENT_EXCEPTIONS = new Set(['StandbyException', 'RetriableException', 'SafeModeException', 'ObserverRetryOnActiveException', 'ConnectException', 'SocketTimeoutException']);

type Query = Record<string, string | number | boolean | undefined>;

/** A small typed WebHDFS v1 client: the operations the lake stores need. */
export class WebHdfsClient {
  private readonly base: string;
  private readonly user: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: Pick<WebHdfsOptions, 'webhdfs' | 'user' | 'timeoutMs' | 'fetch'>) {
    this.base = options.webhdfs.replace(/\/+$/, '').replace(/\/webhdfs\/v1$/, '') + '/webhdfs/v1';
    this.user = options.user ?? 'dataops';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** undefined when the path does not exist */
  async getFileStatus(path: string): Promise<WebHdfsFileStatus | undefined> {
    try {
      const body = await this.json<{ FileStatus: WebHdfsFileStatus }>('GET', path, { op: 'GETFILESTATUS' });
      return body.FileStatus;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** the entries of a directory (of a file: the file itself, with pathSuffix ''); throws WebHdfsError 404 when missing */
  async listStatus(path: string): Promise<WebHdfsFileStatus[]> {
    const body = await this.json<{ FileStatuses: { FileStatus: WebHdfsFileStatus[] } }>('GET', path, { op: 'LISTSTATUS' });
    return body.FileStatuses.FileStatus;
  }

  /** the file's bytes; throws WebHdfsError 404 when missing. OPEN redirects to a DataNode; fetch follows it. */
  async open(path: string): Promise<Buffer> {
    const response = await this.request('GET', this.url(path, { op: 'OPEN' }), { redirect: 'follow' });
    if (!response.ok) throw await this.failure(response, 'OPEN', path);
    return Buffer.from(await response.arrayBuffer());
  }

  /**
   * CREATE in the protocol's two steps: the NameNode answers 307 with a DataNode's address (nothing is
   * sent to it yet), then the data goes to that DataNode, which answers 201 once the file is closed.
   */
  async create(path: string, data: Buffer | string, options: { overwrite?: boolean } = {}): Promise<void> {
    const first = await this.request('PUT', this.url(path, { op: 'CREATE', overwrite: options.overwrite ?? false, createparent: true }), { redirect: 'manual' });
    const location = first.headers.get('location');
    if (first.status !== 307 || !location) {
      if (!first.ok) throw await this.failure(first, 'CREATE', path);
      throw new TerminalError(`WebHDFS CREATE ${path}: expected a 307 redirect to a DataNode, got HTTP ${first.status}`, { subject: path });
    }
    await first.arrayBuffer().catch(() => undefined);
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const second = await this.putToDataNode(location, body);
    if (second.status !== 201) throw this.failureOf(second.status, second.text, 'CREATE (DataNode)', path);
  }

  /**
   * The DataNode's WebHDFS server (Netty) answers every CREATE with an unsolicited `100 Continue`
   * before its `201 Created`, which Node's fetch (undici) rejects as "bad response" (UND_ERR_SOCKET).
   * node:http handles informational responses, so this one request goes through it.
   */
  private putToDataNode(location: string, body: Buffer): Promise<{ status: number; text: string }> {
    const url = new URL(location);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolvePut, rejectPut) => {
      const fail = (error: Error) =>
        rejectPut(new TransientError(`WebHDFS PUT ${url.host}${url.pathname} (DataNode) failed: ${error.message}`, { cause: error }));
      const request = send(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': body.length }, timeout: this.timeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolvePut({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', fail);
      });
      request.on('timeout', () => request.destroy(new Error(`no answer in ${this.timeoutMs} ms`)));
      request.on('error', fail);
      request.end(body);
    });
  }

  async mkdirs(path: string): Promise<void> {
    const body = await this.json<{ boolean: boolean }>('PUT', path, { op: 'MKDIRS' });
    if (!body.boolean) throw new TerminalError(`WebHDFS MKDIRS ${path} answered false`, { subject: path });
  }

  /**
   * RENAME. With overwrite, the NameNode's rename2(OVERWRITE): an existing destination file (or empty
   * directory) is replaced atomically; without it, false (no change) when the destination exists.
   */
  async rename(from: string, to: string, options: { overwrite?: boolean } = {}): Promise<boolean> {
    if (options.overwrite) {
      // rename2 answers 200 with an empty body, or a RemoteException
      const response = await this.request('PUT', this.url(from, { op: 'RENAME', destination: to, renameoptions: 'OVERWRITE' }), { redirect: 'manual' });
      if (!response.ok) throw await this.failure(response, 'RENAME', from);
      // A server that ignores renameoptions (HttpFS accepts only `destination` for RENAME) answers a
      // plain rename's {"boolean": false} when the target exists: never take that for success.
      const text = (await response.text().catch(() => '')).trim();
      if (text && /"boolean"\s*:\s*false/.test(text)) {
        throw new TerminalError(`WebHDFS RENAME ${from} -> ${to} with renameoptions=OVERWRITE answered ${text}: this server does not support rename with overwrite (HttpFS?); point storage.webhdfs at a NameNode`, { subject: to });
      }
      return true;
    }
    const body = await this.json<{ boolean: boolean }>('PUT', from, { op: 'RENAME', destination: to });
    return body.boolean;
  }

  /** false when there was nothing to delete */
  async delete(path: string, options: { recursive?: boolean } = {}): Promise<boolean> {
    const body = await this.json<{ boolean: boolean }>('DELETE', path, { op: 'DELETE', recursive: options.recursive ?? false });
    return body.boolean;
  }

  private async json<T>(method: string, path: string, query: Query): Promise<T> {
    const response = await this.request(method, this.url(path, query), { redirect: 'manual' });
    if (!response.ok) throw await this.failure(response, String(query.op), path);
    return (await response.json()) as T;
  }

  private url(path: string, query: Query): string {
    if (!path.startsWith('/')) throw new TerminalError(`WebHDFS path must be absolute: ${path}`, { subject: path });
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    params.set('user.name', this.user);
    return `${this.base}${encodePath(path)}?${params.toString()}`;
  }

  private async request(method: string, url: string, init: { redirect: 'follow' | 'manual'; body?: Buffer; headers?: Record<string, string> }): Promise<Response> {
    try {
      return await this.fetchImpl(url, { method, redirect: init.redirect, body: init.body, headers: init.headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      // connection refused or reset, DNS, timeout: the NameNode or a DataNode is down or restarting
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new TransientError(`WebHDFS ${method} ${redactUser(url)} failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}`, { cause: error });
    }
  }

  private async failure(response: Response, op: string, path: string): Promise<Error> {
    return this.failureOf(response.status, await response.text().catch(() => ''), op, path);
  }

  private failureOf(status: number, text: string, op: string, path: string): Error {
    let remote: RemoteException | undefined;
    try {
      remote = (JSON.parse(text) as { RemoteException?: RemoteException }).RemoteException;
    } catch {
      remote = undefined;
    }
    const exception = remote?.exception ?? `HTTP ${status}`;
    const message = `WebHDFS ${op} ${path}: ${exception}: ${remote?.message ?? text.slice(0, 300)}`;
    if (status >= 500 || status === 429 || TRANSIENT_EXCEPTIONS.has(exception)) return new TransientError(message, { subject: path });
    // 404 / FileNotFoundException included: the store's callers turn it into undefined, [] or false
    return new WebHdfsError(status, exception, message, path);
  }
}

/**
 * A LakeStore over WebHDFS for paths under an hdfs:// root, e.g.
 * `new WebHdfsLakeStore({ webhdfs: 'http://127.0.0.1:9870', root: 'hdfs://127.0.0.1:9000' })`
 * serves `hdfs://127.0.0.1:9000/lake/raw/src/orders/_manifests/r1.json`.
 */
export class WebHdfsLakeStore implements LakeStore {
  readonly client: WebHdfsClient;
  private readonly root: string;

  constructor(options: WebHdfsOptions) {
    this.client = new WebHdfsClient(options);
    this.root = options.root.replace(/\/+$/, '');
    if (!/^hdfs:\/\/[^/]+$/.test(this.root)) throw new TerminalError(`WebHdfsLakeStore root must be hdfs://<namenode or nameservice>, got ${options.root}`);
  }

  async readText(path: string): Promise<string | undefined> {
    try {
      return (await this.client.open(this.hdfsPath(path))).toString('utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async writeTextAtomically(path: string, text: string): Promise<void> {
    const target = this.hdfsPath(path);
    const slash = target.lastIndexOf('/');
    const directory = target.slice(0, slash) || '/';
    const name = target.slice(slash + 1);
    if (!name) throw new TerminalError(`not a file path: ${path}`, { subject: path });
    // dot-named, so list() and Spark (which skips _ and . names) never see it; unique per writer
    const temporary = `${directory === '/' ? '' : directory}/.${name}.${process.pid}-${Date.now()}-${randomBytes(4).toString('hex')}.tmp`;
    await this.client.create(temporary, text, { overwrite: false });
    try {
      await this.client.rename(temporary, target, { overwrite: true });
    } catch (error) {
      await this.client.delete(temporary).catch(() => undefined);
      throw error;
    }
  }

  async list(path: string): Promise<string[]> {
    let entries: WebHdfsFileStatus[];
    try {
      entries = await this.client.listStatus(this.hdfsPath(path));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    if (entries.length === 1 && entries[0].pathSuffix === '' && entries[0].type === 'FILE') {
      throw new TerminalError(`not a directory: ${path}`, { subject: path });
    }
    return entries.map((entry) => entry.pathSuffix).filter((name) => !name.startsWith('.'));
  }

  async entries(path: string): Promise<LakeEntry[]> {
    let entries: WebHdfsFileStatus[];
    try {
      entries = await this.client.listStatus(this.hdfsPath(path));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    return entries
      .filter((entry) => entry.pathSuffix !== '' && !entry.pathSuffix.startsWith('.'))
      .map((entry) => ({ name: entry.pathSuffix, directory: entry.type === 'DIRECTORY', modifiedMs: entry.modificationTime }));
  }

  async exists(path: string): Promise<boolean> {
    return (await this.client.getFileStatus(this.hdfsPath(path))) !== undefined;
  }

  async remove(path: string): Promise<void> {
    const hdfsPath = this.hdfsPath(path);
    if (hdfsPath === '/') throw new TerminalError(`refusing to remove the root of ${this.root}`, { subject: path });
    await this.client.delete(hdfsPath, { recursive: true });
  }

  /** hdfs://host:port/a/b -> /a/b; anything outside this store's root is a configuration error */
  hdfsPath(path: string): string {
    if (path !== this.root && !path.startsWith(`${this.root}/`)) {
      throw new TerminalError(`${path} is not under this store's HDFS root ${this.root}`, { subject: path });
    }
    const rest = path.slice(this.root.length).replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
    return rest === '' ? '/' : rest;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof WebHdfsError && (error.status === 404 || error.exception === 'FileNotFoundException');
}

/** each segment percent-encoded, keeping the characters Hive-style partition folders use (=, :, @, ,) */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%3D/g, '=').replace(/%3A/g, ':').replace(/%40/g, '@').replace(/%2C/g, ','))
    .join('/');
}

function redactUser(url: string): string {
  return url.replace(/([?&]delegation=)[^&]*/g, '$1…');
}

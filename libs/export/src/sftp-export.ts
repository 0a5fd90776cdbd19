import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { LoadedConfig, SftpConnection, SftpExportTarget } from '@dataops/config';
import { absolute, resolveSftpCredentials } from '@dataops/config';
import type { ModelResult, Reconciliation, TargetResult } from '@dataops/contracts';
import { TerminalError } from '@dataops/errors';
import { compareChecksums, countedOnly, describeMismatches } from '@dataops/reconcile';
import type { ExportJobResult } from './export-job';
import { SftpRepository } from './sftp-repository';

export interface SftpDelivery {
  target: SftpExportTarget;
  model: ModelResult;
  remoteDir: string;
  sftp: SftpRepository;
  /** the manifest already there for this run: nothing to do */
  done?: SftpManifest;
}

export interface SftpManifest {
  runId: string;
  model: string;
  logicalDate: string;
  format: 'csv' | 'parquet';
  files: { name: string; bytes: number; sha256: string; rows: number }[];
  rows: number;
  /** warehouse -> these files, checked before the upload; manifests of older versions: absent */
  reconciliation?: Reconciliation;
  writtenAt: string;
}

export const MANIFEST_NAME = '_MANIFEST.json';

export async function openSftp(connection: SftpConnection, loaded: LoadedConfig): Promise<SftpRepository> {
  const login = resolveSftpCredentials(connection.credentials, loaded.dir);
  const sftp = new SftpRepository(connection, login, {
    knownHostsFile: connection.knownHosts ? absolute(connection.knownHosts, loaded.dir) : undefined,
    fingerprint: connection.hostKeyFingerprint,
  });
  await sftp.connect();
  return sftp;
}

export async function prepareSftpDelivery(target: SftpExportTarget, model: ModelResult, sftp: SftpRepository, logicalDate: string, runId: string): Promise<SftpDelivery> {
  const remoteDir = `${target.remoteDir.replace(/\/+$/, '')}/${model.name}/${logicalDate}`;
  await sftp.ensureDirectory(remoteDir);
  const existing = await sftp.readText(`${remoteDir}/${MANIFEST_NAME}`);
  const manifest = existing ? (JSON.parse(existing) as SftpManifest) : undefined;
  return { target, model, remoteDir, sftp, done: manifest?.runId === runId ? manifest : undefined };
}

/**
 * Files first, each under a temporary name renamed when complete; the manifest (sizes, SHA-256,
 * rows, run id) last, so a receiver that waits for the manifest never reads a partial file.
 */
export async function deliverFiles(delivery: SftpDelivery, written: ExportJobResult['written'][number], runId: string, logicalDate: string): Promise<TargetResult> {
  const { sftp, remoteDir, model, target } = delivery;
  const files = written.files;
  const reconciliation = reconcileFiles(delivery, written);
  await sftp.removeTemporaryFiles(remoteDir);
  const extension = target.format === 'csv' ? (target.gzip ? '.csv.gz' : '.csv') : '.parquet';
  const delivered: SftpManifest['files'] = [];
  for (const [index, file] of files.entries()) {
    const name = `${model.name}-${String(index).padStart(5, '0')}${extension}`;
    await sftp.uploadAtomically(file.local, remoteDir, name);
    delivered.push({ name, bytes: (await stat(file.local)).size, sha256: await sha256(file.local), rows: file.rows });
  }
  const manifest: SftpManifest = {
    runId,
    model: model.name,
    logicalDate,
    format: target.format,
    files: delivered,
    rows: delivered.reduce((sum, file) => sum + file.rows, 0),
    reconciliation,
    writtenAt: new Date().toISOString(),
  };
  await sftp.uploadAtomically(Buffer.from(JSON.stringify(manifest, null, 2)), remoteDir, MANIFEST_NAME);
  return resultOf(delivery, manifest);
}

/** Warehouse and files, before anything is uploaded: the files read back hold the model's values. */
function reconcileFiles(delivery: SftpDelivery, written: ExportJobResult['written'][number]): Reconciliation {
  const name = `${delivery.target.connection}:${delivery.remoteDir}`;
  const mismatches = compareChecksums(written.checksums, written.fileChecksums);
  if (mismatches.length > 0) {
    throw new TerminalError(`export ${delivery.model.name} -> ${name}: reconciliation failed, nothing uploaded: ${describeMismatches(`model ${delivery.model.name}`, 'in the warehouse', `in the ${delivery.target.format} files`, mismatches)}`, {
      subject: name,
    });
  }
  return { from: 'warehouse', to: name, status: 'match', rows: written.checksums.rows, columns: Object.keys(written.checksums.columns).length, countedOnly: countedOnly(written.checksums) };
}

export function resultOf(delivery: SftpDelivery, manifest: SftpManifest): TargetResult {
  return {
    reconciliation: manifest.reconciliation,
    type: 'sftp',
    name: `${delivery.target.connection}:${delivery.remoteDir}`,
    rows: manifest.rows,
    files: [...manifest.files.map((file) => `${delivery.remoteDir}/${file.name}`), `${delivery.remoteDir}/${MANIFEST_NAME}`],
  };
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

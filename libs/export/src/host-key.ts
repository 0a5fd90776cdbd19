import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * ssh2 accepts any server key unless told otherwise. We pin it: the key must match the
 * known_hosts entry for [host]:port (or host on port 22), or the configured SHA-256 fingerprint.
 */
export interface HostKeyPin {
  knownHostsFile?: string;
  fingerprint?: string;
}

export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export function pinnedKeys(pin: HostKeyPin, host: string, port: number): string[] {
  if (!pin.knownHostsFile) return [];
  const names = port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
  return readFileSync(pin.knownHostsFile, 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 3 && !fields[0].startsWith('#') && fields[0].split(',').some((name) => names.includes(name)))
    .map((fields) => fields[2]);
}

export function hostKeyMatches(key: Buffer, pin: HostKeyPin, host: string, port: number): boolean {
  if (pin.fingerprint) return fingerprintOf(key) === pin.fingerprint.replace(/=+$/, '');
  return pinnedKeys(pin, host, port).includes(key.toString('base64'));
}

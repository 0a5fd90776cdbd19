import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka } from '@dataops/messaging';

/**
 * Every secret the local stack holds, as the strings that must never appear anywhere else:
 * passwords (password files and the --password of options files), the runs API token, and the
 * body lines of private keys.
 */
export function configuredSecrets(folder: string): { name: string; value: string }[] {
  const secrets: { name: string; value: string }[] = [];
  for (const name of readdirSync(folder)) {
    const text = readFileSync(join(folder, name), 'utf8');
    if (name.endsWith('.password') || name === 'api-token') secrets.push({ name, value: text.trim() });
    else if (name.endsWith('.options')) {
      const lines = text.split('\n').map((line) => line.trim());
      const index = lines.indexOf('--password');
      if (index >= 0 && lines[index + 1]) secrets.push({ name, value: lines[index + 1] });
    } else if (/PRIVATE KEY-----/.test(text)) {
      // a long line of the key's body identifies it; the armour lines are the same in every key
      const body = text.split('\n').filter((line) => line.length >= 40 && !line.startsWith('-----'));
      if (body[0]) secrets.push({ name, value: body[0] });
    }
  }
  return secrets.filter((secret) => secret.value.length >= 8);
}

/** Samples `ps` (every process's arguments) while a test runs: argv must never hold a secret. */
export class ProcessSampler {
  private readonly lines = new Set<string>();
  private timer?: NodeJS.Timeout;

  start(everyMs = 500): void {
    this.timer = setInterval(() => {
      for (const line of execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n')) this.lines.add(line);
    }, everyMs);
    this.timer.unref();
  }

  stop(): string {
    clearInterval(this.timer);
    return [...this.lines].join('\n');
  }
}

/** Every file under a folder, as bytes (binary files too: a Parquet file must not hold a password). */
export function filesUnder(folder: string, limitBytes = 64 * 1024 * 1024): { path: string; bytes: Buffer }[] {
  if (!existsSync(folder)) return [];
  const found: { path: string; bytes: Buffer }[] = [];
  const walk = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    else if (stat.isFile() && stat.size <= limitBytes) found.push({ path, bytes: readFileSync(path) });
  };
  walk(folder);
  return found;
}

/** Every message on the DataOps topics, from the first offset (the value and the key as text). */
export async function topicContents(brokers: string[]): Promise<string> {
  const kafka = createKafka({ brokers, clientId: 'secret-audit' });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((topic) => topic.startsWith('dataops.'));
  const ends = new Map<string, number>();
  for (const topic of topics) ends.set(topic, (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0));
  await admin.disconnect();
  const expected = [...ends.values()].reduce((a, b) => a + b, 0);
  const consumer = kafka.consumer({ groupId: `secret-audit-${process.pid}-${Date.now()}` });
  const chunks: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void chunks.push(`${message.key?.toString() ?? ''} ${message.value?.toString() ?? ''}`) });
  for (let waited = 0; chunks.length < expected && waited < 60_000; waited += 250) await new Promise((resolve) => setTimeout(resolve, 250));
  await consumer.disconnect();
  if (chunks.length < expected) throw new Error(`read ${chunks.length} of ${expected} messages from ${topics.length} topics`);
  return chunks.join('\n');
}

/** `where: secret name` for each secret found in a text or a file: the audit expects none. */
export function leaks(secrets: { name: string; value: string }[], places: { where: string; bytes: Buffer | string }[]): string[] {
  const found: string[] = [];
  for (const place of places) {
    const bytes = typeof place.bytes === 'string' ? Buffer.from(place.bytes) : place.bytes;
    for (const secret of secrets) {
      if (bytes.includes(secret.value) || bytes.includes(encodeURIComponent(secret.value))) found.push(`${place.where}: ${secret.name}`);
    }
  }
  return found;
}

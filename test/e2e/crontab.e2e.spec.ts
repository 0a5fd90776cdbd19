import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseEnvelope, Topics, type RunRequested } from '@dataops/contracts';
import { createKafka } from '@dataops/messaging';
import { repoRoot, tempDir, writeTestConfig } from '../support/stack';

const run = promisify(execFile);
const crontab = async (...args: string[]) => (await run('crontab', args).catch((error) => ({ stdout: (error as { stdout: string }).stdout }))).stdout;

describe('dataops crontab with the real cron daemon', () => {
  const pipeline = `cron_${randomBytes(3).toString('hex')}`;
  const root = tempDir('dataops-cron');
  const systemZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const configFile = writeTestConfig({
    root,
    sourceDatabase: 'retail',
    pipeline,
    pipelineYaml: `schedule: { cron: "* * * * *", timezone: ${systemZone} }\nsource: { connection: src }\n`,
  });
  const dataops = (...args: string[]) => run(process.execPath, [join(repoRoot, 'bin', 'dataops'), ...args, '-c', configFile]);
  let before = '';

  beforeAll(async () => {
    before = await crontab('-l');
    await run('bash', ['-c', `(crontab -l 2>/dev/null; echo '# a line that is not ours'; echo '17 3 * * * /bin/true') | crontab -`]);
  });

  afterAll(async () => {
    await dataops('crontab', 'remove').catch(() => undefined);
    await run('bash', ['-c', `printf '%s' "$1" | crontab -`, 'restore', before]);
  });

  it('installs an entry that cron fires, publishing a scheduled run request, and removes only its block', async () => {
    const consumer = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'cron-test' }).consumer({ groupId: `cron-test-${pipeline}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [Topics.runRequested], fromBeginning: false });
    const received = new Promise<RunRequested & { runId: string }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const event = parseEnvelope(message.value);
          if (event.pipeline === pipeline) resolve({ ...(event.payload as RunRequested), runId: event.runId });
        },
      });
    });
    await dataops('crontab', 'install');
    await dataops('crontab', 'install'); // idempotent: still one block
    const installed = await crontab('-l');
    expect(installed.match(/# BEGIN dataops/g)).toHaveLength(1);
    expect(installed).toContain(`trigger ${pipeline} --if-due`);

    const request = await Promise.race([received, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('cron did not fire within 130 s')), 130_000))]);
    await consumer.disconnect();
    expect(request.trigger).toBe('cron');
    expect(request.runId).toMatch(new RegExp(`^${pipeline}-\\d{8}T\\d{4}00Z$`));

    await dataops('crontab', 'remove');
    const after = await crontab('-l');
    expect(after).not.toContain('dataops');
    expect(after).toContain('17 3 * * * /bin/true');
  });
});

import execa from 'execa';

/** The user's crontab through the `crontab` command (Debian's cron). */
export class CrontabRepository {
  async read(): Promise<string> {
    const result = await execa('crontab', ['-l'], { reject: false });
    if (result.exitCode === 0) return result.stdout.length > 0 ? `${result.stdout}\n` : '';
    if (/no crontab for/i.test(result.stderr)) return '';
    throw new Error(`crontab -l failed: ${result.stderr}`);
  }

  async write(crontab: string): Promise<void> {
    await execa('crontab', ['-'], { input: crontab });
  }
}

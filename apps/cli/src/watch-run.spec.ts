import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunSummary } from '@dataops/contracts';
import { runCli } from './main';

jest.setTimeout(30_000);

const runId = 'retail-20261129T030000Z-abc123';
// the run started 5 s before the first poll, so the reading sample (5 s in) is fresh when polled
let start = 0;
const at = (seconds: number) => new Date(start + seconds * 1000).toISOString();

function run(status: RunSummary['status'], ingest: 'running' | 'succeeded'): RunSummary {
  return {
    runId,
    pipeline: 'retail',
    status,
    attempt: 1,
    startedAt: at(0),
    finishedAt: status === 'succeeded' ? at(20) : null,
    stages: {
      ingest: {
        status: ingest,
        startedAt: at(0),
        finishedAt: ingest === 'succeeded' ? at(20) : null,
        tables: ingest === 'succeeded' ? [{ table: 'orders', mode: 'full', rows: 40_000, files: 1, path: '/lake/orders' }] : [],
      },
    },
  };
}

const progress = (rows: number, phase: string, seconds: number) => ({ orders: { rows, estimatedRows: 40_000, phase, at: at(seconds), startedAt: at(0) } });

/** What the runs API answers on each poll: a run reading orders, then done. */
const polls = () => [
  { run: run('running', 'running'), attempts: [{ stage: 'ingest', attempt: 1, workStatus: 'running', progress: progress(10_000, 'reading', 5) }], decisions: [] },
  { run: run('running', 'running'), attempts: [{ stage: 'ingest', attempt: 1, workStatus: 'running', progress: progress(10_000, 'reading', 5) }], decisions: [] },
  { run: run('succeeded', 'succeeded'), attempts: [{ stage: 'ingest', attempt: 1, workStatus: 'succeeded', progress: progress(40_000, 'done', 20) }], decisions: [] },
];

describe('dataops status --follow (and trigger --wait: the same follower)', () => {
  let server: Server;
  let url: string;
  let calls = 0;
  beforeEach(async () => {
    calls = 0;
    server = createServer((_request, response) => {
      if (calls === 0) start = Date.now() - 5000;
      const answers = polls();
      const body = answers[Math.min(calls, answers.length - 1)];
      calls += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(body));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise((closed) => server.close(closed)));

  const follow = async (...extra: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['status', runId, '--follow', '--api', url, ...extra], { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) }, { DATAOPS_CONFIG: '/nonexistent/dataops.yaml' });
    return { code, stdout, stderr };
  };

  it('prints plain lines without a terminal: progress with rows/s and time left, each line once, then the summary', async () => {
    const { code, stdout } = await follow();
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toContain('  ingest  orders  10,000 of ~40,000 rows, 2,000 rows/s, ~15s left (reading)');
    expect(lines.filter((line) => line.trim().startsWith('ingest orders:'))).toEqual(['  ingest orders: 40000 rows']);
    expect(lines.filter((line) => line.includes('ingest  orders'))).toHaveLength(1);
    expect(stdout).toContain(`run ${runId} (retail): SUCCEEDED`);
  });

  it('prints JSON lines with --json: the samples, then the run summary last', async () => {
    const { code, stdout, stderr } = await follow('--json');
    expect(code).toBe(0);
    const objects = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(objects.slice(0, -1)).toEqual([
      expect.objectContaining({ type: 'progress', stage: 'ingest', subject: 'orders', rows: 10_000, rowsPerSecond: 2000, phase: 'reading' }),
      expect.objectContaining({ type: 'progress', stage: 'ingest', subject: 'orders', rows: 40_000, done: true }),
    ]);
    expect(objects.at(-1)).toMatchObject({ runId, status: 'succeeded' });
    // people still read the run's lines, on stderr
    expect(stderr).toContain('ingest orders: 40000 rows');
  });
});

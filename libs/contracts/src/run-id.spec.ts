import { envelope, isCalendarDate, logicalDateSchema, runIdProblem } from './events';
import { makeEnvelope } from './make-envelope';
import { Topics } from './topics';

describe('run ids and logical dates from outside', () => {
  it.each(['retail-20261129T030000Z-abc123', 'retail-ingest-20261129T000000Z', 'retail-backfill-20261101', 'e2e_07a677-early-07a677', 'A1', 'x'.repeat(200)])(
    'accepts the run id %s',
    (runId) => expect(runIdProblem(runId)).toBeUndefined(),
  );

  it.each(['../../etc', 'a/b', '.hidden', 'run..', '..', 'x y', 'x\ny', '-leading', 'x'.repeat(201), '', 'C:\\x', 'a%2Fb'])('refuses the run id %j, saying why', (runId) => {
    expect(runIdProblem(runId)).toMatch(/is not allowed: a run id names folders, so it may hold only letters, digits, _ and -/);
  });

  it('makes an envelope with a path in its run id unparseable: a consumer dead-letters it instead of writing there', () => {
    const event = makeEnvelope(Topics.runRequested, { trigger: 'external', logicalDate: '2026-11-29', fullRefresh: false }, { runId: 'ok-run', pipeline: 'retail', producer: 'test' });
    expect(envelope.safeParse(event).success).toBe(true);
    expect(envelope.safeParse({ ...event, runId: '../../etc' }).success).toBe(false);
  });

  it.each([
    ['2026-02-28', true],
    ['2024-02-29', true],
    ['2026-02-29', false],
    ['2026-02-30', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-1-1', false],
    ['29/11/2026', false],
  ])('%s is a calendar date: %s', (text, expected) => {
    expect(isCalendarDate(text)).toBe(expected);
    expect(logicalDateSchema.safeParse(text).success).toBe(expected);
  });
});

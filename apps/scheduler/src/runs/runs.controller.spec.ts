import 'reflect-metadata';
import { HttpException } from '@nestjs/common';
import type { RunCoordinator, RunLedger } from '@dataops/ledger';
import type { ApiToken } from './api-token';
import { RunsController } from './runs.controller';

describe('RunsController with dates the calendar does not have', () => {
  const request = jest.fn();
  const controller = new RunsController({} as RunLedger, { request } as unknown as RunCoordinator, { check: () => undefined } as unknown as ApiToken);

  it.each([
    ['a trigger', () => controller.trigger('p', { logicalDate: '2026-02-30' }), 'logicalDate: expected a date the calendar has'],
    ['a backfill', () => controller.backfill('p', { from: '2026-02-29', to: '2026-03-01' }), 'from: expected a date the calendar has'],
  ])('answers 400 to %s, and requests no run', async (_kind, call, message) => {
    const failure = call();
    await expect(failure).rejects.toBeInstanceOf(HttpException);
    await expect(failure).rejects.toMatchObject({ status: 400, response: { message: [message] } });
    expect(request).not.toHaveBeenCalled();
  });
});

import { Body, Controller, Get, Headers, HttpCode, HttpException, HttpStatus, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { logicalDateSchema, stageSelection } from '@dataops/contracts';
import { RunCoordinator, RunLedger } from '@dataops/ledger';
import { backfillRunId, manualRunId } from '@dataops/schedule';
import { DataopsError } from '@dataops/errors';
import { ApiToken } from './api-token';

const triggerBody = z
  .object({
    logicalDate: logicalDateSchema.optional(),
    fullRefresh: z.boolean().default(false),
    tables: z.array(z.string().min(1)).optional(),
    /** e.g. ["ingest"] or ["transform", "export"]; default: every stage */
    stages: stageSelection.optional(),
  })
  .strict();

const cancelBody = z.object({ reason: z.string().min(1).max(500).default('no reason given'), by: z.string().min(1).max(100).default('api') }).strict();
const backfillBody = z
  .object({ from: logicalDateSchema, to: logicalDateSchema, stages: stageSelection.optional() })
  .strict();

const MAX_BACKFILL_DAYS = 366;

/** The runs API of SPEC.md: trigger, list, show, retry, cancel, backfill. Every POST needs the bearer token. */
@Controller()
export class RunsController {
  constructor(
    private readonly ledger: RunLedger,
    private readonly coordinator: RunCoordinator,
    private readonly token: ApiToken,
  ) {}

  @Post('pipelines/:name/runs')
  @HttpCode(HttpStatus.ACCEPTED)
  async trigger(@Param('name') pipeline: string, @Body() body: unknown, @Headers('authorization') authorization?: string) {
    this.token.check(authorization);
    const request = parse(triggerBody, body ?? {});
    const runId = manualRunId(pipeline);
    const logicalDate = request.logicalDate ?? new Date().toISOString().slice(0, 10);
    await guard(() => this.coordinator.request(pipeline, { trigger: 'api', logicalDate, fullRefresh: request.fullRefresh, tables: request.tables, stages: request.stages }, runId));
    return { runId };
  }

  @Post('pipelines/:name/backfill')
  @HttpCode(HttpStatus.ACCEPTED)
  async backfill(@Param('name') pipeline: string, @Body() body: unknown, @Headers('authorization') authorization?: string) {
    this.token.check(authorization);
    const { from, to, stages } = parse(backfillBody, body ?? {});
    const dates = datesBetween(from, to);
    const runIds: string[] = [];
    for (const logicalDate of dates) {
      const runId = backfillRunId(pipeline, logicalDate, stages);
      await guard(() => this.coordinator.request(pipeline, { trigger: 'backfill', logicalDate, fullRefresh: false, stages }, runId));
      runIds.push(runId);
    }
    return { runIds };
  }

  /** The pipelines this scheduler serves (a trigger for any other is ignored). */
  @Get('pipelines')
  pipelines() {
    return this.ledger.pipelines;
  }

  @Get('runs')
  async list(@Query('pipeline') pipeline?: string, @Query('limit') limit?: string) {
    return this.ledger.list({ pipeline, limit: Math.min(Number(limit ?? 50) || 50, 500) });
  }

  @Get('runs/:id')
  async show(@Param('id') runId: string) {
    const run = await this.ledger.get(runId);
    if (!run) throw new NotFoundException(`no run ${runId} in the ledger (yet): the scheduler records a run when it reads its request from dataops.run.requested`);
    const [attempts, decisions] = await Promise.all([this.ledger.stageAttempts(runId), this.ledger.decisions(runId)]);
    return { run, attempts, decisions };
  }

  @Post('runs/:id/retry')
  @HttpCode(HttpStatus.ACCEPTED)
  async retry(@Param('id') runId: string, @Headers('authorization') authorization?: string) {
    this.token.check(authorization);
    const run = await guard(() => this.coordinator.retry(runId));
    return { runId, retriedFrom: run.error?.stage ?? null };
  }

  @Post('runs/:id/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  async cancel(@Param('id') runId: string, @Body() body: unknown, @Headers('authorization') authorization?: string) {
    this.token.check(authorization);
    const { reason, by } = parse(cancelBody, body ?? {});
    const outcome = await this.ledger.get(runId).then((run) => (run ? this.coordinator.cancel(runId, by, reason) : undefined));
    if (!outcome) throw new NotFoundException(`no run ${runId}`);
    if (!outcome.cancelled) throw new HttpException({ statusCode: 409, message: outcome.reason }, HttpStatus.CONFLICT);
    return { runId, status: outcome.summary.status };
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const message = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
    throw new HttpException({ statusCode: 400, message }, HttpStatus.BAD_REQUEST);
  }
  return result.data;
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DataopsError && error.errorClass === 'terminal') {
      const status = /^no run|unknown pipeline/.test(error.message) ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT;
      throw new HttpException({ statusCode: status, message: error.message }, status);
    }
    throw error;
  }
}

export function datesBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
    throw new HttpException({ statusCode: 400, message: `backfill range ${from}..${to} is empty or invalid` }, HttpStatus.BAD_REQUEST);
  }
  const days = Math.round((end - start) / 86_400_000) + 1;
  if (days > MAX_BACKFILL_DAYS) {
    throw new HttpException({ statusCode: 400, message: `backfill of ${days} days exceeds ${MAX_BACKFILL_DAYS}; split it` }, HttpStatus.BAD_REQUEST);
  }
  return Array.from({ length: days }, (_, index) => new Date(start + index * 86_400_000).toISOString().slice(0, 10));
}

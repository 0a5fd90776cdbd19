import { DataopsError, TerminalError, TransientError } from '@dataops/errors';

export interface JobOutcome {
  exitCode: number;
  /** the result file's text, when the job wrote one */
  result?: string;
  stderrTail: string[];
  stoppedBy?: 'timeout' | 'aborted';
  /** a signal from outside (the OOM killer, an operator) ended the job */
  killedBy?: string;
}

interface JobErrorReport {
  errorClass?: 'terminal' | 'transient';
  message?: string;
  subject?: string | null;
}

/** Turns a finished spark-submit into an error of the right class, or undefined when it succeeded. */
export function jobFailure(outcome: JobOutcome, script: string): DataopsError | undefined {
  if (outcome.stoppedBy === 'timeout') return new TransientError(`Spark job ${script} exceeded its timeout and was stopped`);
  if (outcome.stoppedBy === 'aborted') return new TransientError(`Spark job ${script} was stopped because the service is shutting down`);
  if (outcome.killedBy && !outcome.result) {
    return new TransientError(`Spark job ${script} was killed by ${outcome.killedBy} (out of memory, or an operator?); its output was not committed and a retry starts it again`);
  }
  const report = readReport(outcome.result);
  if (report?.message) {
    const ErrorType = report.errorClass === 'transient' ? TransientError : TerminalError;
    return new ErrorType(report.message, { subject: report.subject ?? undefined });
  }
  if (outcome.exitCode === 0 && outcome.result) return undefined;
  const tail = outcome.stderrTail.filter((line) => /error|exception/i.test(line)).slice(-5).join('\n');
  return new TerminalError(
    `Spark job ${script} failed (exit code ${outcome.exitCode}) without a result; last errors:\n${tail || outcome.stderrTail.slice(-5).join('\n')}`,
  );
}

function readReport(result: string | undefined): JobErrorReport | undefined {
  if (!result) return undefined;
  try {
    const parsed = JSON.parse(result) as { error?: JobErrorReport };
    return parsed.error;
  } catch {
    return { errorClass: 'terminal', message: 'the Spark job wrote an unreadable result file' };
  }
}

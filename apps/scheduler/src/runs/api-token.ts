import { timingSafeEqual } from 'node:crypto';
import { HttpException, HttpStatus } from '@nestjs/common';
import { absolute, readPrivateFile } from '@dataops/config';

/**
 * The bearer token every mutating call of the runs API needs (trigger, backfill, retry, cancel).
 * It is read from a file that must be private (mode 0600), like every other credential, and is
 * never logged. Without a configured file the API is open, and the scheduler says so at start.
 */
export class ApiToken {
  private constructor(private readonly token: Buffer | undefined) {}

  static fromFile(file: string | undefined, configDir: string): ApiToken {
    if (!file) return new ApiToken(undefined);
    const text = readPrivateFile(absolute(file, configDir), 'api.tokenFile').trim();
    if (text.length < 16) throw new Error(`api.tokenFile ${file}: the token is shorter than 16 characters; generate one with: openssl rand -hex 32 > ${file}`);
    return new ApiToken(Buffer.from(text));
  }

  get enabled(): boolean {
    return this.token !== undefined;
  }

  /** Throws 401 unless `authorization` is `Bearer <the token>`. */
  check(authorization: string | undefined): void {
    if (!this.token) return;
    const offered = Buffer.from(/^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim() ?? '');
    if (offered.length !== this.token.length || !timingSafeEqual(offered, this.token)) {
      throw new HttpException(
        { statusCode: 401, message: 'this call needs the runs API bearer token (Authorization: Bearer <token>; the dataops command reads it from api.tokenFile)' },
        HttpStatus.UNAUTHORIZED,
      );
    }
  }
}

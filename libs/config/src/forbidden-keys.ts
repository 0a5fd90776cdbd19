import { formatPath, type ConfigProblem } from './errors';

/**
 * A key that names a secret: password, db_password, spark.hadoop.fs.s3a.secret.key, passphrase…
 * The credential forms' own keys (passwordFile, passwordEnv, passphraseFile) point at a secret and
 * do not match.
 */
const SECRET_KEY = /(password|passwd|passphrase|secret|(^|[._-])pwd|(^|[._-])pass|secret[._-]?(access[._-]?)?key|private[._-]?key)$/i;

export const PASSWORD_IN_CONFIG = 'passwords never go in dataops.yaml: use credentials.passwordFile, optionsFile or passwordEnv';

/**
 * Refuses a secret written into the YAML, wherever it is (a connection, spark.conf, properties):
 * the config file is committed, copied and printed, so it is the wrong place for one. Checked
 * before variables are expanded: `password: ${DB_PASSWORD}` is refused too, since the expanded
 * value would travel with the config object into logs and events.
 */
export function secretKeyProblems(value: unknown, file: string, path: PropertyKey[] = []): ConfigProblem[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => secretKeyProblems(item, file, [...path, index]));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) =>
    SECRET_KEY.test(key) ? [{ file, path: formatPath([...path, key]), message: PASSWORD_IN_CONFIG }] : secretKeyProblems(item, file, [...path, key]),
  );
}

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataopsHome, repoRoot } from './stack';

/** The wrapper scripts/stack.d/70-sqoop.sh writes (real Apache Sqoop 1.4.7, local job runner). */
export const sqoopBin = join(dataopsHome, 'sqoop', 'bin', 'sqoop');

/** Installs Sqoop as `scripts/stack up` does (ensure_sqoop), when a stack started before it lacks it. */
export function ensureSqoop(): void {
  if (existsSync(sqoopBin) && existsSync(join(dataopsHome, 'jars', 'sqoop', '.complete'))) return;
  const script = `set -euo pipefail; REPO=$PWD; export DATAOPS_HOME=${dataopsHome}; STACK=$DATAOPS_HOME/stack RUN=$DATAOPS_HOME/run LOGS=$DATAOPS_HOME/logs SECRETS=$DATAOPS_HOME/secrets JARS=$DATAOPS_HOME/jars VENV=$DATAOPS_HOME/venv POMS=$REPO/scripts/stack.d; export JAVA_HOME=\${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}; source scripts/stack.d/00-common.sh; source scripts/stack.d/70-sqoop.sh; ensure_sqoop`;
  execFileSync('bash', ['-c', script], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}

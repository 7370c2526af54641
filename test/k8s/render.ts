/**
 * Renders the kustomize overlays with the real `kubectl kustomize` and parses the objects.
 * kubectl is preinstalled on these machines and on CI: when it is missing the tests fail with
 * that message rather than skip (a skipped manifest check would pass a broken manifest).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { externalProcess } from '../helpers/test-scope.js';

/** A rendered Kubernetes object (fields are checked by the tests that read them). */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    // biome-ignore lint/suspicious/noExplicitAny: untyped YAML; the models validate it.
    [k: string]: any;
  };
  // biome-ignore lint/suspicious/noExplicitAny: untyped YAML; the models validate it.
  [k: string]: any;
};

/** The overlays a platform engineer applies, each with its directory under k8s/overlays. */
export const OVERLAYS = [
  'ingress-nginx',
  'gateway-api',
  'envoy-gateway',
  'nginx-gateway-fabric',
  'traefik',
  'dev',
] as const;

export type Overlay = (typeof OVERLAYS)[number];

/** Absolute path of a file or folder under k8s/. */
export function k8sPath(relative: string): string {
  return fileURLToPath(new URL(`../../k8s/${relative}`, import.meta.url));
}

/** Parses every YAML document in `text`; a syntax error throws with the file named. */
export function parseObjects(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as K8sObject | null;
    return value === null ? [] : [value];
  });
}

const rendered = new Map<string, K8sObject[]>();

/** `kubectl kustomize k8s/<dir>` parsed into objects (cached per process). */
export function render(dir: string): K8sObject[] {
  const cached = rendered.get(dir);
  if (cached) return cached;
  const objects = renderDirectory(k8sPath(dir), `k8s/${dir}`);
  rendered.set(dir, objects);
  return objects;
}

/**
 * `kubectl kustomize <absolute directory>` parsed into objects, not cached: for a
 * kustomization a test writes to a temporary directory (`label` names it in errors).
 */
export function renderDirectory(directory: string, label = directory): K8sObject[] {
  externalProcess('kubectl');
  let text: string;
  try {
    text = execFileSync('kubectl', ['kustomize', directory], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') {
      throw new Error(
        'kubectl not found on PATH: the manifest tests need `kubectl kustomize` (kubectl ≥ 1.27 with kustomize 5); it is preinstalled on the dev and CI machines',
      );
    }
    throw new Error(`kubectl kustomize ${label} failed: ${err.stderr ?? err.message}`);
  }
  return parseObjects(text, label);
}

/** A plain YAML file under k8s/ (not part of a kustomization). */
export function readObjects(relative: string): K8sObject[] {
  return parseObjects(readFileSync(k8sPath(relative), 'utf8'), `k8s/${relative}`);
}

/** The one object of `kind` (and `name`, if given) in `objects`; throws if not exactly one. */
export function only(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as K8sObject;
}

/** Seconds in a Kubernetes/Gateway API duration ("1h", "90s", "1m30s", "0s"). */
export function durationSeconds(text: string): number {
  const parts = [...String(text).matchAll(/(\d+)(h|ms|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== String(text)) {
    throw new Error(`not a duration: ${text}`);
  }
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * (unit[p[2] as string] as number), 0);
}

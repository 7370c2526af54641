/**
 * Offline schema validation of rendered objects: `kubernetes-models` for core kinds and the
 * `@kubernetes-models/*` packages for Gateway API, KEDA and prometheus-operator objects.
 * Envoy Gateway and NGINX Gateway Fabric policies have no published models: they are listed
 * here and checked field by field in the overlay tests instead.
 */
import type { K8sObject } from './render.js';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

const PACKAGES: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'gateway.networking.k8s.io/v1': '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

/** Kinds without a published model, checked by explicit assertions in the overlay tests. */
export const KINDS_WITHOUT_MODEL = new Set([
  'gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy',
  'gateway.envoyproxy.io/v1alpha1/ClientTrafficPolicy',
  'gateway.nginx.org/v1alpha1/ProxySettingsPolicy',
]);

/**
 * Validates `object` against its model; resolves 'validated' or 'asserted' (a kind in
 * KINDS_WITHOUT_MODEL), and rejects for a schema error or a kind nobody checks.
 */
export async function validateObject(object: K8sObject): Promise<'validated' | 'asserted'> {
  const key = `${object.apiVersion}/${object.kind}`;
  if (KINDS_WITHOUT_MODEL.has(key)) return 'asserted';
  const pkg = PACKAGES[object.apiVersion];
  if (!pkg) throw new Error(`no model package for ${key}: add one or an explicit check`);
  const module = (await import(pkg)) as Record<string, ModelClass | undefined>;
  const Model = module[object.kind];
  if (!Model) throw new Error(`${pkg} has no model ${object.kind}`);
  try {
    new Model(withUnwrappedSecretData(object)).validate();
  } catch (error) {
    throw new Error(`${key} ${object.metadata.name}: ${(error as Error).message}`);
  }
  return 'validated';
}

/**
 * kustomize wraps a generated Secret's long base64 values at 70 characters; the API server
 * decodes them line breaks and all (Go's base64 skips them), but the models' `byte` format
 * does not allow them: they are checked without the breaks.
 */
function withUnwrappedSecretData(object: K8sObject): K8sObject {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.fromEntries(
    Object.entries(object.data as Record<string, string>).map(([k, v]) => [
      k,
      v.replace(/\s/g, ''),
    ]),
  );
  return { ...object, data };
}

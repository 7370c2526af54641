import test from 'ava';
import { loadConfig, SETTING_NAMES } from '../../src/config.js';
import { KINDS_WITHOUT_MODEL, validateObject } from './models.js';
import { durationSeconds, type K8sObject, OVERLAYS, only, readObjects, render } from './render.js';

const deploymentOf = (overlay: string) =>
  only(render(`overlays/${overlay}`), 'Deployment', 'spoolcast');
const containerOf = (overlay: string) => deploymentOf(overlay).spec.template.spec.containers[0];
const configOf = (overlay: string): Record<string, string> =>
  only(render(`overlays/${overlay}`), 'ConfigMap', 'spoolcast').data;

for (const overlay of OVERLAYS) {
  test(`overlay ${overlay}: every rendered object passes its schema or an explicit check`, async (t) => {
    const objects = render(`overlays/${overlay}`);
    t.true(objects.length >= 4);
    for (const object of objects) {
      const how = await validateObject(object);
      t.true(how === 'validated' || KINDS_WITHOUT_MODEL.has(`${object.apiVersion}/${object.kind}`));
    }
  });

  test(`overlay ${overlay}: the ConfigMap with the Secret's keys is a valid spoolcast config`, (t) => {
    const data = configOf(overlay);
    for (const key of Object.keys(data))
      t.true(SETTING_NAMES.includes(key), `${key} is not a setting`);
    const secret = only(readObjects('base/secret.example.yaml'), 'Secret');
    const config = loadConfig({ ...data, ...secret.stringData });
    t.is(config.port, 8000);
    t.true(config.maxClients > 0);
  });

  test(`overlay ${overlay}: termination grace outlasts preStop + DRAIN_DELAY_S + SHUTDOWN_DRAIN_S`, (t) => {
    const spec = deploymentOf(overlay).spec.template.spec;
    const config = loadConfig(configOf(overlay));
    const preStopS = containerOf(overlay).lifecycle.preStop.sleep.seconds as number;
    const drainS = (config.drainDelayMs + config.shutdownDrainMs) / 1000;
    // The final close (bus, pool, last flushes) needs a few seconds: keep at least 10 spare.
    t.true(spec.terminationGracePeriodSeconds >= preStopS + drainS + 10);
    t.true(preStopS >= 5);
  });
}

test('the Secret example validates and holds only the password keys', async (t) => {
  const [secret] = readObjects('base/secret.example.yaml');
  t.is(await validateObject(secret as K8sObject), 'validated');
  t.deepEqual(Object.keys(secret?.stringData).sort(), [
    'REDIS_PASSWORD',
    'REDIS_SENTINEL_PASSWORD',
  ]);
});

test('Deployment: ≥ 3 replicas, a roll that never drops capacity, spread over zones and hosts', (t) => {
  const deployment = deploymentOf('ingress-nginx');
  t.true(deployment.spec.replicas >= 3);
  t.is(deployment.spec.strategy.type, 'RollingUpdate');
  t.is(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);
  t.true(deployment.spec.strategy.rollingUpdate.maxSurge >= 1);
  const keys = deployment.spec.template.spec.topologySpreadConstraints.map(
    (c: { topologyKey: string }) => c.topologyKey,
  );
  t.deepEqual(keys, ['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
  t.deepEqual(deployment.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'spoolcast' });
});

test('probes: startup and liveness on /healthz (never Redis), readiness on /readyz', (t) => {
  const container = containerOf('ingress-nginx');
  t.is(container.startupProbe.httpGet.path, '/healthz');
  t.is(container.livenessProbe.httpGet.path, '/healthz');
  t.is(container.readinessProbe.httpGet.path, '/readyz');
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    t.is(container[probe].httpGet.port, 'http');
  }
  t.deepEqual(container.ports, [{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
});

test('securityContext is restricted: non-root, read-only root with /tmp emptyDir, no caps, no token', (t) => {
  const spec = deploymentOf('ingress-nginx').spec.template.spec;
  const container = spec.containers[0];
  t.false(spec.automountServiceAccountToken);
  t.true(spec.securityContext.runAsNonRoot);
  t.true(spec.securityContext.runAsUser > 0);
  t.is(spec.securityContext.seccompProfile.type, 'RuntimeDefault');
  t.false(container.securityContext.allowPrivilegeEscalation);
  t.true(container.securityContext.readOnlyRootFilesystem);
  t.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
  t.is(container.securityContext.capabilities.add, undefined);
  const tmp = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp');
  const volume = spec.volumes.find((v: { name: string }) => v.name === tmp?.name);
  t.truthy(volume?.emptyDir);
});

test('resources: memory request = limit, heap below it, no CPU limit', (t) => {
  const container = containerOf('ingress-nginx');
  t.is(container.resources.requests.memory, container.resources.limits.memory);
  t.is(container.resources.limits.cpu, undefined);
  const mib = Number.parseInt(container.resources.limits.memory, 10);
  const nodeOptions = container.env.find((e: { name: string }) => e.name === 'NODE_OPTIONS').value;
  const heap = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions)?.[1]);
  t.true(heap > 0 && heap <= mib * 0.8);
});

test('passwords come from the Secret, never from the ConfigMap', (t) => {
  const env = containerOf('ingress-nginx').env as {
    name: string;
    valueFrom?: { secretKeyRef?: { name: string } };
  }[];
  for (const name of ['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD']) {
    t.is(env.find((e) => e.name === name)?.valueFrom?.secretKeyRef?.name, 'spoolcast-redis');
    t.false(name in configOf('ingress-nginx'));
  }
});

test('ingress-nginx: buffering off, 1 h timeouts, no snippets, only the GET routes exposed', (t) => {
  const ingress = only(render('overlays/ingress-nginx'), 'Ingress');
  const a = ingress.metadata.annotations as Record<string, string>;
  t.is(a['nginx.ingress.kubernetes.io/proxy-buffering'], 'off');
  t.is(a['nginx.ingress.kubernetes.io/proxy-request-buffering'], 'off');
  t.true(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= 3600);
  t.true(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout']) >= 3600);
  t.false(Object.keys(a).some((k) => /snippet|gzip|enable-compression/.test(k)));
  const paths = ingress.spec.rules[0].http.paths.map(
    (p: { path: string; pathType: string }) => `${p.pathType} ${p.path}`,
  );
  t.deepEqual(paths.sort(), [
    'Exact /',
    'Exact /api/spools',
    'Exact /api/sse/stream',
    'Exact /dashboard.css',
    'Exact /dashboard.js',
    'Exact /healthz',
    'Exact /readyz',
    'Prefix /client/',
  ]);
});

test('gateway-api: the stream rule has request timeouts disabled; POST and /metrics are not routed', (t) => {
  const route = only(render('overlays/gateway-api'), 'HTTPRoute');
  const rules = route.spec.rules as {
    matches: { path: { value: string }; method?: string }[];
    timeouts?: Record<string, string>;
  }[];
  const stream = rules.find((r) => r.matches.some((m) => m.path.value === '/api/sse/stream'));
  t.is(durationSeconds(stream?.timeouts?.request ?? 'missing'), 0);
  t.is(durationSeconds(stream?.timeouts?.backendRequest ?? 'missing'), 0);
  const matches = rules.flatMap((r) => r.matches);
  t.true(matches.every((m) => m.method === 'GET'));
  t.false(
    matches.some(
      (m) => ['/api/events', '/metrics'].includes(m.path.value) || m.path.value === '/api',
    ),
  );
});

test('envoy-gateway: route timeout off for the HTTPRoute, stream idle timeout ≥ 1 h on the Gateway', (t) => {
  const objects = render('overlays/envoy-gateway');
  const route = only(objects, 'HTTPRoute');
  const btp = only(objects, 'BackendTrafficPolicy');
  t.deepEqual(btp.spec.targetRefs, [
    { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: route.metadata.name },
  ]);
  t.is(durationSeconds(btp.spec.timeout.http.requestTimeout), 0);
  const ctp = only(objects, 'ClientTrafficPolicy');
  const parent = route.spec.parentRefs[0];
  t.deepEqual(ctp.spec.targetRefs, [
    { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: parent.name },
  ]);
  t.is(ctp.metadata.namespace, parent.namespace);
  t.true(durationSeconds(ctp.spec.timeout.http.streamIdleTimeout) >= 3600);
  t.true(durationSeconds(ctp.spec.timeout.http.idleTimeout) >= 3600);
});

test('nginx-gateway-fabric: buffering off by ProxySettingsPolicy; heartbeat under its 60 s read timeout', (t) => {
  const objects = render('overlays/nginx-gateway-fabric');
  const policy = only(objects, 'ProxySettingsPolicy');
  t.deepEqual(policy.spec.targetRefs, [
    {
      group: 'gateway.networking.k8s.io',
      kind: 'HTTPRoute',
      name: only(objects, 'HTTPRoute').metadata.name,
    },
  ]);
  t.true(policy.spec.buffering.disable);
  t.true(loadConfig(configOf('nginx-gateway-fabric')).pingIntervalMs < 60_000 / 2);
});

test('traefik: entry point read timeout ≥ 1 h and write timeout 0 in the shipped Helm values', (t) => {
  const [values] = readObjects('overlays/traefik/traefik-values.yaml');
  for (const port of ['web', 'websecure']) {
    const timeouts = values?.ports[port].transport.respondingTimeouts;
    t.true(durationSeconds(timeouts.readTimeout) >= 3600);
    t.is(durationSeconds(timeouts.writeTimeout), 0);
  }
  t.truthy(only(render('overlays/traefik'), 'HTTPRoute'));
});

test('NetworkPolicy: in from the ingress namespace and Prometheus only, out to DNS and Redis only', (t) => {
  const expected: Record<string, string> = {
    'ingress-nginx': 'ingress-nginx',
    'gateway-api': 'ingress',
    'envoy-gateway': 'envoy-gateway-system',
    'nginx-gateway-fabric': 'nginx-gateway',
    traefik: 'traefik',
  };
  for (const [overlay, namespace] of Object.entries(expected)) {
    const policy = only(render(`overlays/${overlay}`), 'NetworkPolicy');
    t.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
    const [fromIngress, fromPrometheus] = policy.spec.ingress;
    t.is(policy.spec.ingress.length, 2);
    t.deepEqual(fromIngress.from, [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } },
    ]);
    t.deepEqual(fromPrometheus.from[0].podSelector.matchLabels, {
      'app.kubernetes.io/name': 'prometheus',
    });
    const [dns, redis] = policy.spec.egress;
    t.is(policy.spec.egress.length, 2);
    t.deepEqual(dns.to[0].podSelector.matchLabels, { 'k8s-app': 'kube-dns' });
    t.deepEqual(
      dns.ports.map((p: { port: number }) => p.port),
      [53, 53],
    );
    t.deepEqual(
      redis.ports.map((p: { port: number }) => p.port),
      [6379, 26379],
    );
  }
});

test('autoscaling on open streams per pod with CPU as a floor; ServiceMonitor scrapes /metrics', (t) => {
  const objects = render('overlays/ingress-nginx');
  const scaled = only(objects, 'ScaledObject');
  t.is(scaled.spec.scaleTargetRef.name, 'spoolcast');
  t.true(scaled.spec.minReplicaCount >= 3);
  const [streams, cpu] = scaled.spec.triggers;
  t.is(streams.type, 'prometheus');
  t.regex(streams.metadata.query, /spoolcast_open_streams/);
  t.true(Number(streams.metadata.threshold) > 0);
  t.is(cpu.type, 'cpu');
  t.true(
    scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown
      .stabilizationWindowSeconds >= 300,
  );
  const monitor = only(objects, 'ServiceMonitor');
  const service = only(objects, 'Service');
  t.is(monitor.spec.endpoints[0].path, '/metrics');
  t.is(monitor.spec.endpoints[0].port, service.spec.ports[0].name);
  t.deepEqual(monitor.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'spoolcast' });
  t.is(only(objects, 'PodDisruptionBudget').spec.maxUnavailable, 1);
});

test('dev: one gateway, one Redis by URL, no CRDs needed', (t) => {
  const objects = render('overlays/dev');
  t.is(deploymentOf('dev').spec.replicas, 1);
  const config = loadConfig(configOf('dev'));
  t.is(config.redisUrl, 'redis://spoolcast-redis:6379');
  t.is(config.redisSentinels, null);
  t.truthy(only(objects, 'Service', 'spoolcast-redis'));
  t.false(
    objects.some((o) => ['ScaledObject', 'ServiceMonitor', 'NetworkPolicy'].includes(o.kind)),
  );
});

test('a broken manifest is caught: the models reject a non-integer replica count', async (t) => {
  const deployment = structuredClone(deploymentOf('dev'));
  deployment.spec.replicas = 'three';
  await t.throwsAsync(validateObject(deployment), { message: /replicas must be integer/ });
});

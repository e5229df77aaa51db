/**
 * Issue 13: every overlay under deploy/kubernetes renders with a real kustomize (kubectl's),
 * validates offline against the Kubernetes API schemas (kubernetes-models), and holds what a
 * cluster operator relies on: probes on the listener, a restrictive securityContext, no
 * credential in a ConfigMap, a config that dregsy accepts, shard counts that match replicas.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { InvalidConfigError, parseConfigText } from '../../src/config/load.js';
import { formatProblem } from '../../src/errors.js';
import { configOf, containerEnv, podTemplates, probeProblems, secretLeakProblems, secretValues, securityProblems, shardProblems } from './checks.js';
import { deployDir, render, type K8sObject } from './render.js';
import { createValidator } from './validate.js';

const OVERLAYS = ['single-replica', 'sharded', 'indexed-job'] as const;
const { schemaProblems } = createValidator();
const rendered = new Map<string, Promise<K8sObject[]>>();
const renderOverlay = (name: string) => {
  let r = rendered.get(name);
  if (!r) rendered.set(name, (r = render(join(deployDir, 'overlays', name))));
  return r;
};
const kinds = (objects: K8sObject[]) => objects.map((o) => o.kind).sort();
const clone = <T>(v: T): T => structuredClone(v);
/** The first object of a kind, as untyped data to poke at. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered YAML
const first = (objects: K8sObject[], kind: string): any => objects.find((o) => o.kind === kind);

for (const overlay of OVERLAYS) {
  describe(`overlay ${overlay}`, () => {
    test('validates against the Kubernetes API schemas, with no unknown field', async () => {
      assert.deepEqual(await schemaProblems(await renderOverlay(overlay)), []);
    });
    test('restrictive securityContext, TMPDIR on an emptyDir, memory sized', async () => {
      const objects = await renderOverlay(overlay);
      assert.ok(podTemplates(objects).length > 0);
      assert.deepEqual(securityProblems(objects), []);
    });
    test('no Secret value in a ConfigMap; credentials only through ${VAR} or auth-file', async () => {
      const objects = await renderOverlay(overlay);
      assert.ok(secretValues(objects).size >= 2);
      assert.deepEqual(secretLeakProblems(objects), []);
    });
    test('dregsy accepts the config the pod gets, with the environment the pod gets, and knows every key', async () => {
      const objects = await renderOverlay(overlay);
      for (const t of podTemplates(objects)) {
        const config = configOf(objects, t);
        assert.ok(config, `${t.where}: config found`);
        try {
          const file = `${config.dir}/config.yaml`;
          const loaded = parseConfigText(config.text, file, containerEnv(objects, t));
          assert.ok((loaded.config.tasks ?? []).length > 0);
          // `listen:` and `webhook: true` are service mode's keys, `shards:` sharding's: none is unknown.
          const unknown = loaded.warnings.map((w) => formatProblem(file, w)).filter((w) => /unknown key/.test(w));
          assert.deepEqual(unknown, [], `${t.where}: unknown keys`);
        } catch (e) {
          assert.fail(e instanceof InvalidConfigError ? e.message : String(e));
        }
      }
    });
    test('shard counts match replicas and completions', async () => {
      assert.deepEqual(shardProblems(await renderOverlay(overlay)), []);
    });
  });
}

test('single-replica and sharded: probes on /healthz and /readyz at the listen port, watch: true, Services on the listener', async () => {
  for (const overlay of ['single-replica', 'sharded']) {
    const objects = await renderOverlay(overlay);
    assert.deepEqual(kinds(objects).filter((k) => k === 'StatefulSet' || k === 'PodDisruptionBudget' || k === 'Service'), ['PodDisruptionBudget', 'Service', 'Service', 'StatefulSet']);
    assert.deepEqual(probeProblems(objects), [], overlay);
  }
});

test('sharded: 3 replicas, each with its ordinal as shard, and a ServiceMonitor on /metrics of the listener', async () => {
  const objects = await renderOverlay('sharded');
  const sts = objects.find((o) => o.kind === 'StatefulSet') as K8sObject & { spec: { replicas: number } };
  assert.equal(sts.spec.replicas, 3);
  const monitor = objects.find((o) => o.kind === 'ServiceMonitor') as K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } };
  assert.ok(monitor);
  const selected = objects.filter((o) => o.kind === 'Service' && Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v));
  assert.deepEqual(selected.map((s) => s.metadata.name), ['dregsy'], 'scrapes through one Service, so each pod once');
  assert.deepEqual(monitor.spec.endpoints.map((e) => [e.port, e.path]), [['http', '/metrics']]);
});

test('indexed-job: an Indexed Job, no listener, no long-running workload', async () => {
  const objects = await renderOverlay('indexed-job');
  assert.deepEqual(kinds(objects), ['ConfigMap', 'Job', 'Secret', 'ServiceAccount']);
  const [t] = podTemplates(objects);
  const config = configOf(objects, t!);
  assert.equal(config?.data.listen, undefined);
  assert.ok((config?.data.tasks as { interval?: number }[]).every((task) => !task.interval), 'one-off tasks: each pod exits when its share is done');
});

describe('the components', () => {
  let dir: string | undefined;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  test('IRSA and Workload Identity annotate the ServiceAccount and validate', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dregsy-kustomize-'));
    // kustomize wants relative paths from the kustomization to what it includes
    const rel = (p: string) => relative(dir!, join(deployDir, p));
    await writeFile(
      join(dir, 'kustomization.yaml'),
      `resources: [${rel('overlays/single-replica')}]\ncomponents: [${rel('components/aws-irsa')}, ${rel('components/gcp-workload-identity')}]\n`,
    );
    const objects = await render(dir);
    assert.deepEqual(await schemaProblems(objects), []);
    const sa = objects.find((o) => o.kind === 'ServiceAccount');
    assert.match(sa?.metadata.annotations?.['eks.amazonaws.com/role-arn'] ?? '', /^arn:aws:iam::\d{12}:role\//);
    assert.match(sa?.metadata.annotations?.['iam.gke.io/gcp-service-account'] ?? '', /^[^@]+@[^.]+\.iam\.gserviceaccount\.com$/);
  });
});

// Each check must catch what it is for, or the tests above would pass with the feature missing.
describe('the checks catch what they are for', () => {
  test('schema: a wrong type and an unknown field', async () => {
    const objects = clone(await renderOverlay('single-replica'));
    const sts = first(objects, 'StatefulSet');
    sts.spec.replicas = 'three';
    const problems = await schemaProblems(objects);
    assert.ok(problems.some((p) => /StatefulSet\/dregsy: .*replicas/.test(p)), problems.join('\n'));
    sts.spec.replicas = 1;
    sts.spec.template.spec.securityContex = {};
    const typo = await schemaProblems(objects);
    assert.ok(typo.some((p) => /StatefulSet\/dregsy: .*securityContex/.test(p)), typo.join('\n'));
  });
  test('security: root, writable root filesystem, escalation, capabilities, seccomp, TMPDIR', async () => {
    const objects = clone(await renderOverlay('sharded'));
    const [t] = podTemplates(objects);
    const c = t!.spec.containers[0];
    delete t!.spec.securityContext.seccompProfile;
    t!.spec.securityContext.runAsNonRoot = false;
    c.securityContext = { readOnlyRootFilesystem: false, capabilities: { add: ['NET_ADMIN'] } };
    c.env = c.env.filter((e: { name: string }) => e.name !== 'TMPDIR');
    const problems = securityProblems(objects).join('\n');
    for (const re of [/runAsNonRoot/, /allowPrivilegeEscalation/, /readOnlyRootFilesystem/, /drop lacks ALL/, /adds capabilities/, /seccomp/, /TMPDIR/]) assert.match(problems, re);
  });
  test('secrets: a credential pasted into the ConfigMap or an env value', async () => {
    const objects = clone(await renderOverlay('single-replica'));
    const [password] = [...secretValues(objects)].find(([, where]) => where.includes('target-auth (its password)'))!;
    const cm = first(objects, 'ConfigMap');
    cm.data['config.yaml'] += `\n# password: ${password}\n`;
    const [t] = podTemplates(objects);
    t!.spec.containers[0].env.push({ name: 'TOKEN', value: [...secretValues(objects)].find(([, w]) => w.endsWith(':api-token'))![0] });
    const problems = secretLeakProblems(objects).join('\n');
    assert.match(problems, /ConfigMap\/dregsy-config:config\.yaml holds the value of Secret\/dregsy-credentials-\w+:target-auth \(its password\)/);
    assert.match(problems, /env TOKEN holds the value of Secret\/dregsy-credentials-\w+:api-token inline/);
    cm.data['config.yaml'] = cm.data['config.yaml'].replace('auth: ${SOURCE_AUTH}', 'auth: c2VjcmV0');
    assert.match(secretLeakProblems(objects).join('\n'), /tasks\[0\]\.source\.auth is not \$\{VAR\} taken from a Secret/);
  });
  test('probes: wrong path, wrong port, no watch', async () => {
    const objects = clone(await renderOverlay('single-replica'));
    const [t] = podTemplates(objects);
    t!.spec.containers[0].readinessProbe.httpGet.path = '/healthz';
    t!.spec.containers[0].livenessProbe.httpGet.port = 9090;
    const cm = first(objects, 'ConfigMap');
    cm.data['config.yaml'] = cm.data['config.yaml'].replace('watch: true', 'watch: false');
    const problems = probeProblems(objects).join('\n');
    for (const re of [/readinessProbe is not GET \/readyz/, /livenessProbe port 9090 is not the listen port 8080/, /lacks watch: true/]) assert.match(problems, re);
  });
  test('shards: replicas without DREGSY_SHARDS, a Job that retries usage errors', async () => {
    const sharded = clone(await renderOverlay('sharded'));
    (podTemplates(sharded)[0]!.owner as unknown as { spec: { replicas: number } }).spec.replicas = 4;
    assert.match(shardProblems(sharded).join('\n'), /DREGSY_SHARDS=3 but replicas 4/);
    const job = clone(await renderOverlay('indexed-job'));
    const spec = (podTemplates(job)[0]!.owner as unknown as { spec: { podFailurePolicy: { rules: { action: string }[] } } }).spec;
    spec.podFailurePolicy.rules = spec.podFailurePolicy.rules.filter((r) => r.action !== 'FailJob');
    assert.match(shardProblems(job).join('\n'), /exit code 2 \(usage error\) does not fail the Job at once/);
  });
});

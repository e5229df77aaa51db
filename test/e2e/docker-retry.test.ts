/**
 * The Docker relay under a registry that fails a few times and then recovers: the Engine
 * reports the 503 of a pull or a push as text, the relay tells it is transient and pulls or
 * pushes again. With retries turned off (`retry.attempts: 1`) the same failures fail the run,
 * which shows they are real.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { startDockerd, type TestDockerd } from '../support/dockerd.js';
import { makeTempDir, listTags, pushTags, startFaultProxy, startRegistry, type FaultProxy, type FaultRule, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let target: TestRegistry;
let sourceProxy: FaultProxy;
let targetProxy: FaultProxy;
let dockerd: TestDockerd;
let dir: string;

before(async () => {
  dir = await makeTempDir('dregsy-e2e-docker-retry-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  await pushTags(source, 'team/app', ['1.0', '2.0']);
  [sourceProxy, targetProxy] = await Promise.all([startFaultProxy({ upstreamPort: source.port }), startFaultProxy({ upstreamPort: target.port })]);
  dockerd = await startDockerd({ insecureRegistries: [sourceProxy.host, targetProxy.host] });
});

after(async () => {
  await Promise.all([sourceProxy?.stop(), targetProxy?.stop()]);
  await Promise.all([source?.stop(), target?.stop(), dockerd?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Only the Engine's requests fail: dregsy's own (tag lists, digest checks) retry by themselves.
const engine = /docker\//;
const failures = (): { source: FaultRule[]; target: FaultRule[] } => ({
  source: [{ method: 'GET', path: /\/manifests\//, userAgent: engine, fault: '503', times: 2 }],
  target: [{ method: 'PUT', path: /\/manifests\//, userAgent: engine, fault: '503', times: 2 }],
});

const config = (repo: string, attempts: number) => `relay: docker
docker: { dockerhost: ${dockerd.host} }
retry: { attempts: ${attempts}, max-delay: 2s }
concurrency: { copies: 1 }
tasks:
  - name: recovering
    source: { registry: ${sourceProxy.host}, skip-tls-verify: true }
    target: { registry: ${targetProxy.host}, skip-tls-verify: true }
    mappings:
      - from: team/app
        to: ${repo}
`;

test('pulls and pushes that fail with 503 a few times are retried, and the images arrive', async () => {
  let f = failures();
  sourceProxy.setRules(f.source);
  targetProxy.setRules(f.target);
  const without = await runDregsy([`-config=${await writeConfig(dir, config('once/app', 1), 'once.yaml')}`]);
  assert.equal(without.code, 1, without.stdout + without.stderr);
  assert.match(without.stdout, /503 Service Unavailable/);

  f = failures();
  sourceProxy.setRules(f.source);
  targetProxy.setRules(f.target);
  const r = await runDregsy([`-config=${await writeConfig(dir, config('retried/app', 8), 'retried.yaml')}`], { env: { LOG_LEVEL: 'debug' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(await listTags(target, 'retried/app'), ['1.0', '2.0']);
  assert.deepEqual([f.source[0]!.times, f.target[0]!.times], [0, 0], 'every injected failure was met');
  assert.match(r.stdout, /docker pull .*: HTTP 5xx .*retrying in/);
  assert.match(r.stdout, /docker push .*: HTTP 5xx .*retrying in/);
});

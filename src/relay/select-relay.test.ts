import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuthfileStore } from '../auth/authfile.js';
import type { Task } from '../config/schema.js';
import { EnvironmentError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { Redactor } from '../log/redact.js';
import { createRegistryClient } from '../registry/client.js';
import { allPlatformMappings, chooseRelay, createRelay, realProbes, type ProbeResult, type RelayProbes } from './select-relay.js';

const settings = (relay?: 'skopeo' | 'docker' | 'native') => ({
  relay,
  skopeo: { binary: '/opt/skopeo', certsDir: '/etc/skopeo/certs.d' },
  docker: { host: 'unix:///run/d.sock', apiVersion: '1.41' },
});

/** Probes answering as told, recording what was asked. */
function probes(skopeo: ProbeResult, docker: ProbeResult): RelayProbes & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    skopeo: async (binary) => (calls.push(`skopeo ${binary}`), skopeo),
    docker: async (host, apiVersion) => (calls.push(`docker ${host} ${apiVersion}`), docker),
  };
}
const up = (detail: string): ProbeResult => ({ ok: true, detail });
const down = (reason: string): ProbeResult => ({ ok: false, reason });

test('an explicit relay is taken as written, nothing probed (its prepare() checks it)', async () => {
  for (const relay of ['skopeo', 'docker', 'native'] as const) {
    const p = probes(down('x'), down('y'));
    assert.deepEqual(await chooseRelay(settings(relay), p), { relay, why: `set by 'relay: ${relay}'` });
    assert.deepEqual(p.calls, []);
  }
});

test('relay omitted: skopeo when it answers; Docker is not even asked', async () => {
  const p = probes(up('skopeo version 1.9.3'), up('d'));
  const choice = await chooseRelay(settings(), p);
  assert.equal(choice.relay, 'skopeo');
  assert.match(choice.why, /'relay' is not set and skopeo answers \(skopeo version 1\.9\.3\)/);
  assert.deepEqual(p.calls, ['skopeo /opt/skopeo']);
});

test('relay omitted: Docker when skopeo cannot run and the Engine answers; the log says why', async () => {
  const p = probes(down('spawn /opt/skopeo ENOENT'), up('unix:///run/d.sock'));
  const choice = await chooseRelay(settings(), p);
  assert.equal(choice.relay, 'docker');
  assert.match(choice.why, /skopeo \('\/opt\/skopeo'\) cannot run: spawn \/opt\/skopeo ENOENT, and the Docker Engine answers/);
  assert.deepEqual(p.calls, ['skopeo /opt/skopeo', 'docker unix:///run/d.sock 1.41']);
});

test('relay omitted and neither answers: one error naming both reasons and what to do', async () => {
  await assert.rejects(chooseRelay(settings(), probes(down('ENOENT'), down('connect ECONNREFUSED'))), (e: unknown) => {
    assert.ok(e instanceof EnvironmentError);
    assert.match(e.message, /no relay can run: 'relay' is not set, skopeo \('\/opt\/skopeo'\) cannot run: ENOENT, and the Docker Engine at unix:\/\/\/run\/d\.sock does not answer \(connect ECONNREFUSED\)/);
    assert.match(e.message, /Install skopeo/);
    return true;
  });
});

test('the real probes report what is missing', async () => {
  const skopeo = await realProbes.skopeo('/nonexistent/skopeo');
  assert.ok(!skopeo.ok && /ENOENT|not found/i.test(skopeo.reason), JSON.stringify(skopeo));
  const docker = await realProbes.docker('unix:///nonexistent/docker.sock', '1.41');
  assert.ok(!docker.ok && /ENOENT/.test(docker.reason), JSON.stringify(docker));
});

const task = (name: string, platforms: Array<string | null>): Task =>
  ({ name, source: { registry: 'a' }, target: { registry: 'b' }, mappings: platforms.map((platform) => ({ from: 'x', platform })) }) as Task;

test('mappings asking for all platforms are found by task and index', () => {
  assert.deepEqual(allPlatformMappings([task('one', [null, 'linux/arm64']), task('two', ['all', ' all '])]), [
    "task 'two' mappings[0]",
    "task 'two' mappings[1]",
  ]);
});

test("Docker picked for the user cannot copy 'platform: all': refused at prepare with the places", async () => {
  const authfiles = await createAuthfileStore();
  try {
    const relay = createRelay({
      settings: settings(),
      tasks: [task('multi', ['all'])],
      authfiles,
      redactor: new Redactor(),
      logger: silentLogger(),
      registry: createRegistryClient({ logger: silentLogger(), userAgent: 'test' }),
      probes: probes(down('ENOENT'), up('d')),
    });
    assert.throws(() => relay.name, /before prepare/);
    await assert.rejects(relay.prepare(), /relay 'docker' \('relay' is not set, .*\) does not support mappings with 'platform: all': task 'multi' mappings\[0\]/);
    await relay.dispose();
  } finally {
    await authfiles.dispose();
  }
});

test("'relay: native' needs neither skopeo nor Docker, copies 'platform: all', and is never picked on its own", async () => {
  const authfiles = await createAuthfileStore();
  try {
    const p = probes(down('ENOENT'), down('ECONNREFUSED'));
    const registry = createRegistryClient({ logger: silentLogger(), userAgent: 'test' });
    const relay = createRelay({ settings: settings('native'), tasks: [task('multi', ['all'])], authfiles, redactor: new Redactor(), logger: silentLogger(), registry, probes: p });
    await relay.prepare();
    assert.equal(relay.name, 'native');
    assert.deepEqual(p.calls, []);
    await relay.dispose();
    assert.equal((await chooseRelay(settings(), probes(down('ENOENT'), up('d')))).relay, 'docker');
  } finally {
    await authfiles.dispose();
  }
});

test('skopeo chosen because its probe answered is not started again by prepare(); an explicit skopeo is checked there', async () => {
  const authfiles = await createAuthfileStore();
  const registry = createRegistryClient({ logger: silentLogger(), userAgent: 'test' });
  const setup = { tasks: [], authfiles, redactor: new Redactor(), logger: silentLogger(), registry };
  try {
    // '/opt/skopeo' does not exist here: only the (recorded) probe could have answered for it
    const p = probes(up('skopeo version 1.9.3'), down('y'));
    const auto = createRelay({ ...setup, settings: settings(), probes: p });
    await auto.prepare();
    assert.equal(auto.name, 'skopeo');
    assert.deepEqual(p.calls, ['skopeo /opt/skopeo']);
    await auto.dispose();
    const explicit = createRelay({ ...setup, settings: settings('skopeo'), probes: p });
    await assert.rejects(explicit.prepare(), (e: unknown) => e instanceof EnvironmentError && /cannot execute skopeo \('\/opt\/skopeo'\): spawn \/opt\/skopeo ENOENT/.test(e.message));
  } finally {
    await authfiles.dispose();
  }
});

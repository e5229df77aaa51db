/**
 * End to end through a Docker Engine: the built CLI, a real dockerd (test/support/dockerd.ts)
 * and real registries, with and without basic auth. Tags arrive, a wrong password fails only
 * its own task, the daemon keeps nothing it pulled, and `relay:` omitted picks skopeo or
 * Docker by what answers.
 */
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { startDockerd, type TestDockerd } from '../support/dockerd.js';
import { clientOf } from '../support/http.js';
import { listTags, makeTempDir, manifestDigest, pushImage, pushTags, startRegistry, type PushedImage, type TestRegistry } from '../support/index.js';
import { authOf, runDregsy, writeConfig, type CliResult } from './dregsy-cli.js';

const WRONG_PASSWORD = 'wrong-pw-7c1e';

let open: TestRegistry; // anonymous
let locked: TestRegistry; // htpasswd, user tester
let target: TestRegistry; // htpasswd, user tester
let dockerd: TestDockerd;
let dir: string;
let apps: Record<string, PushedImage>;
let multi: PushedImage;
let hostName: string;

before(async () => {
  dir = await makeTempDir('dregsy-e2e-docker-');
  [open, locked, target] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd' }), startRegistry({ auth: 'htpasswd' })]);
  apps = await pushTags(open, 'team/app', ['1.0', '2.0', 'digest-only']);
  await pushTags(locked, 'private/app', ['a', 'b']);
  multi = await pushImage(open, 'multi/app', 'v1', {
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
  });
  // Also on plain TCP, reached by this machine's name: a Docker host dregsy must take as
  // remote. The name must resolve to loopback (Debian's /etc/hosts maps it to 127.0.1.1), so
  // the daemon's unauthenticated API is never open to a network.
  hostName = hostname();
  const { address } = await lookup(hostName, { family: 4 });
  if (!address.startsWith('127.')) throw new Error(`this machine's name '${hostName}' resolves to ${address}, not to loopback: the plain-TCP Docker test needs it on loopback`);
  dockerd = await startDockerd({ insecureRegistries: [open.host, locked.host, target.host], tcpAddress: address });
});

after(async () => {
  await Promise.all([open?.stop(), locked?.stop(), target?.stop(), dockerd?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const targetAuth = () => authOf('tester', target.users.tester!);
const output = (r: CliResult) => r.stdout + r.stderr;

/** The architecture in the config of what `repo:tag` points to. */
async function architectureOf(reg: TestRegistry, repo: string, tag: string): Promise<string> {
  const client = clientOf(reg);
  const accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
  const manifest = JSON.parse((await client.expect('GET', `/v2/${repo}/manifests/${tag}`, [200], { headers: { accept } })).body.toString('utf8')) as {
    config: { digest: string };
  };
  const config = JSON.parse((await client.expect('GET', `/v2/${repo}/blobs/${manifest.config.digest}`, [200])).body.toString('utf8')) as { architecture: string };
  return config.architecture;
}

describe('relay: docker', () => {
  let run: CliResult;
  let second: CliResult;
  let imagesBefore: string[];
  const digestOnly = () => apps['digest-only']!.digest;

  before(async () => {
    imagesBefore = await dockerd.imageRefs();
    const config = `
relay: docker
docker:
  dockerhost: ${dockerd.host}
  api-version: "1.41"
tasks:
  - name: anonymous-source
    source: { registry: ${open.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, auth: ${targetAuth()}, skip-tls-verify: true }
    mappings:
      - from: team/app
        to: mirror/app
        tags: ['1.0', '2.0']
      - from: team/app
        to: mirror/by-digest
        tags: ['${digestOnly()}']
      - from: multi/app
        to: mirror/arm64
        platform: linux/arm64
  - name: basic-auth-source
    source: { registry: ${locked.host}, auth: ${authOf('tester', locked.users.tester!)}, skip-tls-verify: true }
    target: { registry: ${target.host}, auth: ${targetAuth()}, skip-tls-verify: true }
    mappings:
      - from: private/app
        to: mirror/private
  - name: wrong-password
    source: { registry: ${locked.host}, auth: ${authOf('tester', WRONG_PASSWORD)}, skip-tls-verify: true }
    target: { registry: ${target.host}, auth: ${targetAuth()}, skip-tls-verify: true }
    mappings:
      - from: private/app
        to: mirror/never
        tags: ['a']
`;
    const file = await writeConfig(dir, config, 'docker.yaml');
    run = await runDregsy([`-config=${file}`]);
    second = await runDregsy([`-config=${file}`]);
  });

  test('the run fails (one task has a wrong password), and says it used the docker relay', () => {
    assert.equal(run.code, 1, output(run));
    assert.match(run.stdout, /relay: docker \(unix:\/\/\/.*docker\.sock, API 1\.41\): set by 'relay: docker'/);
  });

  test('tags from an anonymous and a basic-auth source arrive in the target', async () => {
    assert.deepEqual(await listTags(target, 'mirror/app'), ['1.0', '2.0']);
    assert.deepEqual(await listTags(target, 'mirror/private'), ['a', 'b']);
  });

  test("a digest-only reference arrives under dregsy's dregsy-<hex> tag", async () => {
    assert.deepEqual(await listTags(target, 'mirror/by-digest'), [`dregsy-${digestOnly().slice('sha256:'.length)}`]);
  });

  test('platform: linux/arm64 arrives as that one platform', async () => {
    assert.deepEqual(await listTags(target, 'mirror/arm64'), ['v1']);
    assert.equal(await architectureOf(target, 'mirror/arm64', 'v1'), 'arm64');
    assert.notEqual(await manifestDigest(target, 'mirror/arm64', 'v1'), multi.digest, 'Docker rewrites the manifest');
  });

  test('the wrong password fails its tag with a clear message and copies nothing', async () => {
    // The relay's own error, not only the registry read that failed before it.
    assert.match(run.stdout, /ERROR.*copy 127\.0\.0\.1:\d+\/private\/app:a → .*mirror\/never:a failed at 'docker pull .*': (unauthorized|authentication required)/);
    assert.match(run.stdout, /check the location's 'auth' credentials/);
    assert.deepEqual(await listTags(target, 'mirror/never'), []);
    assert.ok(!output(run).includes(WRONG_PASSWORD), 'password never printed');
  });

  test('skip-tls-verify is said to have no effect on the daemon, once per run', () => {
    assert.equal(run.stdout.match(/'skip-tls-verify' \(127\.0\.0\.1:\d+\) has no effect on pulls and pushes with relay 'docker'/g)?.length, 1, run.stdout);
  });

  test('a second run skips what is unchanged: Docker rewrote the manifests, but the image configs match', () => {
    assert.doesNotMatch(second.stdout, /copied team\/app:(1|2)\.0 →/, second.stdout);
    assert.doesNotMatch(second.stdout, /copied (multi|private)\/app/, second.stdout);
    assert.match(second.stdout, /\[anonymous-source\] task run finished.*copied=1 skipped=3/, 'only the digest-only image (pushed as dregsy-<hex>) is copied again');
    assert.match(second.stdout, /\[basic-auth-source\] task run finished.*copied=0 skipped=2/);
  });

  test('the daemon holds none of the pulled or tagged images, run after run', async () => {
    assert.equal(second.code, 1, output(second));
    assert.deepEqual(await dockerd.imageRefs(), imagesBefore);
  });

  test('credentials over a unix socket draw no warning about plain TCP', () => {
    assert.doesNotMatch(run.stdout, /unencrypted/);
  });
});

describe('relay omitted: chosen by what answers', () => {
  const config = (skopeoBinary: string | undefined, dockerhost: string, to: string) => `
${skopeoBinary ? `skopeo:\n  binary: ${skopeoBinary}\n` : ''}docker:
  dockerhost: ${dockerhost}
tasks:
  - name: auto
    source: { registry: ${open.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, auth: ${targetAuth()}, skip-tls-verify: true }
    mappings:
      - from: team/app
        to: ${to}
        tags: ['1.0']
`;

  test('skopeo when it is installed (copied unchanged)', async () => {
    const r = await runDregsy([`-config=${await writeConfig(dir, config(undefined, dockerd.host, 'auto/skopeo'), 'auto-skopeo.yaml')}`]);
    assert.equal(r.code, 0, output(r));
    assert.match(r.stdout, /relay: skopeo \(skopeo\): 'relay' is not set and skopeo answers/);
    assert.equal(await manifestDigest(target, 'auto/skopeo', '1.0'), apps['1.0']!.digest);
  });

  test('Docker when skopeo cannot run and the Engine answers', async () => {
    const imagesBefore = await dockerd.imageRefs();
    const r = await runDregsy([`-config=${await writeConfig(dir, config('/nonexistent/skopeo', dockerd.host, 'auto/docker'), 'auto-docker.yaml')}`]);
    assert.equal(r.code, 0, output(r));
    assert.match(r.stdout, /relay: docker \(.*\): 'relay' is not set, skopeo \('\/nonexistent\/skopeo'\) cannot run: .*, and the Docker Engine answers/);
    assert.deepEqual(await listTags(target, 'auto/docker'), ['1.0']);
    assert.deepEqual(await dockerd.imageRefs(), imagesBefore, 'the run left nothing on the daemon');
  });

  test('check decides the relay as a sync would: Docker picked, so it compares image configs, and finds the Docker copy in sync', async () => {
    const file = await writeConfig(dir, config('/nonexistent/skopeo', dockerd.host, 'auto/check'), 'auto-check.yaml');
    const sync = await runDregsy([`-config=${file}`]);
    assert.equal(sync.code, 0, output(sync));
    assert.notEqual(await manifestDigest(target, 'auto/check', '1.0'), apps['1.0']!.digest, 'Docker rewrote the manifest');
    const check = await runDregsy(['check', `-config=${file}`]);
    assert.equal(check.code, 0, output(check));
    assert.match(check.stdout, /check: comparing as relay 'docker' would copy/);
    assert.match(check.stdout, /task auto: 1 selected, 0 to copy, 1 in sync, 0 failed/);
  });

  test('a clear error when neither answers', async () => {
    const missing = `unix://${dir}/no-docker.sock`;
    const r = await runDregsy([`-config=${await writeConfig(dir, config('/nonexistent/skopeo', missing, 'auto/none'), 'auto-none.yaml')}`]);
    assert.equal(r.code, 1, output(r));
    assert.match(output(r), /no relay can run: 'relay' is not set, skopeo \('\/nonexistent\/skopeo'\) cannot run: .*, and the Docker Engine at unix:\/\/.*no-docker\.sock does not answer/);
    assert.deepEqual(await listTags(target, 'auto/none'), []);
  });
});

test("relay: docker with 'platform: all' is refused at config load with dregsy's message", async () => {
  const file = await writeConfig(
    dir,
    `relay: docker\ndocker:\n  dockerhost: ${dockerd.host}\ntasks:\n  - name: t\n    source: { registry: ${open.host} }\n    target: { registry: ${target.host} }\n    mappings:\n      - from: multi/app\n        platform: all\n`,
    'platform-all.yaml',
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 2, output(r));
  assert.match(output(r), /tasks\[0\]\.mappings\[0\]\.platform: relay 'docker' does not support mappings with 'platform: all'/);
});

test('credentials sent to a Docker Engine over plain TCP on another host: warned once per run', async () => {
  const file = await writeConfig(
    dir,
    `relay: docker
docker:
  dockerhost: tcp://${hostName}:${dockerd.tcpPort}
tasks:
  - name: over-tcp
    source: { registry: ${locked.host}, auth: ${authOf('tester', locked.users.tester!)}, skip-tls-verify: true }
    target: { registry: ${target.host}, auth: ${targetAuth()}, skip-tls-verify: true }
    mappings:
      - from: private/app
        to: tcp/private
`,
    'tcp.yaml',
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 0, output(r));
  assert.deepEqual(await listTags(target, 'tcp/private'), ['a', 'b']);
  const warnings = r.stdout.match(/WARN.*credentials for 127\.0\.0\.1:\d+ go to the Docker Engine at tcp:\/\/\S+ unencrypted/g) ?? [];
  assert.equal(warnings.length, 1, r.stdout);
});

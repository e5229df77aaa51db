/**
 * `relay: native` end to end: the built CLI copies between real registries with no skopeo.
 * The same image kinds and platforms as the skopeo relay's e2e (sync-images.test.ts) arrive
 * with the same tags and identical digests; shared layers move once; a second run writes
 * nothing; a missing source tag fails alone; auth and TLS work on both sides; and skopeo can
 * read what we wrote.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { hermeticEnv, listTags, makeTempDir, manifestDigest, pushImage, pushTags, startRegistry, type PushedImage, type StartRegistryOptions, type TestRegistry } from '../support/index.js';
import { authOf, runDregsy, writeConfig, type CliResult } from './dregsy-cli.js';

const exec = promisify(execFile);
let source: TestRegistry;
let target: TestRegistry;
let dir: string;
const pushed: Record<string, PushedImage> = {};
let run: CliResult;
let logAfterFirstRun = '';

const platforms = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];

const plainTask = (name: string, mappings: string) => `
  - name: ${name}
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
${mappings}`;

before(async () => {
  dir = await makeTempDir('dregsy-e2e-native-');
  [source, target] = await Promise.all([startRegistry(), startRegistry({ accessLog: true })]);
  for (const tag of ['1.0', '2.0', 'latest']) pushed[`single:${tag}`] = await pushImage(source, 'single/app', tag);
  pushed['multi:v1'] = await pushImage(source, 'multi/app', 'v1', { platforms });
  pushed['docker:d1'] = await pushImage(source, 'docker/app', 'd1', { format: 'docker' });
  pushed['docker:list'] = await pushImage(source, 'docker/app', 'list', { format: 'docker', platforms: platforms.slice(0, 2) });
  const mappings = `      - from: single/app
      - from: single/app
        to: listed/app
        tags: ['2.0', 'latest']
      - from: multi/app
        to: multi/default
      - from: multi/app
        to: multi/arm64
        platform: linux/arm64
      - from: multi/app
        to: multi/armv7
        platform: linux/arm/v7
      - from: multi/app
        to: multi/all
        platform: all
      - from: docker/app
        to: docker/all-platforms
        platform: all
      - from: docker/app
        to: docker/default`;
  const file = await writeConfig(dir, `relay: native\ntasks:${plainTask('native', mappings)}\n`);
  run = await runDregsy([`-config=${file}`], { env: { LOG_LEVEL: 'debug' } });
  logAfterFirstRun = await target.accessLog();
});

after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the run succeeds with the native relay, and starts no skopeo', () => {
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /relay: native \(in-process\): set by 'relay: native'/);
  assert.match(run.stdout, /native copy done/);
  assert.doesNotMatch(run.stdout, /skopeo copy/);
});

test('single images: the exact tag sets arrive with unchanged digests', async () => {
  assert.deepEqual(await listTags(target, 'single/app'), ['1.0', '2.0', 'latest']);
  for (const tag of ['1.0', '2.0', 'latest']) assert.equal(await manifestDigest(target, 'single/app', tag), pushed[`single:${tag}`]!.digest, tag);
  assert.deepEqual(await listTags(target, 'listed/app'), ['2.0', 'latest']);
  assert.equal(await manifestDigest(target, 'listed/app', '2.0'), pushed['single:2.0']!.digest);
});

test("an OCI index: the host's platform by default, one platform when named, all of it with platform all", async () => {
  const multi = pushed['multi:v1']!;
  assert.equal(await manifestDigest(target, 'multi/default', 'v1'), multi.childDigests['linux/amd64']);
  assert.equal(await manifestDigest(target, 'multi/arm64', 'v1'), multi.childDigests['linux/arm64']);
  assert.equal(await manifestDigest(target, 'multi/armv7', 'v1'), multi.childDigests['linux/arm/v7']);
  assert.equal(await manifestDigest(target, 'multi/all', 'v1'), multi.digest);
  for (const child of Object.values(multi.childDigests)) assert.equal(await manifestDigest(target, 'multi/all', child), child);
  // One platform copied: the other children are not there.
  assert.equal(await manifestDigest(target, 'multi/arm64', multi.childDigests['linux/amd64']!), undefined);
});

test('Docker v2 images and Docker manifest lists keep their digests', async () => {
  assert.deepEqual(await listTags(target, 'docker/all-platforms'), ['d1', 'list']);
  assert.equal(await manifestDigest(target, 'docker/all-platforms', 'd1'), pushed['docker:d1']!.digest);
  assert.equal(await manifestDigest(target, 'docker/all-platforms', 'list'), pushed['docker:list']!.digest);
  assert.equal(await manifestDigest(target, 'docker/default', 'd1'), pushed['docker:d1']!.digest);
  assert.equal(await manifestDigest(target, 'docker/default', 'list'), pushed['docker:list']!.childDigests['linux/amd64']);
});

test('the layer every test image shares is uploaded once, then mounted; no blob is asked for twice', () => {
  const requests = [...logAfterFirstRun.matchAll(/"(\w+) (\/v2\/\S*) HTTP/g)].map((m) => ({ method: m[1]!, path: decodeURIComponent(m[2]!) }));
  const uploaded = requests.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/')).map((r) => /digest=(sha256:\w+)/.exec(r.path)?.[1]);
  const mounted = requests.filter((r) => r.method === 'POST' && r.path.includes('mount=')).map((r) => /mount=(sha256:\w+)/.exec(r.path)?.[1]);
  assert.ok(mounted.length > 0, 'shared blobs are mounted');
  for (const digest of new Set(mounted)) assert.equal(uploaded.filter((d) => d === digest).length, 1, `${digest} uploaded once`);
  assert.equal(new Set(uploaded).size, uploaded.length, 'no blob uploaded twice');
  const heads = requests.filter((r) => r.method === 'HEAD' && r.path.includes('/blobs/')).map((r) => r.path);
  assert.equal(new Set(heads).size, heads.length, 'no blob HEAD repeated');
  assert.equal(requests.filter((r) => r.method === 'PATCH').length, 0, 'monolithic uploads');
});

test('a second run writes nothing', async () => {
  const file = join(dir, 'config.yaml');
  const again = await runDregsy([`-config=${file}`]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  const since = (await target.accessLog()).slice(logAfterFirstRun.length);
  assert.doesNotMatch(since, /"(PUT|POST|PATCH|DELETE) /);
  assert.match(again.stdout, /copied=0/);
});

test('skopeo reads what the native relay wrote, byte for byte', async () => {
  const authfile = join(dir, 'auth.json');
  await writeFile(authfile, '{"auths":{}}', { mode: 0o600 });
  const skopeo = (args: string[]) => exec('skopeo', ['--insecure-policy', ...args, '--tls-verify=false', `--authfile=${authfile}`], { env: hermeticEnv(), maxBuffer: 16 * 1024 * 1024 });
  for (const [repo, ref, key] of [['single/app', '1.0', 'single:1.0'], ['multi/all', 'v1', 'multi:v1'], ['docker/all-platforms', 'list', 'docker:list']] as const) {
    const { stdout } = await skopeo(['inspect', '--raw', `docker://${target.host}/${repo}:${ref}`]);
    assert.equal(`sha256:${createHash('sha256').update(stdout).digest('hex')}`, pushed[key]!.digest, `${repo}:${ref}`);
  }
  // inspect without --raw reads the config blob: the blobs arrived intact too.
  const { stdout } = await skopeo(['inspect', `docker://${target.host}/multi/arm64:v1`]);
  assert.equal((JSON.parse(stdout) as { Architecture?: string }).Architecture, 'arm64');
});

test('a missing source tag fails that image only; the others arrive', async () => {
  const file = await writeConfig(dir, `relay: native\ntasks:${plainTask('partly', `      - from: single/app\n        to: partly/app\n        tags: ['1.0', 'does-not-exist', '2.0']`)}\n`, 'partly.yaml');
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.deepEqual(await listTags(target, 'partly/app'), ['1.0', '2.0']);
  assert.match(r.stdout, /copy 127\.0\.0\.1:\d+\/single\/app:does-not-exist → .* failed: .*MANIFEST_UNKNOWN/);
});

describe('native relay through auth and TLS on both sides', () => {
  const cases: Array<{ name: string; opts: StartRegistryOptions }> = [
    { name: 'htpasswd basic auth', opts: { auth: 'htpasswd', users: { alice: 'src-Pa55word' } } },
    { name: 'token auth', opts: { auth: 'token', users: { bob: 'tok-Pa55word' } } },
    { name: 'TLS with a CA in the certs dir', opts: { tls: 'tls' } },
    { name: 'mutual TLS and basic auth', opts: { tls: 'mtls', auth: 'htpasswd', users: { carol: 'tls-Pa55word' } } },
  ];
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  const locationYaml = (reg: TestRegistry, registry: string) => {
    const [user, pass] = Object.entries(reg.users)[0] ?? [];
    const auth = reg.auth !== 'none' && user && pass ? `, auth: ${authOf(user, pass)}` : '';
    return `{ registry: ${registry}${reg.tls === 'none' ? ', skip-tls-verify: true' : ''}${auth} }`;
  };

  for (const c of cases) {
    test(c.name, async () => {
      const caseDir = await makeTempDir('dregsy-e2e-native-sec-');
      const src = await startRegistry(c.opts);
      // Other credentials at the target, so a mix-up fails.
      const users = c.opts.users ? Object.fromEntries(Object.keys(c.opts.users).map((u) => [`${u}-t`, 'tgt-Pa55word'])) : undefined;
      const tgt = await startRegistry({ ...c.opts, ...(users ? { users } : {}) });
      cleanups.push(async () => {
        await Promise.all([src.stop(), tgt.stop()]);
        await rm(caseDir, { recursive: true, force: true });
      });
      // The target as localhost:PORT, so each registry has its own folder in one certs dir.
      const certsDir = join(caseDir, 'certs.d');
      await mkdir(certsDir, { recursive: true });
      if (src.certsDir) await cp(join(src.certsDir, '127.0.0.1'), join(certsDir, '127.0.0.1'), { recursive: true });
      if (tgt.certsDir) await cp(join(tgt.certsDir, '127.0.0.1'), join(certsDir, 'localhost'), { recursive: true });
      const targetHost = `localhost:${tgt.port}`;
      const images = await pushTags(src, 'team/app', ['1.0', 'latest']);
      const multi = await pushImage(src, 'team/multi', 'v1', { platforms: platforms.slice(0, 2) });
      const file = await writeConfig(
        caseDir,
        `relay: native
skopeo: { certs-dir: ${certsDir} }
tasks:
  - name: secure
    source: ${locationYaml(src, src.host)}
    target: ${locationYaml(tgt, targetHost)}
    mappings:
      - from: team/app
        to: mirror/app
      - from: team/app          # the same blobs again: mounted from mirror/app
        to: mirror/again
      - from: team/multi
        to: mirror/multi
        platform: all
`,
      );
      const r = await runDregsy([`-config=${file}`], { env: { LOG_LEVEL: 'debug' } });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      // The mount asks for pull on a second repository: with tokens, a scope of its own.
      assert.match(r.stdout, /native copy done .*mounted=[1-9]/, 'blobs shared between target repositories are mounted');
      for (const repo of ['mirror/app', 'mirror/again']) {
        assert.deepEqual(await listTags(tgt, repo), ['1.0', 'latest']);
        for (const tag of ['1.0', 'latest']) assert.equal(await manifestDigest(tgt, repo, tag), images[tag]!.digest, `${repo}:${tag}`);
      }
      assert.equal(await manifestDigest(tgt, 'mirror/multi', 'v1'), multi.digest);
      assert.doesNotMatch(r.stdout + r.stderr, /Pa55word/, 'no password in the output');
    });
  }
});

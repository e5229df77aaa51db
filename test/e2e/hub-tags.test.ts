/**
 * Warm runs from Docker Hub read digests through Hub's tag API (100 tags a call, here pages of
 * two) instead of one HEAD per tag: `registry-1.docker.io` is a real registry reached through a
 * CONNECT proxy, the Hub API a local server answering from that registry's contents.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, test } from 'node:test';
import { startConnectProxy } from '../support/connect-proxy.js';
import { startFakeDockerHub, type HubTag } from '../support/hub-server.js';
import { listTags, makeTempDir, manifestDigest, pushImage, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { authOf, runDregsy, writeConfig } from './dregsy-cli.js';

const USER = 'hubuser';
const PW = 'Hub-Pa55-7c1e9a';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const TAGS = ['1', '2', '3', '4', '5', 'old'];

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** What the tag API answers: the real registry's tags and digests; `old` as a schema-1 image (no digest). */
async function tagsOf(reg: TestRegistry, repo: string): Promise<HubTag[] | undefined> {
  const tags = await listTags(reg, repo).catch(() => undefined);
  if (!tags) return undefined;
  const out: HubTag[] = [];
  for (const name of tags) out.push(name === 'old' ? { name } : { name, digest: await manifestDigest(reg, repo, name), media_type: OCI_MANIFEST });
  return out;
}

/** dregsy's reads of manifests by tag (the fake's own reads have another User-Agent), as `METHOD tag`. */
const manifestReads = (log: string) =>
  log
    .split('\n')
    .filter((l) => /"dregsy"\s*$/.test(l))
    .flatMap((l) => {
      const m = /"(HEAD|GET) \/v2\/team\/app\/manifests\/([^ "]+)/.exec(l);
      return m ? [`${m[1]} ${m[2]}`] : [];
    });

/**
 * `registry` served as Docker Hub: `registry-1.docker.io` reaches it through a CONNECT proxy,
 * and a fake Hub API answers the tag API from its contents (`pageSize` tags a page, if given).
 */
async function servedAsDockerHub(dir: string, registry: TestRegistry, pageSize?: number) {
  const hub = await startFakeDockerHub({ username: USER, password: PW, repositories: [] }, 2, {
    ...(pageSize !== undefined && { tagPageSize: pageSize }),
    privateTags: true,
    tags: (ns, name) => tagsOf(registry, `${ns}/${name}`),
  });
  cleanups.push(() => hub.stop());
  const proxy = await startConnectProxy({ 'registry-1.docker.io': registry.port });
  cleanups.push(() => proxy.stop());
  const env = { HOME: dir, DOCKER_CONFIG: `${dir}/.docker`, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1,localhost', DREGSY_DOCKERHUB_API_URL: hub.url };
  return { hub, env };
}

test('Docker Hub source: a warm run reads digests from the tag API, HEADs only what it does not list, sees a moved tag, and falls back to HEADs when the API fails', async () => {
  const dir = await makeTempDir('dregsy-e2e-hub-tags-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [src, dst] = await Promise.all([startRegistry({ tls: 'tls', auth: 'htpasswd', users: { [USER]: PW }, accessLog: true }), startRegistry()]);
  cleanups.push(async () => void (await Promise.all([src.stop(), dst.stop()])));
  await pushTags(src, 'team/app', TAGS);
  const { hub, env } = await servedAsDockerHub(dir, src, 2);
  const file = await writeConfig(
    dir,
    `relay: skopeo
tasks:
  - name: hub
    source: { registry: docker.io, auth: ${authOf(USER, PW)}, skip-tls-verify: true }
    target: { registry: ${dst.host}, skip-tls-verify: true }
    mappings:
      - from: team/app
`,
  );
  const cold = await runDregsy([`-config=${file}`], { env });
  assert.equal(cold.code, 0, cold.stdout + cold.stderr);
  assert.deepEqual(await listTags(dst, 'team/app'), TAGS);

  const reads = async () => manifestReads(await src.accessLog());
  const tagCalls = () => hub.requests.filter((r) => r.startsWith('GET /v2/namespaces/team/repositories/app/tags')).length;
  let seen = (await reads()).length;
  let calls = tagCalls();
  const logins = () => hub.requests.filter((r) => r === 'POST /v2/users/login/').length;
  const loginsBefore = logins();
  const warm = await runDregsy([`-config=${file}`], { env: { ...env, LOG_LEVEL: 'debug' } });
  assert.equal(warm.code, 0, warm.stdout + warm.stderr);
  assert.doesNotMatch(warm.stdout, /copied /);
  assert.equal((warm.stdout.match(/unchanged team\/app:/g) ?? []).length, TAGS.length, warm.stdout);
  // Only the tag listed without a digest is asked for; the rest came from the listing.
  assert.deepEqual((await reads()).slice(seen), ['HEAD old']);
  // Six tags in pages of two: three calls, following `next`, after one login with the task's credentials.
  assert.equal(tagCalls() - calls, 3);
  assert.equal(logins() - loginsBefore, 1);
  assert.match(warm.stdout, /5 tag digest\(s\) from the Docker Hub tag API \(not every tag/);
  assert.doesNotMatch(warm.stdout + warm.stderr, new RegExp(PW));

  // A tag pushed anew at the source: the listing's digest differs, so it is copied, alone.
  const moved = await pushImage(src, 'team/app', '3', { label: 'moved' });
  const again = await runDregsy([`-config=${file}`], { env });
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.deepEqual([...again.stdout.matchAll(/copied (team\/app:\S+)/g)].map((m) => m[1]), ['team/app:3']);
  assert.equal(await manifestDigest(dst, 'team/app', '3'), moved.digest);

  // The API failing: every tag is HEADed instead, and the run still sees what moved.
  hub.failTags(500);
  const moved2 = await pushImage(src, 'team/app', '2', { label: 'moved again' });
  seen = (await reads()).length;
  calls = tagCalls();
  const failing = await runDregsy([`-config=${file}`], { env });
  assert.equal(failing.code, 0, failing.stdout + failing.stderr);
  assert.ok(tagCalls() - calls >= 1, 'the listing was asked for');
  assert.deepEqual((await reads()).slice(seen).filter((r) => r.startsWith('HEAD ')).sort(), TAGS.map((t) => `HEAD ${t}`).sort());
  assert.deepEqual([...failing.stdout.matchAll(/copied (team\/app:\S+)/g)].map((m) => m[1]), ['team/app:2']);
  assert.equal(await manifestDigest(dst, 'team/app', '2'), moved2.digest);
});

test('Docker Hub target: a warm run reads the target side from the tag API, with no HEAD per tag there', async () => {
  const dir = await makeTempDir('dregsy-e2e-hub-target-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [src, hubReg] = await Promise.all([startRegistry(), startRegistry({ tls: 'tls', auth: 'htpasswd', users: { [USER]: PW }, accessLog: true })]);
  cleanups.push(async () => void (await Promise.all([src.stop(), hubReg.stop()])));
  const tags = ['a', 'b', 'c'];
  await pushTags(src, 'mirror/app', tags);
  const { env } = await servedAsDockerHub(dir, hubReg);
  const file = await writeConfig(
    dir,
    `relay: skopeo
tasks:
  - name: to-hub
    source: { registry: ${src.host}, skip-tls-verify: true }
    target: { registry: docker.io, auth: ${authOf(USER, PW)}, skip-tls-verify: true }
    mappings:
      - from: mirror/app
        to: team/app
`,
  );
  const cold = await runDregsy([`-config=${file}`], { env });
  assert.equal(cold.code, 0, cold.stdout + cold.stderr);
  assert.deepEqual(await listTags(hubReg, 'team/app'), tags);
  const seen = manifestReads(await hubReg.accessLog()).length;
  const warm = await runDregsy([`-config=${file}`], { env: { ...env, LOG_LEVEL: 'debug' } });
  assert.equal(warm.code, 0, warm.stdout + warm.stderr);
  assert.equal((warm.stdout.match(/unchanged mirror\/app:/g) ?? []).length, tags.length, warm.stdout);
  assert.deepEqual(manifestReads(await hubReg.accessLog()).slice(seen), [], 'no HEAD per tag at the Docker Hub target');
});

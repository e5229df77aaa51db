/**
 * Docker Hub's tag API through our client, against a local server speaking its protocol:
 * paging by `next`, tags without digest, the page bound, JWTs per credential, retries.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createDockerHubClient } from '../../src/registry/docker-hub.js';
import { RegistryError } from '../../src/errors.js';
import { startFakeDockerHub, type HubTag } from '../support/hub-server.js';

const OCI = 'application/vnd.oci.image.manifest.v1+json';
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const TAGS: HubTag[] = [1, 2, 3, 4, 5].map((n) => ({ name: `v${n}`, digest: digest(n), media_type: OCI }));
const USER = { username: 'alice', password: 'Alice-Pw-1' };

const hub = await startFakeDockerHub({ ...USER, repositories: [] }, 2, {
  tagPageSize: 2,
  privateTags: true,
  tags: async (ns, name) => (ns === 'alice' && name === 'app' ? TAGS : ns === 'alice' && name === 'legacy' ? [...TAGS.slice(0, 2), { name: 'schema1' }] : undefined),
});
const client = createDockerHubClient({ baseUrl: hub.url, userAgent: 'dregsy-test', logger: silentLogger(), retry: { attempts: 8, baseDelayMs: 10, maxDelayMs: 50 } });
after(async () => {
  await client.close();
  await hub.stop();
});
const tagCalls = () => hub.requests.filter((r) => r.includes('/tags')).length;
const logins = () => hub.requests.filter((r) => r === 'POST /v2/users/login/').length;

test('every tag in pages, following next; one login per credential, reused', async () => {
  const before = logins();
  const calls = tagCalls();
  const all = await client.tagDigests('alice/app', USER, 10);
  assert.equal(all.complete, true);
  assert.deepEqual([...all.digests], TAGS.map((t) => [t.name, { digest: t.digest, mediaType: OCI }]));
  assert.equal(tagCalls() - calls, 3);
  await client.tagDigests('alice/app', USER, 10);
  assert.equal(logins() - before, 1, 'the JWT is reused for the same credential');
});

test('another credential never rides on a JWT got with the first', async () => {
  await client.tagDigests('alice/app', USER, 10);
  await assert.rejects(client.tagDigests('alice/app', { username: 'alice', password: 'wrong' }, 10), (e) => e instanceof RegistryError && e.status === 401);
  // Anonymous: the private repository is not shown.
  await assert.rejects(client.tagDigests('alice/app', undefined, 10), (e) => e instanceof RegistryError && e.status === 404);
});

test('at most maxCalls pages: the rest is left to HEADs (not complete)', async () => {
  const two = await client.tagDigests('alice/app', USER, 2);
  assert.equal(two.complete, false);
  assert.deepEqual([...two.digests.keys()], ['v1', 'v2', 'v3', 'v4']);
});

test('a tag listed without a digest (schema 1) is left out and the listing is not complete', async () => {
  const legacy = await client.tagDigests('alice/legacy', USER, 10);
  assert.equal(legacy.complete, false);
  assert.deepEqual([...legacy.digests.keys()], ['v1', 'v2']);
});

test('a failing API is retried a few times, then the error is passed on', async () => {
  hub.failTags(503);
  try {
    const calls = tagCalls();
    await assert.rejects(client.tagDigests('alice/app', USER, 10), (e) => e instanceof RegistryError && e.status === 503);
    assert.equal(tagCalls() - calls, 3, 'three tries at most: a failed listing only costs HEADs');
  } finally {
    hub.failTags(undefined);
  }
});

test('a path that is not namespace/name is refused before any call', async () => {
  await assert.rejects(client.tagDigests('a/b/c', undefined, 10), /not a Docker Hub repository path/);
});

test('an API that cannot be connected to is not asked again for a while (no connect timeout per repository)', async () => {
  const { createServer } = await import('node:net');
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const down = createDockerHubClient({ baseUrl: `http://127.0.0.1:${port}`, userAgent: 'dregsy-test', logger: silentLogger(), retry: { attempts: 8, baseDelayMs: 10, maxDelayMs: 50 } });
  try {
    await assert.rejects(down.tagDigests('alice/app', undefined, 10), /cannot reach Docker Hub/);
    await assert.rejects(down.tagDigests('alice/other', undefined, 10), /could not be reached a moment ago/);
  } finally {
    await down.close();
  }
});

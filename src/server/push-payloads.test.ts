import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerMatches } from './bearer.js';
import { parseListenAddress } from './listen-address.js';
import { parseDistribution, parseDockerHub, parseHarbor } from './push-payloads.js';
import { RecentIds } from './recent-ids.js';

test('Distribution envelope: tagged manifest pushes only, with id, host, digest and user agent', () => {
  const r = parseDistribution({
    events: [
      { id: 'e1', action: 'push', target: { repository: 'team/app', tag: '1.0', digest: 'sha256:a' }, request: { host: 'reg:5000', useragent: 'skopeo/1.9.3' }, actor: {} },
      { id: 'e2', action: 'push', target: { repository: 'team/app', digest: 'sha256:b' } }, // by digest: a child or a layer
      { id: 'e3', action: 'pull', target: { repository: 'team/app', tag: '1.0' } },
      { id: 'e4', action: 'delete', target: { repository: 'team/app', tag: '1.0' } },
      'garbage',
    ],
  });
  assert.deepEqual(r, { ok: true, ignored: 4, events: [{ id: 'e1', host: 'reg:5000', repo: 'team/app', tag: '1.0', digest: 'sha256:a', userAgent: 'skopeo/1.9.3' }] });
  assert.equal(parseDistribution({}).ok, false);
  assert.equal(parseDistribution(undefined).ok, false);
});

test("Docker Hub's webhook: one push on docker.io", () => {
  const r = parseDockerHub({
    callback_url: 'https://registry.hub.docker.com/u/acme/app/hook/abc/',
    push_data: { pushed_at: 1417566161, pusher: 'trustedbuilder', tag: 'latest' },
    repository: { repo_name: 'acme/app', namespace: 'acme', name: 'app' },
  });
  assert.deepEqual(r, { ok: true, ignored: 0, events: [{ id: 'https://registry.hub.docker.com/u/acme/app/hook/abc/', host: 'docker.io', repo: 'acme/app', tag: 'latest' }] });
  assert.equal(parseDockerHub({ repository: { repo_name: 'x' } }).ok, false);
});

test("Harbor's PUSH_ARTIFACT: each tagged resource, the host from resource_url; other types ignored", () => {
  const body = (type: string) => ({
    type,
    occur_at: 1680000000,
    operator: 'admin',
    event_data: {
      resources: [
        { digest: 'sha256:c', tag: 'v1', resource_url: 'harbor.example.com/library/app:v1' },
        { digest: 'sha256:d', resource_url: 'harbor.example.com/library/app@sha256:d' },
      ],
      repository: { name: 'app', namespace: 'library', repo_full_name: 'library/app', repo_type: 'private' },
    },
  });
  assert.deepEqual(parseHarbor(body('PUSH_ARTIFACT')), {
    ok: true,
    ignored: 1,
    events: [{ id: 'harbor:1680000000:library/app:v1@sha256:c', host: 'harbor.example.com', repo: 'library/app', tag: 'v1', digest: 'sha256:c' }],
  });
  assert.deepEqual(parseHarbor(body('PULL_ARTIFACT')), { ok: true, events: [], ignored: 2 });
});

test('bearer: exact secret only, constant-time, case-insensitive scheme', () => {
  assert.equal(bearerMatches('Bearer s3cret', 's3cret'), true);
  assert.equal(bearerMatches('bearer  s3cret ', 's3cret'), true);
  for (const h of ['Bearer s3cre', 'Bearer s3cretx', 'Basic s3cret', 's3cret', 'Bearer ', '', undefined, ['Bearer s3cret']]) {
    assert.equal(bearerMatches(h as string | undefined, 's3cret'), false, String(h));
  }
  assert.equal(bearerMatches('Bearer x', undefined), false, 'no secret configured: nothing passes');
  assert.equal(bearerMatches('Bearer ', ''), false);
});

test('listen addresses', () => {
  assert.deepEqual(parseListenAddress('127.0.0.1:8080'), { ok: true, host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListenAddress(':8080'), { ok: true, host: undefined, port: 8080 });
  assert.deepEqual(parseListenAddress('[::1]:0'), { ok: true, host: '::1', port: 0 });
  for (const bad of ['8080', 'host', 'host:99999', ':', 'a b:1']) assert.equal(parseListenAddress(bad).ok, false, bad);
});

test('recent ids: a repeat within the window is recognised; memory is bounded by count and age', () => {
  let now = 0;
  const ids = new RecentIds(3, 1_000, () => now);
  assert.equal(ids.firstTime('a'), true);
  assert.equal(ids.firstTime('a'), false);
  ids.firstTime('b');
  ids.firstTime('c');
  ids.firstTime('d');
  assert.equal(ids.size, 3);
  assert.equal(ids.firstTime('a'), true, 'the oldest was dropped');
  now = 5_000;
  assert.equal(ids.firstTime('d'), true, 'expired');
  assert.equal(ids.size, 1);
});

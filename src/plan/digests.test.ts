import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseChild, decide, hostPlatform, indexChildren, type SourceManifest } from './digests.js';

const OCI = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const host = { os: 'linux', architecture: 'amd64' };
const index: SourceManifest = {
  digest: 'sha256:index',
  mediaType: INDEX,
  children: [
    { digest: 'sha256:amd64', platform: { os: 'linux', architecture: 'amd64' } },
    { digest: 'sha256:arm64', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { digest: 'sha256:armv7', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { digest: 'sha256:armv6', platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
  ],
};

test('single images: skip when the target has the same digest, copy when missing or changed', () => {
  const src = { digest: 'sha256:a', mediaType: OCI };
  assert.deepEqual(decide(src, 'sha256:a', { kind: 'default' }, host), { action: 'skip', digest: 'sha256:a' });
  assert.deepEqual(decide(src, undefined, { kind: 'default' }, host), { action: 'copy', expectedDigest: 'sha256:a', reason: 'missing' });
  assert.deepEqual(decide(src, 'sha256:b', { kind: 'default' }, host), { action: 'copy', expectedDigest: 'sha256:a', reason: 'changed' });
  // A platform on a single image does not change what is copied.
  assert.equal(decide(src, 'sha256:a', { kind: 'one', os: 'linux', architecture: 'arm64' }, host).action, 'skip');
});

test("indexes: compare the chosen platform's child, or the index itself for platform all", () => {
  assert.equal(decide(index, 'sha256:amd64', { kind: 'default' }, host).action, 'skip');
  assert.equal(decide(index, 'sha256:index', { kind: 'default' }, host).action, 'copy');
  assert.equal(decide(index, 'sha256:arm64', { kind: 'one', os: 'linux', architecture: 'arm64' }, host).action, 'skip');
  assert.equal(decide(index, 'sha256:armv7', { kind: 'one', os: 'linux', architecture: 'arm', variant: 'v7' }, host).action, 'skip');
  assert.equal(decide(index, 'sha256:armv7', { kind: 'one', os: 'linux', architecture: 'arm', variant: 'v6' }, host).action, 'copy');
  assert.equal(decide(index, 'sha256:index', { kind: 'all' }, host).action, 'skip');
  assert.equal(decide(index, 'sha256:amd64', { kind: 'all' }, host).action, 'copy');
});

test('no matching child: copy and let the relay report it', () => {
  assert.deepEqual(decide(index, 'sha256:x', { kind: 'one', os: 'windows', architecture: 'amd64' }, host), {
    action: 'copy',
    expectedDigest: undefined,
    reason: 'unknown',
  });
});

test('child choice without a variant prefers a child without one', () => {
  const children = [
    { digest: 'v8', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { digest: 'plain', platform: { os: 'linux', architecture: 'arm64' } },
  ];
  assert.equal(chooseChild(children, { os: 'linux', architecture: 'arm64' })?.digest, 'plain');
  assert.equal(chooseChild(children.slice(0, 1), { os: 'linux', architecture: 'arm64' })?.digest, 'v8');
});

test('host platform and index parsing', () => {
  assert.deepEqual(hostPlatform('x64', 'linux'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(hostPlatform('arm', 'linux'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(indexChildren({ manifests: [{ digest: 'd', platform: { os: 'linux', architecture: 'amd64' } }, { nope: 1 }] }), [
    { digest: 'd', platform: { os: 'linux', architecture: 'amd64' } },
  ]);
  assert.deepEqual(indexChildren('garbage'), []);
});

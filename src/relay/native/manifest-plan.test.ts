import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlatformChoice } from '../../plan/platform.js';
import { parseManifest, planRoot, type ManifestShape } from './manifest-plan.js';

const OCI = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const FOREIGN = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
const host = { os: 'linux', architecture: 'amd64' };

const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));
const desc = (digest: string, mediaType = LAYER, extra: object = {}) => ({ mediaType, digest, size: 10, ...extra });

const image = (mediaType: string, layers: object[]) => bytes({ schemaVersion: 2, mediaType, config: desc('sha256:cfg', 'application/vnd.oci.image.config.v1+json'), layers });
const index = bytes({
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  manifests: [
    { ...desc('sha256:amd64', OCI), platform: { os: 'linux', architecture: 'amd64' } },
    { ...desc('sha256:arm64', OCI), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { ...desc('sha256:armv7', OCI), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
  ],
});

test('an image manifest: its config first, then its layers, each once', () => {
  const shape = parseManifest(OCI, image(OCI, [desc('sha256:l1'), desc('sha256:l2'), desc('sha256:l1')]));
  assert.equal(shape.kind, 'image');
  const s = shape as ManifestShape & { kind: 'image' };
  assert.deepEqual(s.blobs.map((b) => [b.digest, b.role]), [['sha256:cfg', 'config'], ['sha256:l1', 'layer'], ['sha256:l2', 'layer']]);
  assert.deepEqual(s.foreign, []);
});

test('Docker v2 manifests are images too', () => {
  assert.equal(parseManifest(DOCKER, image(DOCKER, [desc('sha256:l1', 'application/vnd.docker.image.rootfs.diff.tar.gzip')])).kind, 'image');
});

test('foreign and non-distributable layers with urls are left behind; without urls they are copied', () => {
  const withUrls = desc('sha256:win', FOREIGN, { urls: ['https://mcr.microsoft.com/x'] });
  const nondist = desc('sha256:nd', 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', { urls: ['https://example.com/nd'] });
  const noUrls = desc('sha256:plain-foreign', FOREIGN);
  const s = parseManifest(DOCKER, image(DOCKER, [withUrls, nondist, noUrls, desc('sha256:l1')])) as ManifestShape & { kind: 'image' };
  assert.deepEqual(s.foreign.map((b) => b.digest), ['sha256:win', 'sha256:nd']);
  assert.deepEqual(s.blobs.map((b) => b.digest), ['sha256:cfg', 'sha256:plain-foreign', 'sha256:l1']);
});

test('indexes and manifest lists list their children with platforms', () => {
  const s = parseManifest(OCI_INDEX, index);
  assert.equal(s.kind, 'index');
  assert.deepEqual((s as ManifestShape & { kind: 'index' }).children.map((c) => c.digest), ['sha256:amd64', 'sha256:arm64', 'sha256:armv7']);
  assert.equal(parseManifest(DOCKER_LIST, index).kind, 'index');
});

test('schema1 is refused by media type or by schemaVersion, with a pointer to skopeo', () => {
  for (const [type, body] of [
    ['application/vnd.docker.distribution.manifest.v1+prettyjws', bytes({ schemaVersion: 1, fsLayers: [] })],
    ['application/json', bytes({ schemaVersion: 1, fsLayers: [] })],
  ] as const) {
    const s = parseManifest(type, body);
    assert.equal(s.kind, 'refused');
    assert.match((s as { why: string }).why, /schema1 is not supported by the native relay; use skopeo/);
  }
});

test('unknown or broken manifests are refused, not guessed at', () => {
  assert.match((parseManifest('application/vnd.example+json', bytes({ schemaVersion: 2 })) as { why: string }).why, /'application\/vnd\.example\+json' is not supported/);
  assert.equal(parseManifest(OCI, Buffer.from('not json')).kind, 'refused');
  assert.equal(parseManifest(OCI, bytes({ schemaVersion: 2, config: { digest: 'sha256:cfg' }, layers: [] })).kind, 'refused');
});

test('what each platform choice copies from an index, and from a single image', () => {
  const shape = parseManifest(OCI_INDEX, index);
  const root = { digest: 'sha256:index', mediaType: OCI_INDEX };
  const cases: Array<[PlatformChoice, unknown]> = [
    [{ kind: 'default' }, { kind: 'child', digest: 'sha256:amd64' }],
    [{ kind: 'one', os: 'linux', architecture: 'arm64' }, { kind: 'child', digest: 'sha256:arm64' }],
    [{ kind: 'one', os: 'linux', architecture: 'arm', variant: 'v7' }, { kind: 'child', digest: 'sha256:armv7' }],
    [{ kind: 'all' }, { kind: 'all', children: ['sha256:amd64', 'sha256:arm64', 'sha256:armv7'] }],
    [{ kind: 'one', os: 'windows', architecture: 'amd64' }, { kind: 'refused', why: 'no image in the index matches platform windows/amd64' }],
  ];
  for (const [platform, expected] of cases) assert.deepEqual(planRoot(shape, root, platform, host), expected, JSON.stringify(platform));
  // The host's platform is the default: on an arm64 machine, the arm64 child.
  assert.deepEqual(planRoot(shape, root, { kind: 'default' }, { os: 'linux', architecture: 'arm64' }), { kind: 'child', digest: 'sha256:arm64' });
  assert.deepEqual(planRoot(shape, root, { kind: 'default' }, { os: 'linux', architecture: 's390x' }), { kind: 'refused', why: 'no image in the index matches platform linux/s390x' });

  const single = parseManifest(OCI, image(OCI, []));
  for (const platform of [{ kind: 'default' }, { kind: 'all' }, { kind: 'one', os: 'linux', architecture: 'arm64' }] as PlatformChoice[]) {
    assert.deepEqual(planRoot(single, { digest: 'sha256:one', mediaType: OCI }, platform, host), { kind: 'image' });
  }
});

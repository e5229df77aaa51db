/**
 * skopeo sync → dregsy: the example of skopeo-sync(1) and a file with every key plus most
 * flags: keys and values, the exact list of what was left out, secrets never printed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, importConfig } from '../../src/import/import-config.js';
import { ImportInputError } from '../../src/import/peer-file.js';
import { assertNoSecrets, convert, droppedPaths } from './kit.js';

describe("skopeo-sync(1)'s example, with --all into my-registry.local.lan/repo", () => {
  const c = convert('skopeo-sync', ['skopeo-sync/man-page.yml'], ['--src', 'yaml', '--dest', 'docker', '--all', 'my-registry.local.lan/repo']);

  test('one task per source registry, images at <destination>/<last path component>', () => {
    assert.deepEqual(c.data.tasks.map((t) => [t.name, t.source, t.target]), [
      ['registry.example.com-to-my-registry.local.lan', { registry: 'registry.example.com', auth: '${DREGSY_AUTH_REGISTRY_EXAMPLE_COM}' }, { registry: 'my-registry.local.lan' }],
      ['quay.io-to-my-registry.local.lan', { registry: 'quay.io', 'skip-tls-verify': true }, { registry: 'my-registry.local.lan' }],
    ]);
    assert.deepEqual(c.data.tasks[0]?.mappings, [
      { from: 'busybox', to: 'repo/busybox', platform: 'all' },
      { from: 'redis', to: 'repo/redis', tags: ['1.0', '2.0', 'sha256:0000000000000000000000000000000011111111111111111111111111111111'], platform: 'all' },
      { from: 'nginx', to: 'repo/nginx', tags: ['regex: ^1\\.13\\.[12]-alpine-perl$'], platform: 'all' },
      { from: 'alpine', to: 'repo/alpine', tags: ['semver: >=3.12.0', 'keep: !v?[0-9]+(\\.[0-9]+){0,2}-.*'], platform: 'all' },
    ]);
    assert.deepEqual(c.data.tasks[1]?.mappings, [{ from: 'coreos/etcd', to: 'repo/etcd', tags: ['latest'], platform: 'all' }]);
  });

  test('complete: nothing left out; the cert-dir is a link under certs-dir; credentials are a variable', () => {
    assert.deepEqual(c.dropped, []);
    assert.deepEqual(c.result.files.map((f) => f.path), ['/etc/skopeo/certs.d/registry.example.com']);
    assert.deepEqual(c.result.env.map((e) => e.name), ['DREGSY_AUTH_REGISTRY_EXAMPLE_COM']);
    assertNoSecrets(c, ['this is a secret']); // 'john' is in the cert-dir path, which is no secret
    assert.equal(c.loaded.config.tasks?.length, 2);
  });
});

describe('every key of the file and the flags of skopeo sync', () => {
  const args = ['skopeo', 'sync', '--src', 'yaml', '--dest', 'docker', '--scoped', '--all', '--dest-tls-verify=false', '--dest-creds', 'destuser:Dest-Secret-Pw', '--dest-cert-dir', '/etc/certs/mirror.example.net', '--retry-times', '3', '--keep-going', '--preserve-digests', '--remove-signatures', '--format', 'oci', '--sign-by', 'key', '--override-arch', 'arm64', '--digestfile', '/tmp/d', '--append-suffix', '-x', 'mirror.example.net/base'];
  const c = convert('skopeo-sync', ['skopeo-sync/all-options.yml'], args);

  test('left out, exactly', () => {
    assert.deepEqual(droppedPaths(c), [
      '["docker.io"].images-by-semver.golang',
      '["quay.io/coreos"].images.etcd',
      '["registry.example.com:5000"].images-by-tag-regex',
      '["registry.example.com:5000"].bogus',
      '--append-suffix',
      '--retry-times',
      '--remove-signatures',
      '--format',
      '--sign-by',
    ]);
  });

  test('--scoped paths, Docker Hub names, unanchored regex, semver with the prerelease filter, a path in the registry key', () => {
    const [hub, quay] = c.data.tasks;
    assert.deepEqual(hub?.mappings.map((m) => [m.from, m.to, m.tags]), [
      ['library/busybox', 'base/docker.io/library/busybox', ['1.36', 'sha256:5b0f33c83a97f5f7d12698df6732098b0cdb860d377f6307b68efe2c6821296f']],
      ['library/alpine', 'base/docker.io/library/alpine', undefined],
      ['bitnami/redis', 'base/docker.io/bitnami/redis', undefined],
      ['library/nginx', 'base/docker.io/library/nginx', ['regex: .*1\\.2[0-9]\\..*']],
      ['library/alpine', 'base/docker.io/library/alpine', ['semver: >=3.18.0 <3.20.0', 'keep: !v?[0-9]+(\\.[0-9]+){0,2}-.*']],
    ]);
    assert.deepEqual(quay?.mappings, [{ from: 'coreos/etcd', to: 'base/quay.io/coreos/etcd', tags: ['v3.5.0'], platform: 'all' }]);
    assert.deepEqual(quay?.source, { registry: 'quay.io', 'skip-tls-verify': true });
    assert.deepEqual(hub?.target, { registry: 'mirror.example.net', auth: '${DREGSY_AUTH_MIRROR_EXAMPLE_NET}', 'skip-tls-verify': true });
  });

  test('cert dirs named after their host share a parent: that is certs-dir', () => {
    assert.deepEqual(c.data.skopeo, { 'certs-dir': '/etc/certs' });
    assert.deepEqual(c.result.files.map((f) => f.path), ['/etc/certs/registry.example.com']);
  });

  test('credentials from the file and the command line never reach the output', () => {
    assertNoSecrets(c, ['Hub-Secret-Pw', 'hubuser', 'Dest-Secret-Pw', 'destuser']);
    assert.deepEqual(c.result.env.map((e) => e.name).sort(), ['DREGSY_AUTH_DOCKER_IO', 'DREGSY_AUTH_MIRROR_EXAMPLE_NET']);
  });

  test('dregsy accepts it', () => assert.equal(c.loaded.config.tasks?.length, 2));
});

test('platform from --override-os/--override-arch; without --all or them, none (the host platform, as skopeo)', () => {
  const one = convert('skopeo-sync', ['skopeo-sync/man-page.yml'], ['--src', 'yaml', '--dest', 'docker', '--override-os', 'linux', '--override-arch', 'arm', '--override-variant', 'v7', '127.0.0.1:5000']);
  assert.deepEqual([...new Set(one.data.tasks.flatMap((t) => t.mappings.map((m) => m.platform)))], ['linux/arm/v7']);
  assert.deepEqual(one.data.tasks[0]?.mappings[0], { from: 'busybox', platform: 'linux/arm/v7' }); // no prefix: same path
  const none = convert('skopeo-sync', ['skopeo-sync/man-page.yml'], ['--src', 'yaml', '--dest', 'docker', '--src-no-creds', '--src-tls-verify=false', '127.0.0.1:5000/m']);
  assert.deepEqual([...new Set(none.data.tasks.flatMap((t) => t.mappings.map((m) => m.platform)))], [undefined]);
  // --src-no-creds and --src-tls-verify apply where the file says nothing
  assert.deepEqual(none.data.tasks.map((t) => t.source), [
    { registry: 'registry.example.com', auth: '${DREGSY_AUTH_REGISTRY_EXAMPLE_COM}' },
    { registry: 'quay.io', auth: 'none', 'skip-tls-verify': true },
  ]);
});

test('the sync command line can name the file itself', () => {
  assert.deepEqual(FORMATS['skopeo-sync']!.filesIn(['skopeo', 'sync', '--src', 'yaml', '--dest', 'docker', 'sync.yml', 'dest']), ['sync.yml']);
  assert.deepEqual(FORMATS['skopeo-sync']!.filesIn(['--all', 'dest']), []);
});

test('what cannot convert at all is an input error: no destination, --dest dir, --src docker', () => {
  const text = 'quay.io:\n  images:\n    a/b: []\n';
  const run = (args: string[]) => () => importConfig(FORMATS['skopeo-sync']!, [{ name: 's.yml', text }], args);
  assert.throws(run(['--src', 'yaml', '--dest', 'docker']), /needs its DESTINATION/);
  assert.throws(run(['--src', 'yaml', '--dest', 'dir', '/media/usb']), (e: unknown) => e instanceof ImportInputError && /--dest: only --dest docker/.test(e.message));
  assert.throws(run(['--src', 'docker', '--dest', 'docker', 'dest']), /only --src yaml converts/);
  assert.throws(run(['--src', 'yaml', '--dest', 'docker', '--unknown-flag', 'dest']), /unknown skopeo sync option '--unknown-flag'/);
});

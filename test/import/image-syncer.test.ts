/**
 * image-syncer → dregsy: the example files of its README (seed document), every rule form and
 * flag, and the older single config.json; files told apart by their content, in any order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, importConfig } from '../../src/import/import-config.js';
import { assertNoSecrets, convert, droppedPaths } from './kit.js';

describe("image-syncer README's auth.json and images.json", () => {
  // images first: which file is which is read from the content, not the order or the name
  const c = convert('image-syncer', ['seeds/image-syncer-images.json', 'seeds/image-syncer-auth.json']);

  test('rules become mappings with platform: all; the longest matching auth key is used', () => {
    assert.deepEqual(c.data.tasks, [
      {
        name: 'quay.io-to-quay.io',
        source: { registry: 'quay.io', auth: '${DREGSY_AUTH_QUAY_IO_COREOS}', 'skip-tls-verify': true },
        target: { registry: 'quay.io', auth: '${DREGSY_AUTH_QUAY_IO}', 'skip-tls-verify': true },
        mappings: [{ from: 'coreos/kube-rbac-proxy', to: 'ruohe/kube-rbac-proxy', platform: 'all' }],
      },
      {
        name: 'docker.io-to-docker.io',
        source: { registry: 'docker.io' },
        target: { registry: 'docker.io' },
        mappings: [
          { from: 'library/xxxx', to: 'library/xxxxx', platform: 'all' },
          { from: 'xxx/xxx/xx', tags: ['tag1', 'tag2', 'tag3'], platform: 'all' },
        ],
      },
    ]);
  });

  test('complete, and the passwords stay out', () => {
    assert.deepEqual(c.dropped, []);
    assertNoSecrets(c, ['xxxxxxxxx']);
    assert.equal(c.loaded.config.tasks?.length, 2);
  });
});

describe('every rule form and flag', () => {
  const args = ['image-syncer', '--proc', '6', '--retries', '3', '--os', 'linux', '--arch', 'amd64', '--force', '--namespace', 'ruohe', '--registry', 'registry.cn-beijing.aliyuncs.com', '--log', '/tmp/l', '--output-success-images', '/tmp/ok'];
  const c = convert('image-syncer', ['image-syncer/auth.yaml', 'image-syncer/images.yaml'], args);

  test('left out, exactly: a renamed tag, the retries, an unknown auth key', () => {
    assert.deepEqual(droppedPaths(c), ['["registry.cn-beijing.aliyuncs.com/"].bogus', '["docker.io/library/nginx:1.25"]', '--retries']);
  });

  test('tags, several tags, digest, fan-out, regex, $VAR destinations, the default registry and namespace', () => {
    const [quay, aliyun, mirror] = c.data.tasks;
    const quayTags = quay?.mappings.map((m) => [m.to, m.tags]);
    assert.deepEqual(quayTags, [
      ['ruohe/kube-rbac-proxy', undefined],
      ['ruohe/kube-rbac-proxy', ['v1.0']],
      ['ruohe/kube-rbac-proxy', ['v1.0', 'v2.0']],
      ['ruohe/kube-rbac-proxy', ['sha256:14b267eb38aa85fd12d0e168fffa2d8a6187ac53a14a0212b0d4fce8d729598c']],
      ['ruohe/kube-rbac-proxy1', ['v1.1']],
      ['ruohe/kube-rbac-proxy', ['regex: .*a+.*']],
    ]);
    assert.deepEqual(aliyun?.mappings.map((m) => [m.from, m.to, m.tags]), [
      ['coreos/kube-rbac-proxy', 'ruohe/kube-rbac-proxy2', ['v1.1']],
      ['coreos/flannel', 'ruohe/flannel', ['v0.1']],
    ]);
    assert.deepEqual(mirror?.target, { registry: '${MIRROR}' });
    assert.ok(c.data.tasks.every((t) => t.mappings.every((m) => m.platform === 'linux/amd64' && m.force === true)));
    assert.deepEqual(c.data.concurrency, { copies: 6 });
    assert.doesNotMatch(c.text, /: [&*]a\d/, 'no YAML aliases');
  });

  test('credentials: env forms give a shell line, inline ones only a name; none is printed', () => {
    assert.deepEqual(c.result.env.map((e) => [e.name, e.command]), [
      ['DREGSY_AUTH_QUAY_IO_COREOS', undefined],
      ['DREGSY_AUTH_QUAY_IO', `export DREGSY_AUTH_QUAY_IO="$(printf '%s:%s' "$QUAY_USER" "$QUAY_PASS" | base64 -w0)"`],
      ['DREGSY_AUTH_REGISTRY_CN_BEIJING_ALIYUNCS_COM', undefined],
      ['MIRROR', undefined],
    ]);
    assertNoSecrets(c, ['Coreos-Secret-Pw', 'Ali-Secret-Pw', 'aliuser']);
  });

  test('dregsy accepts it', () => assert.equal(c.loaded.config.tasks?.length, 3));
});

test('the older config.json holds auth and images in one', () => {
  const c = convert('image-syncer', ['image-syncer/config.json']);
  assert.deepEqual(c.data.tasks, [
    {
      name: '127.0.0.1-5000-to-127.0.0.1-5001',
      source: { registry: '127.0.0.1:5000', auth: '${DREGSY_AUTH_127_0_0_1_5000}', 'skip-tls-verify': true },
      target: { registry: '127.0.0.1:5001' },
      mappings: [{ from: 'team/app', to: 'mirror/app', tags: ['1.0', '2.0'], platform: 'all' }],
    },
  ]);
  assertNoSecrets(c, ['Legacy-Secret-Pw', 'legacy-user']);
});

test('files that are not what image-syncer reads, or two of a kind, are input errors', () => {
  const run = (...texts: string[]) => () => importConfig(FORMATS['image-syncer']!, texts.map((text, i) => ({ name: `f${i}.json`, text })), []);
  assert.throws(run('{"a/b/c": "d/e/f"}', '{"x/y/z": "d/e/g"}'), /two images files \(f0.json and f1.json\)/);
  assert.throws(run('{"quay.io": {"username": "u"}}'), /needs its images file/);
  assert.throws(run('[1, 2]'), /f0.json: neither an image-syncer auth file/);
  assert.throws(run('{"a/b/c:/x": "d/e/f"}'), /f0.json:1: \["a\/b\/c:\/x"\]: source 'a\/b\/c:\/x': a tag regex must start and end with "\/"/);
  // --auth/--images on its command line name the files
  assert.deepEqual(FORMATS['image-syncer']!.filesIn(['image-syncer', '--auth=a.json', '--images', 'i.json', '--proc=3']), ['a.json', 'i.json']);
});

test('one source to several destinations: tasks that differ only in their target become one task with targets:', () => {
  const c = convert('image-syncer', ['image-syncer/fan-out.json']);
  assert.deepEqual(c.data.tasks, [
    {
      name: 'quay.io-to-mirror-a.example.com-and-mirror-b.example.com-5000',
      source: { registry: 'quay.io' },
      targets: [{ registry: 'mirror-a.example.com' }, { registry: 'mirror-b.example.com:5000' }],
      mappings: [
        { from: 'coreos/etcd', tags: ['v3.5.0', 'v3.5.1'], platform: 'all' },
        { from: 'coreos/flannel', tags: ['v0.1'], platform: 'all' },
      ],
    },
    // another path at this destination: its own task
    { name: 'quay.io-to-mirror-c.example.com', source: { registry: 'quay.io' }, target: { registry: 'mirror-c.example.com' }, mappings: [{ from: 'coreos/etcd', to: 'other/etcd', tags: ['v3.5.0', 'v3.5.1'], platform: 'all' }] },
  ]);
  assert.deepEqual(c.dropped, []);
  assert.deepEqual(c.loaded.config.tasks?.[0]?.targets?.map((t) => t.registry), ['mirror-a.example.com', 'mirror-b.example.com:5000']);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImageReference, splitRegistry } from './image-reference.js';
import { parseRuleRef, tagsFor } from './image-syncer-rules.js';

test("references read as Docker's ParseNormalizedNamed reads them", () => {
  const cases: [string, object][] = [
    ['busybox', { registry: 'docker.io', path: 'library/busybox', tag: undefined, digest: undefined }],
    ['busybox:latest', { registry: 'docker.io', path: 'library/busybox', tag: 'latest', digest: undefined }],
    ['user/app:1.0', { registry: 'docker.io', path: 'user/app', tag: '1.0', digest: undefined }],
    ['index.docker.io/alpine', { registry: 'docker.io', path: 'library/alpine', tag: undefined, digest: undefined }],
    ['localhost/app', { registry: 'localhost', path: 'app', tag: undefined, digest: undefined }],
    ['localhost:5000/library/busybox:latest', { registry: 'localhost:5000', path: 'library/busybox', tag: 'latest', digest: undefined }],
    ['quay.io/coreos/etcd@sha256:' + 'a'.repeat(64), { registry: 'quay.io', path: 'coreos/etcd', tag: undefined, digest: 'sha256:' + 'a'.repeat(64) }],
    ['${REG}/ns/app', { registry: '${REG}', path: 'ns/app', tag: undefined, digest: undefined }],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseImageReference(text), want, text);
  assert.ok('error' in parseImageReference('Quay.io'));
  assert.ok('error' in parseImageReference('app:bad tag'));
  assert.deepEqual(splitRegistry('myregistry/app'), { registry: 'docker.io', path: 'myregistry/app' });
});

test('image-syncer rules: tags, several tags, digest, regex; destinations without tags take the source tags', () => {
  assert.deepEqual(parseRuleRef('quay.io/coreos/kube-rbac-proxy:v1.0,v2.0'), { registry: 'quay.io', path: 'coreos/kube-rbac-proxy', select: { kind: 'tags', tags: ['v1.0', 'v2.0'] } });
  assert.deepEqual(parseRuleRef('quay.io/coreos/kube-rbac-proxy:/a+/'), { registry: 'quay.io', path: 'coreos/kube-rbac-proxy', select: { kind: 'regex', regex: 'a+' } });
  assert.deepEqual(parseRuleRef('quay.io/coreos/kube-rbac-proxy'), { registry: 'quay.io', path: 'coreos/kube-rbac-proxy', select: { kind: 'all' } });
  assert.ok('error' in parseRuleRef('quay.io/a/b:/unterminated'));
  const d = 'sha256:' + 'b'.repeat(64);
  assert.deepEqual(tagsFor({ kind: 'tags', tags: ['1', '2'] }, { kind: 'all' }), { tags: ['1', '2'] });
  assert.deepEqual(tagsFor({ kind: 'digest', digest: d }, { kind: 'tags', tags: ['v1'] }), { tags: [`v1@${d}`] });
  assert.deepEqual(tagsFor({ kind: 'regex', regex: 'a+' }, { kind: 'all' }), { tags: ['regex: .*a+.*'] });
  assert.deepEqual(tagsFor({ kind: 'tags', tags: ['1'] }, { kind: 'tags', tags: ['1'] }), { tags: ['1'] });
  assert.ok('error' in tagsFor({ kind: 'tags', tags: ['1'] }, { kind: 'tags', tags: ['latest'] }));
  assert.ok('error' in tagsFor({ kind: 'all' }, { kind: 'tags', tags: ['latest'] }));
});

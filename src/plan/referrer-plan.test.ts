import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digestTagsOf, indexBytes, mergedIndex, referrersTag } from './referrer-plan.js';

const hex = 'a'.repeat(64);
const subject = `sha256:${hex}`;
const d = (n: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${n.repeat(64)}`, size: 10 });

test('digest tags of a subject: its sha256-<hex>.<suffix> tags only, not the tag-schema index or other subjects', () => {
  const tags = ['latest', `sha256-${hex}`, `sha256-${hex}.sig`, `sha256-${hex}.att`, `sha256-${hex}.sbom`, `sha256-${'b'.repeat(64)}.sig`, `sha256-${hex}.`];
  assert.deepEqual(digestTagsOf(tags, subject), [`sha256-${hex}.att`, `sha256-${hex}.sbom`, `sha256-${hex}.sig`]);
  assert.equal(referrersTag(subject), `sha256-${hex}`);
});

test("the target's index keeps what it lists and gains what the source lists; nothing to do when it lists all", () => {
  assert.deepEqual(mergedIndex([], [d('1'), d('2')]), [d('1'), d('2')]);
  assert.deepEqual(mergedIndex([d('3'), d('1')], [d('1'), d('2')]), [d('3'), d('1'), d('2')]);
  assert.equal(mergedIndex([d('2'), d('1')], [d('1'), d('2')]), undefined);
  assert.equal(mergedIndex([d('1')], []), undefined);
  assert.deepEqual(mergedIndex([], [d('1'), d('1')]), [d('1')]);
  assert.deepEqual(JSON.parse(indexBytes([d('1')]).toString()), { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [d('1')] });
});

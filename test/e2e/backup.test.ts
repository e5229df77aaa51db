/**
 * `backup` end to end, by the skopeo and native relays between real registries: a tag that a
 * run overwrites keeps its old image under the backup name (same digest, a re-tag: no blob
 * moves); a new tag or an unchanged one gets no backup; a second run adds nothing; a backup
 * that cannot be made fails its image, which is then not copied, and the others go on.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { listTags, makeTempDir, manifestDigest, pushImage, startRegistry, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig, type CliResult } from './dregsy-cli.js';

/** 110 characters: its backup name would be 130, past the 128 a tag may have. */
const LONG_TAG = `t${'x'.repeat(109)}`;

for (const relay of ['skopeo', 'native'] as const) {
  describe(`backup before overwrite (relay ${relay})`, () => {
    let source: TestRegistry;
    let target: TestRegistry;
    let dir: string;
    let first: CliResult;
    let second: CliResult;
    const old: Record<string, string> = {};
    const fresh: Record<string, string> = {};

    before(async () => {
      dir = await makeTempDir(`dregsy-e2e-backup-${relay}-`);
      [source, target] = await Promise.all([startRegistry(), startRegistry()]);
      // The target already has v1, v2, the long tag and tool:v1 holding other images than the
      // source's, and 'same' holding the source's very image (one label: one config, one digest).
      for (const tag of ['v1', 'v2', 'new', LONG_TAG]) fresh[tag] = (await pushImage(source, 'app', tag)).digest;
      fresh['same'] = (await pushImage(source, 'app', 'same', { label: 'the same image' })).digest;
      fresh['other'] = (await pushImage(source, 'tool', 'v1')).digest;
      for (const tag of ['v1', 'v2', LONG_TAG]) old[tag] = (await pushImage(target, 'app', tag)).digest;
      old['other'] = (await pushImage(target, 'tool', 'v1')).digest;
      assert.equal((await pushImage(target, 'app', 'same', { label: 'the same image' })).digest, fresh['same']);
      const file = await writeConfig(
        dir,
        `relay: ${relay}
tasks:
  - name: mirror
    backup: '{{.Tag}}-before-{{.ShortDigest}}'
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: app
        tags: [v1, new, same, ${LONG_TAG}]
      - from: app
        tags: [v2]
        backup: 'previous-{{.Tag}}-{{.Digest}}'
      - from: tool
`,
      );
      first = await runDregsy([`-config=${file}`]);
      second = await runDregsy([`-config=${file}`]);
    });

    after(async () => {
      await Promise.all([source?.stop(), target?.stop()]);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const short = (digest: string | undefined) => digest!.slice('sha256:'.length, 'sha256:'.length + 12);

    test('an overwritten tag keeps its old image under the backup name, and has the new one', async () => {
      assert.equal(await manifestDigest(target, 'app', 'v1'), fresh['v1']);
      assert.equal(await manifestDigest(target, 'app', `v1-before-${short(old['v1'])}`), old['v1'], "the task's template");
      assert.equal(await manifestDigest(target, 'app', 'v2'), fresh['v2']);
      assert.equal(await manifestDigest(target, 'app', `previous-v2-${old['v2']!.slice(7)}`), old['v2'], "the mapping's own template");
      assert.equal(await manifestDigest(target, 'tool', `v1-before-${short(old['other'])}`), old['other']);
      assert.equal(await manifestDigest(target, 'tool', 'v1'), fresh['other']);
      assert.match(first.stdout, new RegExp(`kept app:v1's previous image as app:v1-before-${short(old['v1'])}`));
    });

    test('a new tag and an unchanged one get no backup; a second run adds none', async () => {
      assert.equal(await manifestDigest(target, 'app', 'new'), fresh['new']);
      const tags = await listTags(target, 'app');
      assert.deepEqual(
        tags.filter((t) => t.includes('before') || t.startsWith('previous')),
        [`previous-v2-${old['v2']!.slice(7)}`, `v1-before-${short(old['v1'])}`],
      );
      assert.equal(second.code, 1, 'the long tag still cannot be backed up');
      assert.deepEqual(await listTags(target, 'app'), tags);
      assert.doesNotMatch(second.stdout, /kept .* previous image/);
    });

    test('a backup that cannot be made fails its image, which is not overwritten; the others are copied', async () => {
      assert.equal(first.code, 1, first.stdout + first.stderr);
      assert.equal(await manifestDigest(target, 'app', LONG_TAG), old[LONG_TAG], 'the old image stays under its tag');
      assert.match(first.stdout, new RegExp(`cannot back up app:${LONG_TAG} before overwriting it: backup .* makes .*, which is no valid tag .*; not copied`));
      assert.match(first.stdout, /copied=4 skipped=1 failed=1/);
    });
  });
}

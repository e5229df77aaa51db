/**
 * Tasks run one after the other in config order, as dregsy's single loop runs them. dregsy's own
 * e2e config `skopeo-regex.yaml` depends on it: its second task reads what the first one pushed.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let upstream: TestRegistry;
let local: TestRegistry;
let dir: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-order-');
  [upstream, local] = await Promise.all([startRegistry(), startRegistry()]);
  await pushTags(upstream, 'library/busybox', ['1.26.1-glibc', '1.26.1-uclibc', '1.26.1-musl', '1.26.2-glibc', '1.36']);
});
after(async () => {
  await Promise.all([upstream?.stop(), local?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("dregsy's skopeo-regex.yaml shape: the second task copies what the first one pushed", async () => {
  const file = await writeConfig(
    dir,
    `
relay: skopeo
tasks:
- name: test-skopeo-regex
  verbose: true
  source: { registry: ${upstream.host}, skip-tls-verify: true }
  target: { registry: ${local.host}, skip-tls-verify: true }
  mappings:
  - from: library/busybox
    to: tagsets-skopeo/regex/busybox
    tags:
    - 'regex: 1\\.26\\.1-(glibc|uclibc|musl)'

- name: test-skopeo-regex-inverted # depends on results of the task above
  verbose: true
  source: { registry: ${local.host}, skip-tls-verify: true }
  target: { registry: ${local.host}, skip-tls-verify: true }
  mappings:
  - from: tagsets-skopeo/regex/busybox
    to: tagsets-skopeo/regexinv/busybox
    tags:
    - 'regex: !.+(glibc|musl)'
`,
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(await listTags(local, 'tagsets-skopeo/regex/busybox'), ['1.26.1-glibc', '1.26.1-musl', '1.26.1-uclibc']);
  assert.deepEqual(await listTags(local, 'tagsets-skopeo/regexinv/busybox'), ['1.26.1-uclibc']);
  const started = [...r.stdout.matchAll(/\[(test-skopeo-regex(?:-inverted)?)\] task run (started|finished)/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(started, [
    'test-skopeo-regex started',
    'test-skopeo-regex finished',
    'test-skopeo-regex-inverted started',
    'test-skopeo-regex-inverted finished',
  ]);
});

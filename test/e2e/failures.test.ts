/** A failing image never stops the others; the exit code tells. Start-up problems are clear. */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-fail-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  await pushTags(source, 'team/app', ['1.0', '2.0']);
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a missing tag fails alone: the other tags and tasks still sync, exit code 1', async () => {
  const file = await writeConfig(
    dir,
    `
tasks:
  - name: partly-broken
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: team/app
        to: a/app
        tags: ['1.0', 'does-not-exist', '2.0']
      - from: team/missing-repo
        to: b/app
      - from: team/app
        to: c/app
  - name: healthy
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: team/app
        to: d/app
`,
    'partial.yaml',
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.deepEqual(await listTags(target, 'a/app'), ['1.0', '2.0']);
  assert.deepEqual(await listTags(target, 'c/app'), ['1.0', '2.0']);
  assert.deepEqual(await listTags(target, 'd/app'), ['1.0', '2.0']);
  assert.match(r.stdout, /team\/app:does-not-exist/);
  assert.match(r.stdout, /manifest unknown|not found/i, "skopeo's reason is in the log");
  assert.match(r.stdout, /team\/missing-repo/);
  assert.match(r.stdout, /one or more tasks had errors/);
});

test('a missing skopeo binary is a clear error at start, and nothing runs', async () => {
  const file = await writeConfig(
    dir,
    `
relay: skopeo
skopeo: { binary: /nonexistent/skopeo }
tasks:
  - name: t
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: never/app }]
`,
    'noskopeo.yaml',
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot execute skopeo \('\/nonexistent\/skopeo'\)/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace for a setup problem');
  assert.deepEqual(await listTags(target, 'never/app'), []);
});

test('an unreachable source fails the task with the reason, exit code 1', async () => {
  const file = await writeConfig(
    dir,
    `
tasks:
  - name: unreachable
    source: { registry: 127.0.0.1:1, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app }]
`,
    'unreachable.yaml',
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /127\.0\.0\.1:1.*(refused|connect)/i);
});

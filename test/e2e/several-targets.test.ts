/**
 * Several targets (issue 14 item 3) end to end: one task, `targets:` with three registries of
 * which one is down. The other two get every image, the run fails and says which target
 * failed, and with the native relay the source served each image's manifest once (counted in
 * the source registry's access log) and each blob once, however many targets it went to.
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, listTags, makeTempDir, manifestDigest, pushTags, startRegistry, type PushedImage, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig, type CliResult } from './dregsy-cli.js';

let source: TestRegistry;
let up: TestRegistry[];
let downHost: string;
let dir: string;
let run: CliResult;
let sourceLog = '';
const pushed: Record<string, Record<string, PushedImage>> = {};
const IMAGES = [
  ['team/app', '1.0'],
  ['team/app', '2.0'],
  ['team/db', '5'],
] as const;

before(async () => {
  dir = await makeTempDir('dregsy-e2e-targets-');
  [source, ...up] = await Promise.all([startRegistry({ accessLog: true }), startRegistry(), startRegistry()]);
  pushed['team/app'] = await pushTags(source, 'team/app', ['1.0', '2.0']);
  pushed['team/db'] = await pushTags(source, 'team/db', ['5']);
  // Nothing listens there: connections are refused.
  downHost = `127.0.0.1:${await freePort()}`;
  const before = await source.accessLog();
  const location = (host: string) => `      - { registry: ${host}, skip-tls-verify: true }`;
  const file = await writeConfig(
    dir,
    `relay: native
tasks:
  - name: fan
    source: { registry: ${source.host}, skip-tls-verify: true }
    targets:
${location(up[0]!.host)}
${location(downHost)}
${location(up[1]!.host)}
    mappings:
      - from: team/app
        to: mirror/app
      - from: team/db
        to: mirror/db
`,
  );
  run = await runDregsy([`-config=${file}`, '--report', join(dir, 'report.json')], { env: { LOG_LEVEL: 'debug' } });
  sourceLog = (await source.accessLog()).slice(before.length);
});

after(async () => {
  await Promise.all([source?.stop(), ...(up ?? []).map((t) => t.stop())]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the targets that are up get every image, with the source digests', async () => {
  for (const target of up) {
    assert.deepEqual(await listTags(target, 'mirror/app'), ['1.0', '2.0']);
    assert.deepEqual(await listTags(target, 'mirror/db'), ['5']);
    for (const [repo, tag] of IMAGES) {
      assert.equal(await manifestDigest(target, repo.replace('team/', 'mirror/'), tag), pushed[repo]![tag]!.digest);
    }
  }
});

test('the run fails and names the target that is down, and only that one', () => {
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`target ${downHost.replace(/\./g, '\\.')} finished with errors`));
  for (const target of up) assert.match(run.stdout, new RegExp(`target ${target.host.replace(/\./g, '\\.')} finished`));
  for (const target of up) assert.doesNotMatch(run.stdout, new RegExp(`target ${target.host.replace(/\./g, '\\.')} finished with errors`));
});

test('the report has each target with its own result, in the config order', async () => {
  const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { tasks: { ok: boolean; targets: { registry: string; ok: boolean; counts: { copied: number } }[] }[] };
  const task = report.tasks[0]!;
  assert.equal(task.ok, false);
  assert.deepEqual(
    task.targets.map((t) => [t.registry, t.ok, t.counts.copied]),
    [
      [up[0]!.host, true, 3],
      [downHost, false, 0],
      [up[1]!.host, true, 3],
    ],
  );
});

test("the source's manifests and blobs were fetched once per image", () => {
  for (const [repo, tag] of IMAGES) {
    const gets = sourceLog.split('\n').filter((l) => l.includes(`"GET /v2/${repo}/manifests/${tag} `)).length;
    assert.equal(gets, 1, `GET ${repo}:${tag} manifest: ${gets} times\n${sourceLog}`);
  }
  const blobGets = sourceLog
    .split('\n')
    .map((l) => /"GET \/v2\/(\S+)\/blobs\/(sha256:[0-9a-f]+) /.exec(l))
    .filter((m) => m !== null)
    .map((m) => `${m[1]}@${m[2]}`);
  assert.ok(blobGets.length > 0, 'blobs came from the source');
  assert.equal(new Set(blobGets).size, blobGets.length, `a blob fetched twice from one repository: ${blobGets.join('\n')}`);
});

test('native relay, a single target that is down: the image fails, dregsy does not crash on the unread source download', async () => {
  const file = await writeConfig(
    dir,
    `relay: native
tasks:
  - name: down
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${downHost}, skip-tls-verify: true }
    mappings:
      - from: team/db
`,
    'down.yaml',
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /unexpected error|This is a bug/);
  assert.match(r.stdout, /copy \S+\/team\/db:5 → \S+\/team\/db:5 failed: cannot reach/);
});

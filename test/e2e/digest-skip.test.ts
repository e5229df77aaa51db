/**
 * Issue 6 end to end: an unchanged image causes no write to the target (0 manifest PUTs in
 * the registry's access log, no skopeo started); `check` reports exactly what changed; one
 * changed tag is exactly one copy; `--force` and `force: true` copy regardless; `--report`
 * writes every image with its digests and action.
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, manifestDigest, pushImage, pushTags, startRegistry, type PushedImage, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
let config: string;
let pushed: Record<string, PushedImage>;
let multi: PushedImage;
const platforms = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
];

before(async () => {
  dir = await makeTempDir('dregsy-e2e-skip-');
  [source, target] = await Promise.all([startRegistry(), startRegistry({ accessLog: true })]);
  pushed = await pushTags(source, 'team/app', ['1.0', '1.1', '2.0']);
  multi = await pushImage(source, 'team/multi', 'v1', { platforms });
  await pushImage(source, 'team/list', 'v1', { platforms, format: 'docker' });
  config = await writeConfig(
    dir,
    `
tasks:
  - name: skip
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: team/app
      - from: team/multi
        platform: all
      - from: team/multi
        to: team/multi-arm64
        platform: linux/arm64
      - from: team/list           # Docker manifest list, host platform
`,
  );
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

// The tests build on each other in order: cold, warm, one changed, check, force.
test('cold: everything is copied', async () => {
  const r = await runDregsy([`-config=${config}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /task run finished.*copied=6/);
  assert.equal(await manifestDigest(target, 'team/multi', 'v1'), multi.digest, 'platform all keeps the index digest');
});

test('warm: nothing changed means no write to the target and no copy', async () => {
  const puts = await target.manifestPuts();
  const report = join(dir, 'warm.json');
  const r = await runDregsy([`-config=${config}`, `--report=${report}`], { env: { LOG_LEVEL: 'debug' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(await target.manifestPuts(), puts, 'no manifest PUT');
  assert.doesNotMatch(r.stdout, /skopeo copy/, 'no skopeo process was started');
  assert.match(r.stdout, /task run finished.*copied=0.*skipped=6/);
  const doc = JSON.parse(await readFile(report, 'utf8')) as { ok: boolean; tasks: Array<{ images: Array<{ action: string; source: string; sourceDigest?: string; targetDigest?: string }> }> };
  assert.equal(doc.ok, true);
  const images = doc.tasks[0]!.images;
  assert.equal(images.length, 6);
  assert.ok(images.every((i) => i.action === 'skipped'));
  const one = images.find((i) => i.source === `${source.host}/team/app:1.0`);
  assert.equal(one?.targetDigest, pushed['1.0']!.digest);
});

test('check after one source tag changed reports exactly it, exit 1; sync copies exactly one', async () => {
  const changed = await pushImage(source, 'team/app', '1.1', { label: 'changed' });
  const check = await runDregsy(['check', `-config=${config}`]);
  assert.equal(check.code, 1, check.stdout + check.stderr);
  const copyLines = check.stdout.split('\n').filter((l) => /^\s+copy\s/.test(l));
  assert.deepEqual(copyLines.length, 1, check.stdout);
  assert.match(copyLines[0]!, /team\/app:1\.1 → .*team\/app:1\.1\s+\(changed/);
  assert.match(check.stdout, /task skip: 6 selected, 1 to copy, 5 in sync, 0 failed/);

  const puts = await target.manifestPuts();
  const r = await runDregsy([`-config=${config}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((await target.manifestPuts()) - puts, 1, 'exactly one manifest PUT');
  assert.match(r.stdout, /copied team\/app:1\.1 → team\/app:1\.1/);
  assert.equal(await manifestDigest(target, 'team/app', '1.1'), changed.digest);

  const again = await runDregsy(['check', `-config=${config}`]);
  assert.equal(again.code, 0, again.stdout);
  assert.match(again.stdout, /6 selected, 0 to copy, 6 in sync/);
});

test('check: a tag missing at the source is reported, exit 1', async () => {
  const file = await writeConfig(
    dir,
    `
tasks:
  - name: missing
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, tags: ['1.0', 'nope'] }]
`,
    'missing.yaml',
  );
  const r = await runDregsy(['check', `-config=${file}`]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /missing\s+.*team\/app:nope/);
});

test('--force and force: true copy regardless of digests', async () => {
  let puts = await target.manifestPuts();
  const r = await runDregsy([`-config=${config}`, '--force', '-run=skip']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok((await target.manifestPuts()) - puts >= 6, 'every image written again');

  const forced = await writeConfig(
    dir,
    `
tasks:
  - name: forced
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: team/app
        tags: ['1.0']
        force: true
      - from: team/app
        tags: ['2.0']
`,
    'forced.yaml',
  );
  puts = await target.manifestPuts();
  const f = await runDregsy([`-config=${forced}`]);
  assert.equal(f.code, 0, f.stdout + f.stderr);
  assert.equal((await target.manifestPuts()) - puts, 1, 'only the forced mapping copies');
});

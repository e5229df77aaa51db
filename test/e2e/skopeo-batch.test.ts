/**
 * The skopeo relay copies the new tags of one repository with one `skopeo sync` (src/relay/skopeo/
 * skopeo-batch.ts): real skopeo, real registries. Same digests as one copy per tag, platforms as
 * the mapping says, one result per image, a failing tag fails alone, a transient failure is retried.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { listTags, makeTempDir, manifestDigest, pushImage, pushTags, startFaultProxy, startRegistry, type PushedImage, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

const TAGS = ['1.0', '1.1', '1.2', '2.0', '2.1', '3.0'];
const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
];

let source: TestRegistry;
let dir: string;
let single: Record<string, PushedImage>;
const multi: Record<string, PushedImage> = {};
before(async () => {
  dir = await makeTempDir('dregsy-e2e-batch-');
  source = await startRegistry();
  single = await pushTags(source, 'team/app', TAGS);
  for (const tag of ['m1', 'm2', 'm3']) multi[tag] = await pushImage(source, 'team/multi', tag, { platforms: PLATFORMS });
});
after(async () => {
  await source?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const syncs = (log: string) => [...log.matchAll(/skopeo sync: (\d+) tag\(s\) of (\S+) → (\S+)/g)].map((m) => `${m[1]} ${m[2]} → ${m[3]}`);

test('new tags of a repository go in one skopeo sync: same digests, indexes kept whole, one result per image', async () => {
  const target = await startRegistry();
  try {
    const file = await writeConfig(
      dir,
      `
tasks:
  - name: batch
    verbose: true
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - { from: team/app, to: mirror/deep/app }
      - { from: team/multi, to: mirror/multi, platform: all }
      - { from: team/multi, to: one/multi, platform: linux/arm64 }
      - { from: team/app, to: renamed/other, tags: ['1.0', '1.1'] }
`,
      'batch.yaml',
    );
    const r = await runDregsy([`-config=${file}`], { env: { LOG_LEVEL: 'trace' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // Batches where sync can carry them: the target path ends in the source's last element, and
    // the platform choice is skopeo's default or all.
    assert.deepEqual(syncs(r.stdout).sort(), [`3 ${source.host}/team/multi → ${target.host}/mirror/multi`, `6 ${source.host}/team/app → ${target.host}/mirror/deep/app`]);
    for (const tag of TAGS) assert.equal(await manifestDigest(target, 'mirror/deep/app', tag), single[tag]!.digest, tag);
    for (const tag of Object.keys(multi)) assert.equal(await manifestDigest(target, 'mirror/multi', tag), multi[tag]!.digest, `index ${tag} arrives byte for byte`);
    // One platform and a renamed repository: one skopeo copy per tag, as before.
    for (const tag of Object.keys(multi)) assert.equal(await manifestDigest(target, 'one/multi', tag), multi[tag]!.childDigests['linux/arm64'], tag);
    assert.deepEqual(await listTags(target, 'renamed/other'), ['1.0', '1.1']);
    assert.equal((r.stdout.match(/skopeo copy /g) ?? []).length, 5, r.stdout);
    // One result per image, as before.
    assert.equal((r.stdout.match(/copied team\/app:[\d.]+ → mirror\/deep\/app:/g) ?? []).length, TAGS.length);
    assert.equal((r.stdout.match(/copied team\/multi:m\d → mirror\/multi:/g) ?? []).length, 3);
    // verbose: skopeo's own lines reach the log
    assert.match(r.stdout, /Copying image ref 1\/6/);
    // Credentials never in argv: the anonymous sides say so.
    assert.match(r.stdout, /sync --src yaml --dest docker --keep-going[^\n]*--src-no-creds --dest-no-creds/);

    // Nothing changed: nothing copied, no skopeo at all.
    const again = await runDregsy([`-config=${file}`], { env: { LOG_LEVEL: 'debug' } });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(syncs(again.stdout), []);
    assert.doesNotMatch(again.stdout, /skopeo copy /);
  } finally {
    await target.stop();
  }
});

test('a tag that fails in the batch fails alone; a transient failure is retried alone; the rest is delivered', async () => {
  const target = await startRegistry();
  // The source fails the manifest of 2.0 twice with a 500 (skopeo inside the batch, then the
  // first copy alone), then recovers: our retry delivers it.
  const proxy = await startFaultProxy({ upstreamPort: source.port, rules: [{ method: 'GET', path: /\/v2\/team\/app\/manifests\/2\.0$/, fault: '500', times: 6 }] });
  try {
    const file = await writeConfig(
      dir,
      `
retry: { attempts: 8, max-delay: 1s }
tasks:
  - name: partly
    source: { registry: ${proxy.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - { from: team/app, to: m/app, tags: ['1.0', '1.1', 'no-such-tag', '2.0', '2.1', '3.0'] }
`,
      'partly.yaml',
    );
    const r = await runDregsy([`-config=${file}`], { env: { LOG_LEVEL: 'debug' } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(syncs(r.stdout), [`6 ${proxy.host}/team/app → ${target.host}/m/app`]);
    assert.match(r.stdout, /left to copy one by one/);
    for (const tag of ['1.0', '1.1', '2.0', '2.1', '3.0']) assert.equal(await manifestDigest(target, 'm/app', tag), single[tag]!.digest, tag);
    assert.ok(proxy.requests.some((q) => q.fault === '500'), JSON.stringify(proxy.requests));
    // The missing tag fails with its own reason, alone; the others are copied, once each in the log.
    assert.match(r.stdout, /team\/app:no-such-tag[^\n]*manifest unknown|manifest unknown[^\n]*team\/app:no-such-tag/i);
    assert.equal((r.stdout.match(/copied team\/app:/g) ?? []).length, 5);
    // Only what the batch did not deliver was copied again.
    const alone = new Set([...r.stdout.matchAll(/skopeo copy [^\n]*?team\/app:([\w.-]+)/g)].map((m) => m[1]));
    assert.deepEqual([...alone].sort(), ['2.0', 'no-such-tag']);
  } finally {
    await proxy.stop();
    await target.stop();
  }
});

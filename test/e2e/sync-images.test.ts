/**
 * End to end over plain HTTP: the built CLI, the real skopeo, two real registries.
 * Image kinds (OCI single, OCI index, Docker v2, Docker manifest list) × tag selection
 * (all, listed) × platform (default, one, all): the exact tags and digests that arrive.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { listTags, makeTempDir, manifestDigest, pushImage, startRegistry, type PushedImage, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig, type CliResult } from './dregsy-cli.js';

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
const pushed: Record<string, PushedImage> = {};
let run: CliResult;

const platforms = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];

before(async () => {
  dir = await makeTempDir('dregsy-e2e-images-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  pushed['single:1.0'] = await pushImage(source, 'single/app', '1.0');
  pushed['single:2.0'] = await pushImage(source, 'single/app', '2.0');
  pushed['single:latest'] = await pushImage(source, 'single/app', 'latest');
  pushed['multi:v1'] = await pushImage(source, 'multi/app', 'v1', { platforms });
  pushed['docker:d1'] = await pushImage(source, 'docker/app', 'd1', { format: 'docker' });
  pushed['docker:list'] = await pushImage(source, 'docker/app', 'list', { format: 'docker', platforms: platforms.slice(0, 2) });
  const config = `
relay: skopeo
tasks:
  - name: images
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: single/app                # all tags, path kept
      - from: single/app
        to: listed/app
        tags: ['2.0', 'latest']
      - from: /multi/app                # a leading slash is the same path
        to: multi/default               # no platform: the host's (linux/amd64)
      - from: multi/app
        to: multi/arm64
        platform: linux/arm64
      - from: multi/app
        to: multi/armv7
        platform: linux/arm/v7
      - from: multi/app
        to: multi/all
        platform: all
      - from: docker/app
        to: docker/all-platforms
        platform: all
      - from: docker/app
        to: docker/default
`;
  const file = await writeConfig(dir, config);
  run = await runDregsy([`-config=${file}`]);
});

after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the run succeeds', () => {
  assert.equal(run.code, 0, run.stdout + run.stderr);
});

test('all tags: the exact tag set arrives with unchanged digests', async () => {
  assert.deepEqual(await listTags(target, 'single/app'), ['1.0', '2.0', 'latest']);
  for (const tag of ['1.0', '2.0', 'latest']) {
    assert.equal(await manifestDigest(target, 'single/app', tag), pushed[`single:${tag}`]!.digest, tag);
  }
});

test('listed tags: only those arrive', async () => {
  assert.deepEqual(await listTags(target, 'listed/app'), ['2.0', 'latest']);
  assert.equal(await manifestDigest(target, 'listed/app', '2.0'), pushed['single:2.0']!.digest);
});

test("a multi-platform image without platform arrives as the host's platform", async () => {
  assert.deepEqual(await listTags(target, 'multi/default'), ['v1']);
  assert.equal(await manifestDigest(target, 'multi/default', 'v1'), pushed['multi:v1']!.childDigests['linux/amd64']);
});

test('platform os/arch and os/arch/variant select that child manifest', async () => {
  assert.equal(await manifestDigest(target, 'multi/arm64', 'v1'), pushed['multi:v1']!.childDigests['linux/arm64']);
  assert.equal(await manifestDigest(target, 'multi/armv7', 'v1'), pushed['multi:v1']!.childDigests['linux/arm/v7']);
});

test('platform all copies the OCI index unchanged, with every child', async () => {
  assert.equal(await manifestDigest(target, 'multi/all', 'v1'), pushed['multi:v1']!.digest);
  for (const child of Object.values(pushed['multi:v1']!.childDigests)) {
    assert.equal(await manifestDigest(target, 'multi/all', child), child);
  }
});

test('Docker v2 images and Docker manifest lists keep their digests', async () => {
  assert.deepEqual(await listTags(target, 'docker/all-platforms'), ['d1', 'list']);
  assert.equal(await manifestDigest(target, 'docker/all-platforms', 'd1'), pushed['docker:d1']!.digest);
  assert.equal(await manifestDigest(target, 'docker/all-platforms', 'list'), pushed['docker:list']!.digest);
  assert.equal(await manifestDigest(target, 'docker/default', 'd1'), pushed['docker:d1']!.digest);
  assert.equal(await manifestDigest(target, 'docker/default', 'list'), pushed['docker:list']!.childDigests['linux/amd64']);
});

test('the log names every copy', () => {
  assert.match(run.stdout, /copied single\/app:1\.0 → single\/app:1\.0/);
  assert.match(run.stdout, /task run finished/);
});

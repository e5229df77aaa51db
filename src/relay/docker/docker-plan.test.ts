import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlatformChoice } from '../../plan/platform.js';
import type { ImageRef } from '../relay.js';
import { MAX_TAG_LENGTH, planDockerCopy, tagFromDigest } from './docker-plan.js';

const endpoint = (registry: string) => ({ registry, skipTlsVerify: false, certsDir: '/c', credentials: undefined });
const HEX = 'a'.repeat(64);
const request = (ref: ImageRef, platform: PlatformChoice = { kind: 'default' }, targetRef: ImageRef = ref) => ({
  source: { endpoint: endpoint('src.example.com:5000'), repo: 'team/app', ref },
  target: { endpoint: endpoint('dst.example.com'), repo: 'mirror/app', ref: targetRef },
  platform,
});

test("dregsy's tag for a digest: dregsy-<hex>, at most 128 characters", () => {
  assert.equal(tagFromDigest(`sha256:${HEX}`), `dregsy-${HEX}`);
  const long = tagFromDigest(`sha512:${'b'.repeat(128)}`);
  assert.equal(long.length, MAX_TAG_LENGTH);
  assert.ok(long.startsWith('dregsy-bbb'));
});

test('a tag: pulled and pushed by that tag', () => {
  assert.deepEqual(planDockerCopy(request({ tag: '1.0' })), {
    pull: { fromImage: 'src.example.com:5000/team/app', tagOrDigest: '1.0', platform: undefined },
    pulledRef: 'src.example.com:5000/team/app:1.0',
    push: { name: 'dst.example.com/mirror/app', tag: '1.0' },
    targetRef: 'dst.example.com/mirror/app:1.0',
  });
});

test('a digest only: pulled by digest, pushed as dregsy-<hex>', () => {
  const plan = planDockerCopy(request({ digest: `sha256:${HEX}` }));
  assert.ok(!('error' in plan));
  assert.equal(plan.pull.tagOrDigest, `sha256:${HEX}`);
  assert.equal(plan.pulledRef, `src.example.com:5000/team/app@sha256:${HEX}`);
  assert.deepEqual(plan.push, { name: 'dst.example.com/mirror/app', tag: `dregsy-${HEX}` });
});

test('a tag with a digest: pulled by the digest, pushed by the tag', () => {
  const plan = planDockerCopy(request({ tag: 'v1', digest: `sha256:${HEX}` }));
  assert.ok(!('error' in plan));
  assert.equal(plan.pull.tagOrDigest, `sha256:${HEX}`);
  assert.equal(plan.push.tag, 'v1');
});

test('platform: one goes to the pull as os/arch[/variant]; all is refused', () => {
  const table: Array<[PlatformChoice, string | undefined]> = [
    [{ kind: 'default' }, undefined],
    [{ kind: 'one', os: 'linux', architecture: 'arm64' }, 'linux/arm64'],
    [{ kind: 'one', os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
  ];
  for (const [choice, expected] of table) {
    const plan = planDockerCopy(request({ tag: '1' }, choice));
    assert.ok(!('error' in plan));
    assert.equal(plan.pull.platform, expected);
  }
  assert.deepEqual(planDockerCopy(request({ tag: '1' }, { kind: 'all' })), {
    error: "relay 'docker' does not support mappings with 'platform: all'",
  });
});

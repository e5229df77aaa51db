import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlobKnowledge, nextBlobStep, UNASKED_CONFIG_MAX_BYTES, type BlobFacts } from './blob-knowledge.js';

const layer: BlobFacts = { role: 'layer', size: 50_000_000 };
const config: BlobFacts = { role: 'config', size: 1_500 };

test('the step for a blob: known here → nothing; elsewhere → mount; a small config → upload; else → HEAD', () => {
  const cases: Array<[boolean, string[], BlobFacts, ReturnType<typeof nextBlobStep>]> = [
    [true, ['app', 'other'], layer, { kind: 'have' }],
    [false, ['other'], layer, { kind: 'mount', from: 'other' }],
    [false, ['app', 'other'], layer, { kind: 'mount', from: 'other' }],
    [false, ['other'], config, { kind: 'mount', from: 'other' }],
    [false, [], layer, { kind: 'check' }],
    [false, ['app'], layer, { kind: 'check' }],
    [false, [], config, { kind: 'upload' }],
    [false, [], { role: 'config', size: UNASKED_CONFIG_MAX_BYTES + 1 }, { kind: 'check' }],
  ];
  for (const [inRepo, holders, blob, expected] of cases) assert.deepEqual(nextBlobStep(inRepo, holders, 'app', blob), expected, JSON.stringify([inRepo, holders, blob]));
});

test('a second image of a repository needs nothing for a blob already moved there', async () => {
  const k = new BlobKnowledge();
  assert.deepEqual(k.step('reg', 'app', 'sha256:l', layer), { kind: 'check' });
  const moved = Promise.resolve();
  k.track('reg', 'app', 'sha256:l', moved);
  await moved;
  assert.equal(k.transfer('reg', 'app', 'sha256:l'), moved);
  assert.deepEqual(k.step('reg', 'app', 'sha256:l', layer), { kind: 'have' });
});

test('another repository of the same registry mounts, after the transfer it mounts from', async () => {
  const k = new BlobKnowledge();
  let finish!: () => void;
  const inFlight = new Promise<void>((resolve) => (finish = resolve));
  k.track('reg', 'app', 'sha256:l', inFlight);
  const step = k.step('reg', 'mirror/app', 'sha256:l', layer);
  assert.equal(step.kind, 'mount');
  assert.equal((step as { from: string }).from, 'app');
  assert.equal(step.after, inFlight);
  finish();
  // Other registries know nothing of it.
  assert.deepEqual(k.step('other-reg', 'mirror/app', 'sha256:l', layer), { kind: 'check' });
});

test('a failed transfer is forgotten, so the next image tries again', async () => {
  const k = new BlobKnowledge();
  const failed = Promise.reject(new Error('boom'));
  k.track('reg', 'app', 'sha256:l', failed);
  await failed.catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(k.transfer('reg', 'app', 'sha256:l'), undefined);
  assert.deepEqual(k.step('reg', 'app', 'sha256:l', layer), { kind: 'check' });
});

test('the same-registry source repository is a mount source; forgetRepo unlearns one repository', () => {
  const k = new BlobKnowledge();
  k.holds('reg', 'upstream/app', 'sha256:l');
  k.holds('reg', 'app', 'sha256:c');
  assert.deepEqual({ ...k.step('reg', 'app', 'sha256:l', layer), after: undefined }, { kind: 'mount', from: 'upstream/app', after: undefined });
  k.forgetRepo('reg', 'app');
  assert.deepEqual(k.step('reg', 'app', 'sha256:c', config), { kind: 'upload' });
  assert.equal(k.step('reg', 'app', 'sha256:l', layer).kind, 'mount');
});

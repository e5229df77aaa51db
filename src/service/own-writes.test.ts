import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OwnWrites } from './own-writes.js';

function writes(opts: { ttlMs?: number; max?: number } = {}) {
  let now = 1_000_000;
  const w = new OwnWrites({ now: () => now, ttlMs: opts.ttlMs ?? 60_000, ...(opts.max !== undefined && { max: opts.max }) });
  return { w, advance: (ms: number) => void (now += ms) };
}

const event = (repo: string, tag: string, host: string | undefined = 'reg:5000', digest?: string) => ({ host, repo, tag, digest });

test('a push of what dregsy is writing or just wrote is claimed; anything else is not', () => {
  const { w } = writes();
  const end = w.begin({ registry: 'reg:5000', repo: 'team/mirror/team/app', tag: 'v1', task: 'loop' });
  assert.deepEqual(w.claim(event('team/mirror/team/app', 'v1')), { task: 'loop' }, 'in flight: the registry notifies before the copy returns');
  end();
  assert.deepEqual(w.claim(event('team/mirror/team/app', 'v1')), { task: 'loop' }, 'just ended');
  assert.equal(w.claim(event('team/mirror/team/app', 'v2')), undefined, 'another tag');
  assert.equal(w.claim(event('team/app', 'v1')), undefined, 'another repository');
  assert.equal(w.claim(event('team/mirror/team/app', 'v1', 'other:5000')), undefined, 'another registry');
  assert.deepEqual(w.claim(event('team/mirror/team/app', 'v1', 'REG:5000')), { task: 'loop' }, 'registry names compared as registries');
  assert.deepEqual(w.claim(event('team/mirror/team/app', 'v1', undefined)), { task: 'loop' }, 'an event without a host');
});

test('remembered for the TTL after the write ended, however long the write took', () => {
  const { w, advance } = writes({ ttlMs: 60_000 });
  const end = w.begin({ registry: 'reg:5000', repo: 'a', tag: '1' });
  advance(10 * 60_000); // a long copy: in flight, never expires
  assert.ok(w.claim(event('a', '1')));
  end();
  advance(59_999);
  assert.ok(w.claim(event('a', '1')));
  advance(1);
  assert.equal(w.claim(event('a', '1')), undefined, 'expired');
});

test('the first event tells the digest written; another digest after the write is someone else’s push', () => {
  const { w } = writes();
  const end = w.begin({ registry: 'reg:5000', repo: 'a', tag: '1' });
  assert.ok(w.claim(event('a', '1', 'reg:5000', 'sha256:ours')));
  end();
  assert.ok(w.claim(event('a', '1', 'reg:5000', 'sha256:ours')), 'the same digest again (a second notification endpoint)');
  assert.equal(w.claim(event('a', '1', 'reg:5000', 'sha256:theirs')), undefined);
  assert.ok(w.claim(event('a', '1', 'reg:5000')), 'an event without a digest cannot tell');
  // dregsy writes the tag again: what it produces now is learned anew
  w.begin({ registry: 'reg:5000', repo: 'a', tag: '1' })();
  assert.ok(w.claim(event('a', '1', 'reg:5000', 'sha256:new')));
  assert.equal(w.claim(event('a', '1', 'reg:5000', 'sha256:ours')), undefined);
});

test('Docker Hub names: one registry, official images under library/', () => {
  const { w } = writes();
  w.begin({ registry: 'registry-1.docker.io', repo: 'alpine', tag: '3' })();
  assert.ok(w.claim({ host: 'docker.io', repo: 'library/alpine', tag: '3' }));
  assert.ok(w.claim({ host: 'index.docker.io', repo: 'alpine', tag: '3' }));
});

test('bounded: expired entries go as new writes come, and never more than max are kept', () => {
  const { w, advance } = writes({ ttlMs: 1_000, max: 100 });
  for (let i = 0; i < 50; i++) w.begin({ registry: 'reg:5000', repo: 'r', tag: `old-${i}` })();
  advance(1_000);
  const long = w.begin({ registry: 'reg:5000', repo: 'r', tag: 'in-flight' });
  w.begin({ registry: 'reg:5000', repo: 'r', tag: 'new' })();
  assert.equal(w.size, 2, 'the expired 50 went');
  for (let i = 0; i < 500; i++) w.begin({ registry: 'reg:5000', repo: 'r', tag: `many-${i}` })();
  assert.equal(w.size, 100);
  assert.ok(w.claim(event('r', 'many-499')));
  assert.equal(w.claim(event('r', 'many-0')), undefined, 'the oldest went first');
  long(); // ending a write already forgotten is harmless
  long();
  assert.equal(w.size, 100);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ownerOf, shardScore } from './rendezvous.js';

/** Keys are target repository paths. */
const repoName = fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*){0,3}$/);
const key = repoName;

test('every key has exactly one owner, within range, the same every time', () => {
  fc.assert(
    fc.property(key, fc.integer({ min: 1, max: 64 }), (k, n) => {
      const owner = ownerOf(k, n);
      assert.ok(Number.isInteger(owner) && owner >= 0 && owner < n);
      assert.equal(ownerOf(k, n), owner);
      // the owner is the shard with the highest score: no other shard claims the key
      for (let i = 0; i < n; i++) if (i !== owner) assert.ok(shardScore(k, i) <= shardScore(k, owner));
    }),
  );
});

test('adding a shard moves keys only to the new shard', () => {
  fc.assert(
    fc.property(key, fc.integer({ min: 1, max: 64 }), (k, n) => {
      const before = ownerOf(k, n);
      const after = ownerOf(k, n + 1);
      assert.ok(after === before || after === n, `${k}: ${before} → ${after} with ${n + 1} shards`);
    }),
  );
});

// 6,000 fixed keys: the figures below are deterministic, the bounds are what uniform hashing gives
// with a wide margin (a binomial's standard deviation is about 1.2% of the keys here).
const keys = Array.from({ length: 6000 }, (_, i) => `mirror/team-${i % 97}/app-${i}`);

test('shares are even: every shard owns its 1/N of the keys, ±15%', () => {
  for (const n of [2, 3, 4, 7, 16]) {
    const counts = new Array<number>(n).fill(0);
    for (const k of keys) counts[ownerOf(k, n)]!++;
    const mean = keys.length / n;
    for (const c of counts) assert.ok(Math.abs(c - mean) <= 0.15 * mean, `${n} shards: ${counts.join(', ')}`);
  }
});

test('going from N to N+1 shards moves about 1/(N+1) of the keys', () => {
  for (const n of [1, 2, 3, 4, 8]) {
    const moved = keys.filter((k) => ownerOf(k, n) !== ownerOf(k, n + 1)).length / keys.length;
    assert.ok(Math.abs(moved - 1 / (n + 1)) < 0.03, `${n}→${n + 1}: moved ${(moved * 100).toFixed(1)}%`);
  }
});

test('the score is a stable contract: replicas of different releases must agree', () => {
  // Pinned once: a change here silently reshuffles every sharded deployment during a rollout.
  assert.equal(shardScore('library/alpine', 0), 0xd4ae23ed88f9);
  const owners: [string, number[]][] = [
    ['library/alpine', [0, 0, 3]],
    ['library/nginx', [1, 1, 3]],
    ['team/app', [1, 1, 3]],
    ['mirror/busybox', [0, 0, 0]],
  ];
  for (const [k, want] of owners) assert.deepEqual([2, 3, 4].map((n) => ownerOf(k, n)), want, k);
});

test('a count that is not a positive integer is refused', () => {
  for (const n of [0, -1, 1.5, Number.NaN]) assert.throws(() => ownerOf('a/b', n), RangeError);
});

/**
 * Rendezvous (highest-random-weight) hashing: every shard scores a key, and the shard with the
 * highest score owns it. Each replica computes ownership alone from the key and the shard count,
 * so replicas never talk to each other, never copy the same image, and together cover
 * everything. Going from N to N+1 shards moves only the keys the new shard now wins (about
 * 1/(N+1) of them), and they move only to the new shard: no key changes hands between the old
 * ones, so their targets stay warm. A modulo of one hash would move almost every key instead.
 *
 * The score is part of the deployment's contract: replicas of different versions must agree on
 * it, so it is SHA-256 (stable everywhere, no seed) and must not change between releases.
 */
import { createHash } from 'node:crypto';

/** 48 bits of SHA-256 of `index` and `key`: exact in a JS number, ties practically never happen. */
export function shardScore(key: string, index: number): number {
  return createHash('sha256').update(`${index}\n${key}`).digest().readUIntBE(0, 6);
}

/** The shard (0 ≤ owner < count) that owns `key`; a tie goes to the lower index. */
export function ownerOf(key: string, count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`shard count must be a positive integer, got ${count}`);
  let owner = 0;
  let best = -1;
  for (let i = 0; i < count; i++) {
    const score = shardScore(key, i);
    if (score > best) {
      best = score;
      owner = i;
    }
  }
  return owner;
}

/**
 * The service's side of sharding: the shard a loaded config gives this replica, and what the
 * operator is told about it. Decided again at every (re)load, since a reload may change
 * `shards:`; a decision that cannot be right is one of the config's problems (exit 2 at start,
 * a refused reload later).
 */
import type { Shard, ShardDecision, ShardInputs } from './shard.js';

/** What decides the shard besides the config's `shards`: `--shard` and the environment. */
export type ShardSource = Omit<ShardInputs, 'configCount'>;

/** A decision that is not an error: every image, or one shard. */
export type ShardChoice = Exclude<ShardDecision, { kind: 'error' }>;

/** The share a full run covers; undefined: every image. */
export function shardOf(choice: ShardChoice): Shard | undefined {
  return choice.kind === 'shard' ? choice.shard : undefined;
}

const ORIGIN_TEXT = {
  flag: '--shard',
  'job-completion-index': 'JOB_COMPLETION_INDEX',
  'statefulset-ordinal': 'the StatefulSet ordinal in the hostname',
} as const;

/** The line that tells the operator which share this replica runs and why; undefined when it runs everything. */
export function describeShard(choice: ShardChoice): string | undefined {
  if (choice.kind === 'all') return undefined;
  const { index, count } = choice.shard;
  return `shard ${index}/${count} (from ${ORIGIN_TEXT[choice.origin]}): full runs copy only the target repositories this replica owns; pushed images are copied whatever shard owns them`;
}

/**
 * Which share of the images this process owns: `--shard INDEX/COUNT`, or, with a shard count
 * from `DREGSY_SHARDS` or the config's `shards`, the index Kubernetes gives the pod (an Indexed
 * Job's `JOB_COMPLETION_INDEX`, or the ordinal at the end of a StatefulSet pod's hostname,
 * `dregsy-2` → 2). Pure: the caller reads the environment and turns an error into exit code 2.
 *
 * The unit of ownership is the target repository's path (after listers expanded `regex:`
 * mappings): every tag of a repository is on one shard, so its tag lists are read by one replica
 * only, and a repository's manifests and blobs have one writer. The registry's name is left out
 * on purpose: writing it another way (an IP, a Service's short or full DNS name) must not
 * reshuffle every shard.
 */
import { ownerOf } from './rendezvous.js';

export interface Shard {
  index: number;
  count: number;
}

/** Where a shard came from, for the log line that tells the operator. */
export type ShardOrigin = 'flag' | 'job-completion-index' | 'statefulset-ordinal';

export type ShardDecision =
  /** Not sharded: this process owns everything. */
  | { kind: 'all'; warnings: string[] }
  | { kind: 'shard'; shard: Shard; origin: ShardOrigin; warnings: string[] }
  /** A usage error: the index or count is wrong or cannot be known. */
  | { kind: 'error'; message: string };

export interface ShardInputs {
  /** `--shard INDEX/COUNT`, as typed. */
  flag?: string | undefined;
  /** `DREGSY_SHARDS`, as set (wins over the config: it sits beside the replica count). */
  envCount?: string | undefined;
  /** The config's `shards`. */
  configCount?: number | undefined;
  /** `JOB_COMPLETION_INDEX`, which Kubernetes sets in every pod of an Indexed Job. */
  jobCompletionIndex?: string | undefined;
  /** The pod's hostname; in a StatefulSet, `<name>-<ordinal>`. */
  hostname?: string | undefined;
}

export function owns(shard: Shard, key: string): boolean {
  return ownerOf(key, shard.count) === shard.index;
}

export interface OwnershipFilter {
  /** Whether this shard owns a target repository (its path); remembers the ones it does not. */
  owned(repo: string): boolean;
  /** The target repositories seen so far that other shards own (for the run's summary). */
  readonly others: ReadonlySet<string>;
}

/** One task run's filter of target repositories. */
export function ownershipFilter(shard: Shard): OwnershipFilter {
  const others = new Set<string>();
  return {
    others,
    owned(repo) {
      const mine = owns(shard, repo);
      if (!mine) others.add(repo);
      return mine;
    },
  };
}

function parseCount(text: string, what: string): number | string {
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) return `invalid ${what} '${text}': expected a positive integer`;
  return n;
}

function parseIndex(text: string, what: string): number | string {
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n)) return `invalid ${what} '${text}': expected an integer from 0`;
  return n;
}

/** The ordinal a StatefulSet puts at the end of its pods' names; undefined for other hostnames. */
export function statefulSetOrdinal(hostname: string): number | undefined {
  const m = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?-(\d+)$/.exec(hostname.trim());
  if (!m) return undefined;
  const n = Number(m[2]);
  return Number.isSafeInteger(n) ? n : undefined;
}

function outOfRange(index: number, count: number, from: string): string {
  return `shard index ${index} (${from}) is out of range for ${count} shard${count === 1 ? '' : 's'} (0..${count - 1})`;
}

/** `--shard 1/3` → { index: 1, count: 3 }. */
export function parseShardFlag(text: string): Shard | string {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return `invalid --shard '${text}': expected INDEX/COUNT, e.g. 0/3`;
  const count = parseCount(m[2]!, '--shard count');
  if (typeof count === 'string') return count;
  const index = Number(m[1]);
  if (!Number.isSafeInteger(index) || index >= count) return `invalid --shard '${text}': ${outOfRange(index, count, 'from --shard')}`;
  return { index, count };
}

export function decideShard(inputs: ShardInputs): ShardDecision {
  const warnings: string[] = [];
  let count: number | undefined;
  let countFrom = '';
  if (inputs.envCount !== undefined && inputs.envCount.trim() !== '') {
    const n = parseCount(inputs.envCount, 'DREGSY_SHARDS');
    if (typeof n === 'string') return { kind: 'error', message: n };
    count = n;
    countFrom = 'DREGSY_SHARDS';
  } else if (inputs.configCount !== undefined) {
    count = inputs.configCount;
    countFrom = "the config's shards";
  }

  if (inputs.flag !== undefined) {
    const shard = parseShardFlag(inputs.flag);
    if (typeof shard === 'string') return { kind: 'error', message: shard };
    if (count !== undefined && count !== shard.count) warnings.push(`--shard ${inputs.flag} overrides ${countFrom} (${count} shards)`);
    return shard.count === 1 ? { kind: 'all', warnings } : { kind: 'shard', shard, origin: 'flag', warnings };
  }

  const jobIndex = inputs.jobCompletionIndex?.trim();
  if (count === undefined) {
    if (jobIndex) warnings.push(`JOB_COMPLETION_INDEX is ${jobIndex} but no shard count is set (DREGSY_SHARDS or shards): this process copies every image`);
    return { kind: 'all', warnings };
  }

  let index: number;
  let origin: ShardOrigin;
  let from: string;
  if (jobIndex) {
    const n = parseIndex(jobIndex, 'JOB_COMPLETION_INDEX');
    if (typeof n === 'string') return { kind: 'error', message: n };
    [index, origin, from] = [n, 'job-completion-index', `JOB_COMPLETION_INDEX=${jobIndex}`];
  } else {
    const host = inputs.hostname?.trim() ?? '';
    const ordinal = statefulSetOrdinal(host);
    if (ordinal === undefined) {
      if (count === 1) return { kind: 'all', warnings };
      return {
        kind: 'error',
        message:
          `${countFrom} asks for ${count} shards, but this process's shard index is unknown: pass --shard INDEX/${count}, ` +
          `or run it as a StatefulSet pod (hostname NAME-ORDINAL; this one is '${host}') or in an Indexed Job (JOB_COMPLETION_INDEX)`,
      };
    }
    [index, origin, from] = [ordinal, 'statefulset-ordinal', `the ordinal of hostname '${host}'`];
  }
  if (index >= count) {
    return { kind: 'error', message: `${outOfRange(index, count, from)}: ${countFrom} must equal the StatefulSet's replicas or the Job's completions` };
  }
  return count === 1 ? { kind: 'all', warnings } : { kind: 'shard', shard: { index, count }, origin, warnings };
}

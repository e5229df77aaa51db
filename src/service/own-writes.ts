/**
 * What dregsy itself pushed lately, so that the push notifications its own writes cause do not
 * start runs. Without it a task whose target registry notifies dregsy, and whose source selects
 * what it writes (one registry, `from: regex:team/.*` to `team/mirror`, or two tasks copying
 * into each other's sources), triggers itself for ever, one level of path deeper each time.
 *
 * A write is registered before it starts (a registry notifies as soon as the manifest PUT is
 * done, often before the copy's result is back), stays "in flight" until it ends, and is
 * remembered for `ttlMs` after that: registries deliver notifications within milliseconds, but
 * retry a slow or failing endpoint for minutes. Keyed by registry, repository and tag: every
 * kind of event (Distribution, Docker Hub, Harbor) names these, whatever else it carries.
 *
 * The digest narrows it: the first event matching a write tells the digest that write produced
 * (what a relay writes may differ from the source's digest: one platform of an index, Docker's
 * recompressed layers). A later event for the same tag with another digest, once the write has
 * ended, is someone else's push and is not claimed.
 *
 * Bounded by count (the oldest go first) and age, so memory stays flat however much is copied.
 */
import type { PushEvent } from '../plan/push-match.js';
import { apiRepo, normalizeHost } from '../registry/hosts.js';

/** One tag dregsy is about to push. */
export interface WriteTarget {
  registry: string;
  repo: string;
  tag: string;
  /** The task writing, for the log. */
  task?: string | undefined;
}

/** Where writes are registered (the relay and manifest writes of task runs). */
export interface WriteRecorder {
  /** Registers a write about to start; call the result when it has ended (whether it worked or not). */
  begin(target: WriteTarget): () => void;
}

/** An event recognised as the echo of a write of ours. */
export interface ClaimedWrite {
  /** The task that wrote it (the latest, when several did). */
  task: string | undefined;
}

interface Entry {
  host: string;
  task: string | undefined;
  /** Writes of this tag going on now. */
  inFlight: number;
  /** Remembered until then once no write is in flight (epoch ms). */
  until: number;
  /** The digest the first matching event named: what this write produced. */
  digest: string | undefined;
}

export interface OwnWritesOptions {
  now: () => number;
  ttlMs?: number;
  max?: number;
}

/** Registries deliver at once, but retry an endpoint that failed with a back-off of minutes. */
export const OWN_WRITE_TTL_MS = 10 * 60_000;
/** A few MB at most; far more than one run's copies reach the registry within the TTL. */
export const OWN_WRITE_MAX = 20_000;

export class OwnWrites implements WriteRecorder {
  /** By `repo\0tag`, then one entry per registry (an event may name no registry). */
  private readonly entries = new Map<string, Entry[]>();
  private count = 0;
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(private readonly opts: OwnWritesOptions) {
    this.ttlMs = opts.ttlMs ?? OWN_WRITE_TTL_MS;
    this.max = opts.max ?? OWN_WRITE_MAX;
  }

  begin(target: WriteTarget): () => void {
    const host = normalizeHost(target.registry);
    const key = keyOf(apiRepo(host, target.repo), target.tag);
    const list = this.entries.get(key) ?? [];
    let entry = list.find((e) => e.host === host);
    if (!entry) {
      entry = { host, task: target.task, inFlight: 0, until: 0, digest: undefined };
      list.push(entry);
      this.count++;
    }
    // a new write of the tag: a new digest to learn; the key moves to the young end
    entry.inFlight++;
    entry.task = target.task;
    entry.digest = undefined;
    this.entries.delete(key);
    this.entries.set(key, list);
    this.trim();
    const held = entry;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      held.inFlight--;
      held.until = this.opts.now() + this.ttlMs;
    };
  }

  /**
   * The write `event` is the notification of, if it is one of ours; undefined for anyone
   * else's push. An event without a registry matches our write of that repository and tag on
   * any registry.
   */
  claim(event: PushEvent): ClaimedWrite | undefined {
    const host = event.host === undefined ? undefined : normalizeHost(event.host);
    const key = keyOf(host === undefined ? event.repo : apiRepo(host, event.repo), event.tag);
    const list = this.entries.get(key);
    if (!list) return undefined;
    const now = this.opts.now();
    for (const entry of list) {
      if (host !== undefined && entry.host !== host) continue;
      if (entry.inFlight === 0 && now >= entry.until) continue; // expired; trim() removes it
      if (event.digest && entry.digest && event.digest !== entry.digest && entry.inFlight === 0) continue;
      if (event.digest && !entry.digest) entry.digest = event.digest;
      return { task: entry.task };
    }
    return undefined;
  }

  /** Writes remembered (in flight or recent). */
  get size(): number {
    return this.count;
  }

  /**
   * Drops what expired from the old end (Map order is the order writes began in; a copy in
   * flight is passed over, not a reason to stop), and the oldest beyond `max`, in flight or not.
   */
  private trim(): void {
    const now = this.opts.now();
    for (const [key, list] of this.entries) {
      const keep = this.count > this.max ? [] : list.filter((e) => e.inFlight > 0 || now < e.until);
      if (keep.length < list.length) {
        this.count -= list.length - keep.length;
        if (keep.length > 0) this.entries.set(key, keep);
        else this.entries.delete(key);
      } else if (keep.some((e) => e.inFlight === 0)) {
        break; // a write remembered and not expired: what follows began later
      }
    }
  }
}

function keyOf(repo: string, tag: string): string {
  return `${repo}\0${tag}`;
}

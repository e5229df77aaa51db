/**
 * Event ids seen lately, so a notification the registry sends again (it retries until it gets
 * an answer it likes) is answered without queueing anything twice. Bounded by count and age,
 * so memory stays flat under any rate of events.
 */
export class RecentIds {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** True the first time `id` is seen (within the window); false for a repeat. */
  firstTime(id: string): boolean {
    const t = this.now();
    const at = this.seen.get(id);
    if (at !== undefined && t - at < this.ttlMs) return false;
    this.seen.delete(id);
    this.seen.set(id, t);
    // Map keeps insertion order: the oldest go first
    for (const [old, when] of this.seen) {
      if (this.seen.size <= this.max && t - when < this.ttlMs) break;
      this.seen.delete(old);
    }
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}

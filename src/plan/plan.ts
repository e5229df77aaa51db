/**
 * The copy plan of one mapping, computed from data only: which source references go to
 * which target references. Reading the source (repository and tag lists) happens before,
 * applying the plan (the relay) after.
 */
import type { ImageRef } from '../relay/relay.js';

export interface RepoPair {
  source: string;
  target: string;
}

export interface PlannedCopy {
  sourceRepo: string;
  targetRepo: string;
  ref: ImageRef;
}

/** `refsFor(pair)` is the expanded tag set of that source repository. */
export function planCopies(pairs: readonly RepoPair[], refsFor: (pair: RepoPair) => readonly ImageRef[]): PlannedCopy[] {
  const out: PlannedCopy[] = [];
  const seen = new Set<string>();
  for (const pair of pairs) {
    for (const ref of refsFor(pair)) {
      // The same target reference twice in one mapping would be copied twice for nothing.
      const key = `${pair.target}\u0000${ref.tag ?? ''}\u0000${ref.digest ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ sourceRepo: pair.source, targetRepo: pair.target, ref });
    }
  }
  return out;
}

export function describeRef(repo: string, ref: ImageRef): string {
  if (ref.tag && ref.digest) return `${repo}:${ref.tag}@${ref.digest}`;
  if (ref.digest) return `${repo}@${ref.digest}`;
  return `${repo}:${ref.tag ?? 'latest'}`;
}

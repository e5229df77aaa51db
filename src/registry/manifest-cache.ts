/**
 * Manifests read by digest, kept for the life of the process. A digest names its content, so
 * an entry never goes stale; it is keyed by connection and identity as well, so what one
 * user's credentials read is never handed to a request with other credentials. Its point is
 * Docker Hub's pull allowance: every manifest GET counts, and a daemon re-checking an unchanged
 * multi-platform image would otherwise GET its index on every run.
 */
import type { Manifest } from './types.js';

/** Indexes and image manifests are a few KB: this bounds the cache to a few MB. */
const MAX_ENTRIES = 2_000;

export class ManifestCache {
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recent.
  private readonly entries = new Map<string, Manifest>();

  get(key: string): Manifest | undefined {
    const m = this.entries.get(key);
    if (m) {
      this.entries.delete(key);
      this.entries.set(key, m);
    }
    return m;
  }

  set(key: string, manifest: Manifest): void {
    this.entries.delete(key);
    this.entries.set(key, manifest);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}

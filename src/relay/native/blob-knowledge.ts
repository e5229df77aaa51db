/**
 * What the native relay has learnt about blobs at its target registries, for its own life (one
 * process): which repositories hold which blob because we uploaded, mounted or found it there.
 * A second image of a repository then needs no HEAD for a shared layer, and a layer already in
 * another repository of the same registry is mounted instead of downloaded and uploaded again.
 * A transfer in flight is remembered as its promise, so parallel copies of images that share a
 * layer move it once: into the same repository they wait for it, into another they mount after it. The decision itself (nextBlobStep) is pure.
 */

/** What to do for a blob the target repository may lack. */
export type BlobStep =
  /** This repository holds it (or a transfer into it is under way). */
  | { kind: 'have' }
  /** Another repository of the registry holds it: mount from there (one request). */
  | { kind: 'mount'; from: string }
  /** Nothing known: HEAD, then upload when missing. */
  | { kind: 'check' }
  /** Nothing known, and asking costs more than sending: upload at once. */
  | { kind: 'upload' };

/**
 * A config blob names its image (two images differ by their configs), and the relay copies an
 * image because the target lacks it: so the target almost surely lacks the config too, and a
 * HEAD would only add a request. Small ones are sent without asking; a large one (rare) is not.
 */
export const UNASKED_CONFIG_MAX_BYTES = 256 * 1024;

export interface BlobFacts {
  role: 'config' | 'layer';
  size: number;
}

export function nextBlobStep(inRepo: boolean, holders: readonly string[], repo: string, blob: BlobFacts): BlobStep {
  if (inRepo) return { kind: 'have' };
  const from = holders.find((r) => r !== repo);
  if (from !== undefined) return { kind: 'mount', from };
  return blob.role === 'config' && blob.size <= UNASKED_CONFIG_MAX_BYTES ? { kind: 'upload' } : { kind: 'check' };
}

export class BlobKnowledge {
  /**
   * `registry\0digest` → repository → settles once that repository holds the blob: at once
   * for blobs found there, when its transfer ends for blobs we move.
   */
  private readonly blobs = new Map<string, Map<string, Promise<unknown>>>();

  /** The transfer of `digest` into `repo`, finished or under way; undefined when unknown. */
  transfer(registry: string, repo: string, digest: string): Promise<unknown> | undefined {
    return this.blobs.get(key(registry, digest))?.get(repo);
  }

  /** What to do for the blob, and (for a mount) the transfer into the repository to mount from. */
  step(registry: string, repo: string, digest: string, blob: BlobFacts): BlobStep & { after?: Promise<unknown> } {
    const repos = this.blobs.get(key(registry, digest));
    const step = nextBlobStep(repos?.has(repo) === true, [...(repos?.keys() ?? [])], repo, blob);
    return step.kind === 'mount' ? { ...step, after: repos?.get(step.from) } : step;
  }

  /** Remembers a transfer at once (so others wait for it, or mount after it); forgets it if it fails. */
  track(registry: string, repo: string, digest: string, transfer: Promise<unknown>): void {
    const k = key(registry, digest);
    let repos = this.blobs.get(k);
    if (!repos) this.blobs.set(k, (repos = new Map()));
    repos.set(repo, transfer);
    transfer.catch(() => {
      if (this.blobs.get(k)?.get(repo) === transfer) this.blobs.get(k)?.delete(repo);
    });
  }

  /** A repository holds the blob (the source of a same-registry copy): a mount source. */
  holds(registry: string, repo: string, digest: string): void {
    if (!this.transfer(registry, repo, digest)) this.track(registry, repo, digest, Promise.resolve());
  }

  /** The registry lost blobs we thought it had (a manifest PUT said BLOB_UNKNOWN): learn again. */
  forgetRepo(registry: string, repo: string): void {
    for (const [k, repos] of this.blobs) if (k.startsWith(`${registry}\0`)) repos.delete(repo);
  }
}

function key(registry: string, name: string): string {
  return `${registry}\0${name}`;
}

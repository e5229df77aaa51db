/**
 * Copying what refers to an image (mapping `referrers: true`), after the image is in place,
 * copied or unchanged (a signature added at the source later must still arrive): OCI 1.1
 * referrers and digest tags (plan/referrer-plan.ts says what they are).
 *
 * - Referrers are found by the source's referrers API, or, where it has none, its tag-schema
 *   index `sha256-<hex>`; digest tags (`sha256-<hex>.sig`…) from the source's tag list, which
 *   the run reads once per repository anyway.
 * - Each referrer is copied by its digest through the relay (skopeo: `skopeo copy` by digest;
 *   native: itself), each digest tag by its tag; one that the target already has (by digest)
 *   is skipped, as unchanged images are.
 * - A target without the API gets the tag-schema index through our registry client (skopeo
 *   1.9 cannot copy an index of artifacts), merged with what it lists already.
 * Reads are bounded by the run's check limit, copies by its copy limit, one request at a time
 * under each, so waiting for a limit never holds another.
 */
import type { LimitFunction } from 'p-limit';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { indexChildren } from '../plan/digests.js';
import type { PlatformChoice } from '../plan/platform.js';
import { digestTagsOf, indexBytes, mergedIndex, OCI_INDEX, referrersTag } from '../plan/referrer-plan.js';
import { descriptorsOf, type ReferrerDescriptor, type ReferrerReads } from '../registry/referrers-api.js';
import type { RegistryClient, RegistryEndpoint } from '../registry/types.js';
import type { RegistryWrites } from '../registry/write.js';
import type { ImageRef, Relay } from '../relay/relay.js';

export type ReferrerRegistry = RegistryClient & Pick<RegistryWrites, 'getRawManifest' | 'putManifest'> & ReferrerReads;

export interface ReferrerRunDeps {
  registry: ReferrerRegistry;
  relay: Relay;
  limitCheck: LimitFunction;
  limitCopy: LimitFunction;
  /** The source repository's tags, read once per run (shared with tag selection). */
  sourceTags: (repo: string) => Promise<readonly string[]>;
  /** The target repository's tags as the run read them at its start; undefined when unknown. */
  targetTags: (repo: string) => Promise<ReadonlySet<string> | undefined>;
  signal: AbortSignal;
  logger: Logger;
  verbose: boolean;
}

export interface ReferrerImage {
  source: RegistryEndpoint;
  sourceRepo: string;
  target: RegistryEndpoint;
  targetRepo: string;
  /** The digests the image left at the target (an index copied whole: the index and its children). */
  subjects: readonly string[];
}

export interface ReferrerCounts {
  copied: number;
  skipped: number;
}

/** Copying a referrer as it is: every platform, the digest kept. */
const AS_IS: PlatformChoice = { kind: 'all' };

/** One per task run: what registries were found to lack the referrers API is asked once. */
export class ReferrerRun {
  private readonly noApi = new Set<string>();

  constructor(private readonly deps: ReferrerRunDeps) {}

  /** Copies the referrers and digest tags of each subject; throws when any failed, after trying all. */
  async copy(image: ReferrerImage): Promise<ReferrerCounts> {
    if (this.deps.relay.name === 'docker') throw new Error("relay 'docker' cannot copy referrers (signatures, SBOMs): use relay 'skopeo' or 'native'");
    const counts: ReferrerCounts = { copied: 0, skipped: 0 };
    const failures: string[] = [];
    const tally = async (what: string, step: () => Promise<boolean>) => {
      try {
        counts[(await step()) ? 'copied' : 'skipped']++;
      } catch (e) {
        failures.push(`${what}: ${errorMessage(e)}`);
      }
    };
    const sourceTags = await this.deps.sourceTags(image.sourceRepo);
    const subjects = await Promise.allSettled(
      image.subjects.map(async (subject) => {
        const referrers = await this.sourceReferrers(image, subject, sourceTags);
        const tags = digestTagsOf(sourceTags, subject);
        // tally() never rejects: only the index's read or write can, after its copies ended.
        const [index] = await Promise.allSettled([
          this.syncReferrers(image, subject, referrers, (d, step) => tally(`referrer ${d.digest}`, step)),
          ...tags.map((tag) => tally(`${image.sourceRepo}:${tag}`, () => this.copyDigestTag(image, tag))),
        ]);
        if (index?.status === 'rejected') throw index.reason;
      }),
    );
    subjects.forEach((r, i) => {
      if (r.status === 'rejected') failures.push(`referrers of ${image.subjects[i]}: ${errorMessage(r.reason)}`);
    });
    if (failures.length > 0) throw new Error(`referrers: ${failures.length} failed (${failures.slice(0, 3).join('; ')})`);
    return counts;
  }

  private read<T>(op: () => Promise<T>): Promise<T> {
    return this.deps.limitCheck(op);
  }

  /** By the API when the source has one, else by its tag-schema index. */
  private async sourceReferrers(image: ReferrerImage, subject: string, tags: readonly string[]): Promise<ReferrerDescriptor[]> {
    const byApi = await this.referrersByApi(image.source, image.sourceRepo, subject);
    if (byApi) return byApi;
    return tags.includes(referrersTag(subject)) ? this.indexAt(image.source, image.sourceRepo, subject) : [];
  }

  private async referrersByApi(ep: RegistryEndpoint, repo: string, subject: string): Promise<ReferrerDescriptor[] | undefined> {
    if (this.noApi.has(ep.registry)) return undefined;
    const found = await this.read(() => this.deps.registry.listReferrers(ep, repo, subject, this.deps.signal));
    if (!found) this.noApi.add(ep.registry);
    return found;
  }

  private async indexAt(ep: RegistryEndpoint, repo: string, subject: string): Promise<ReferrerDescriptor[]> {
    const index = await this.read(() => this.deps.registry.getRawManifest(ep, repo, referrersTag(subject), this.deps.signal));
    if (!index) return [];
    try {
      return descriptorsOf(JSON.parse(index.bytes.toString('utf8')));
    } catch {
      return []; // not JSON: not an index any client could read either
    }
  }

  /** Each referrer the target lacks, by digest; then, without the API there, the target's index. */
  private async syncReferrers(image: ReferrerImage, subject: string, referrers: ReferrerDescriptor[], tally: (d: ReferrerDescriptor, step: () => Promise<boolean>) => Promise<void>): Promise<void> {
    if (referrers.length === 0) return;
    const { target, targetRepo } = image;
    const byApi = await this.referrersByApi(target, targetRepo, subject);
    const listed = byApi ?? (await this.targetIndex(image, subject));
    const known = new Set(listed.map((d) => d.digest));
    let failed = false;
    await Promise.all(
      referrers.map((d) =>
        tally(d, async () => {
          try {
            if (known.has(d.digest) || (await this.read(() => this.deps.registry.headManifest(target, targetRepo, d.digest, this.deps.signal)))) return false;
            await this.relayCopy(image, { digest: d.digest });
            return true;
          } catch (e) {
            failed = true;
            throw e;
          }
        }),
      ),
    );
    // A registry with the API indexes what it receives by `subject`; one without needs the
    // index, naming only manifests that arrived (a client would fail on a missing one).
    if (byApi || failed) return;
    const merged = mergedIndex(listed, referrers);
    if (!merged) return;
    await this.read(() => this.deps.registry.putManifest(target, targetRepo, referrersTag(subject), { mediaType: OCI_INDEX, bytes: indexBytes(merged) }, this.deps.signal));
    this.deps.logger.debug(`referrers index of ${targetRepo}@${subject}: ${merged.length} listed`);
  }

  private async targetIndex(image: ReferrerImage, subject: string): Promise<ReferrerDescriptor[]> {
    const tags = await this.deps.targetTags(image.targetRepo);
    if (tags && !tags.has(referrersTag(subject))) return [];
    return this.indexAt(image.target, image.targetRepo, subject);
  }

  /** A digest tag (`sha256-<hex>.sig`): copied unless the target's tag has the source's digest. */
  private async copyDigestTag(image: ReferrerImage, tag: string): Promise<boolean> {
    const { target, targetRepo } = image;
    const tags = await this.deps.targetTags(targetRepo);
    const [src, tgt] = await Promise.all([
      this.read(() => this.deps.registry.headManifest(image.source, image.sourceRepo, tag, this.deps.signal)),
      tags && !tags.has(tag) ? undefined : this.read(() => this.deps.registry.headManifest(target, targetRepo, tag, this.deps.signal)),
    ]);
    if (!src) return false; // removed at the source meanwhile
    if (tgt?.digest === src.digest) return false;
    await this.relayCopy(image, { tag });
    return true;
  }

  private relayCopy(image: ReferrerImage, ref: ImageRef): Promise<void> {
    const { relay, signal, logger, verbose } = this.deps;
    return this.deps.limitCopy(async () => {
      await relay.copy(
        {
          source: { endpoint: image.source, repo: image.sourceRepo, ref },
          target: { endpoint: image.target, repo: image.targetRepo, ref },
          platform: AS_IS,
          verbose,
        },
        { signal, logger },
      );
      logger.debug(`copied referrer ${image.sourceRepo}${ref.tag ? `:${ref.tag}` : `@${ref.digest}`} → ${image.targetRepo}`);
    });
  }
}

/**
 * The digests an image left at the target under `ref`: the manifest the tag names, and for a
 * copy of every platform the index's children too (cosign signs those with `--recursive`).
 * `known` is the digest when the check already found it.
 */
export async function subjectsAt(registry: RegistryClient, target: RegistryEndpoint, repo: string, ref: string, platform: PlatformChoice, known: string | undefined, signal: AbortSignal): Promise<string[]> {
  const digest = known ?? (await registry.headManifest(target, repo, ref, signal))?.digest;
  if (!digest) return [];
  if (platform.kind !== 'all') return [digest];
  const manifest = await registry.getManifest(target, repo, digest, signal);
  return [digest, ...(manifest ? indexChildren(manifest.body).map((c) => c.digest) : [])];
}

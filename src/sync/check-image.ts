/**
 * Reading what the plan needs to decide one image: the source's manifest digest (and, for an
 * index copied as one platform, that platform's child) and the target's digest for the tag.
 * The decision itself is pure (plan/digests.ts).
 *
 * The source side is read once per image however many targets the task has (`SourceRead`,
 * shared by the targets' checks), and only when some target needs it: a target whose tag list
 * lacks the tag is decided without it.
 */
import { decide, expectedTargetDigest, indexChildren, isIndex, type DigestDecision, type PlatformSpec, type SourceManifest } from '../plan/digests.js';
import type { PlannedCopy } from '../plan/plan.js';
import type { PlatformChoice } from '../plan/platform.js';
import type { ManifestHead, RegistryClient, RegistryEndpoint } from '../registry/types.js';
import type { TagDigests } from './repo-digests.js';

export type CheckOutcome =
  | { kind: 'decided'; sourceDigest: string | undefined; targetDigest: string | undefined; decision: DigestDecision }
  | { kind: 'source-missing' }
  | { kind: 'check-failed'; error: unknown };

export interface CheckInput {
  copy: PlannedCopy;
  source: RegistryEndpoint;
  target: RegistryEndpoint;
  platform: PlatformChoice;
  /** The platform skopeo picks when none is given. */
  host: PlatformSpec;
  /**
   * The target repository's tags, read once per run: a tag not among them needs no HEAD to
   * know it is missing. Undefined when unknown (the listing failed): HEAD decides.
   */
  targetTags?: Promise<ReadonlySet<string> | undefined>;
  /** Read the source digest even when the target lacks the tag (check mode shows it). */
  wantSourceDigest?: boolean;
  /**
   * What must match: the manifest digest (skopeo and native relays keep manifests byte for
   * byte), or the image config digest (the Docker relay rewrites manifests but keeps the
   * config, the image ID, unchanged).
   */
  compare?: 'manifest' | 'config';
  /** The image's source side, shared by every target of the task (see `sourceRead`); made here when absent. */
  sourceRead?: SourceRead;
  /**
   * Tag → digest of the whole source or target repository where the registry lists them in a
   * few calls (repo-digests.ts: ECR's DescribeImages, Docker Hub's tag API); undefined: one HEAD per tag.
   */
  sourceDigests?: Promise<TagDigests | undefined> | undefined;
  targetDigests?: Promise<TagDigests | undefined> | undefined;
}

/** What the source holds for one image, as the chosen comparison needs it; undefined: not there. */
export type SourceFacts =
  | { compare: 'manifest'; manifest: SourceManifest }
  | { compare: 'config'; manifest: string; config: string | undefined };

/** Reads the source side of one image at most once, on first call. */
export type SourceRead = () => Promise<SourceFacts | undefined>;

type SourceInput = Pick<CheckInput, 'copy' | 'source' | 'platform' | 'host' | 'compare' | 'sourceDigests'>;

/** The source side of one image, read on first use and shared by every target's check. */
export function sourceRead(registry: RegistryClient, input: SourceInput, signal?: AbortSignal): SourceRead {
  let read: Promise<SourceFacts | undefined> | undefined;
  return () => {
    read ??= readSource(registry, input, signal);
    return read;
  };
}

async function readSource(registry: RegistryClient, input: SourceInput, signal: AbortSignal | undefined): Promise<SourceFacts | undefined> {
  const { copy } = input;
  if (input.compare === 'config') {
    const src = await configDigestOf(registry, input.source, copy.sourceRepo, sourceRefOf(copy), input, signal);
    return src && { compare: 'config', ...src };
  }
  const src = await headOf(registry, input.source, copy.sourceRepo, sourceRefOf(copy), input.sourceDigests, signal);
  if (!src) return undefined;
  // One platform of an index: the target will hold that child, so its digest is what counts.
  // Read by digest, so the client's cache answers it again without a GET (Docker Hub's allowance).
  const needsChildren = isIndex(src.mediaType) && input.platform.kind !== 'all';
  const index = needsChildren ? await registry.getManifest(input.source, copy.sourceRepo, src.digest, signal) : undefined;
  return { compare: 'manifest', manifest: { digest: src.digest, mediaType: src.mediaType, children: index ? indexChildren(index.body) : undefined } };
}

export function sourceRefOf(copy: PlannedCopy): string {
  return copy.ref.digest ?? copy.ref.tag ?? 'latest';
}

export function targetRefOf(copy: PlannedCopy): string {
  return copy.ref.tag ?? copy.ref.digest ?? 'latest';
}

export async function checkImage(registry: RegistryClient, input: CheckInput, signal?: AbortSignal): Promise<CheckOutcome> {
  const { copy } = input;
  const source = input.sourceRead ?? sourceRead(registry, input, signal);
  try {
    const known = copy.ref.tag !== undefined ? await input.targetTags : undefined;
    if (known && copy.ref.tag !== undefined && !known.has(copy.ref.tag) && !input.wantSourceDigest) {
      // A new tag: copying is certain, and the copy itself finds out whether the source has it.
      return { kind: 'decided', sourceDigest: undefined, targetDigest: undefined, decision: { action: 'copy', expectedDigest: undefined, reason: 'missing' } };
    }
    if (input.compare === 'config') return await checkByConfig(registry, input, source, signal);
    const [src, tgt] = await Promise.all([source(), headOf(registry, input.target, copy.targetRepo, targetRefOf(copy), input.targetDigests, signal)]);
    if (!src || src.compare !== 'manifest') return { kind: 'source-missing' };
    const decision = decide(src.manifest, tgt?.digest, input.platform, input.host);
    return { kind: 'decided', sourceDigest: src.manifest.digest, targetDigest: tgt?.digest, decision };
  } catch (error) {
    return { kind: 'check-failed', error };
  }
}

/**
 * A tag's digest from the repository's listing when there is one: a tag a complete listing
 * lacks is absent. A digest reference, no listing, or a tag a partial listing lacks: a HEAD.
 */
async function headOf(
  registry: RegistryClient,
  ep: RegistryEndpoint,
  repo: string,
  ref: string,
  listing: Promise<TagDigests | undefined> | undefined,
  signal: AbortSignal | undefined,
): Promise<ManifestHead | undefined> {
  const known = ref.startsWith('sha256:') || !listing ? undefined : await listing;
  const listed = known?.digests.get(ref);
  if (listed || known?.complete) return listed;
  return registry.headManifest(ep, repo, ref, signal);
}

/**
 * The config digest of the image a copy with this platform choice takes, or undefined if absent.
 * A HEAD finds the digest; the manifests are then read by digest, which the client keeps, so a
 * daemon re-checking an unchanged image spends no manifest GET (Docker Hub counts those).
 */
async function configDigestOf(
  registry: RegistryClient,
  ep: RegistryEndpoint,
  repo: string,
  ref: string,
  input: Pick<CheckInput, 'platform' | 'host'>,
  signal: AbortSignal | undefined,
): Promise<{ manifest: string; config: string | undefined } | undefined> {
  const head = await registry.headManifest(ep, repo, ref, signal);
  const top = head ? await registry.getManifest(ep, repo, head.digest, signal) : undefined;
  if (!top) return undefined;
  let image = top;
  if (isIndex(top.mediaType)) {
    const child = expectedTargetDigest({ digest: top.digest, mediaType: top.mediaType, children: indexChildren(top.body) }, input.platform, input.host);
    const picked = child ? await registry.getManifest(ep, repo, child, signal) : undefined;
    if (!picked) return { manifest: top.digest, config: undefined };
    image = picked;
  }
  const config = (image.body as { config?: { digest?: unknown } } | null)?.config?.digest;
  return { manifest: image.digest, config: typeof config === 'string' ? config : undefined };
}

async function checkByConfig(registry: RegistryClient, input: CheckInput, source: SourceRead, signal: AbortSignal | undefined): Promise<CheckOutcome> {
  const { copy } = input;
  const [src, tgt] = await Promise.all([source(), configDigestOf(registry, input.target, copy.targetRepo, targetRefOf(copy), input, signal)]);
  if (!src || src.compare !== 'config') return { kind: 'source-missing' };
  const base = { kind: 'decided' as const, sourceDigest: src.manifest, targetDigest: tgt?.manifest };
  if (src.config === undefined) return { ...base, decision: { action: 'copy', expectedDigest: undefined, reason: 'unknown' } };
  if (!tgt) return { ...base, decision: { action: 'copy', expectedDigest: undefined, reason: 'missing' } };
  if (tgt.config === src.config) return { ...base, decision: { action: 'skip', digest: tgt.manifest } };
  return { ...base, decision: { action: 'copy', expectedDigest: undefined, reason: 'changed' } };
}

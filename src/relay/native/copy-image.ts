/**
 * One image reference copied registry to registry through our own client: read the source
 * manifest, decide what it takes (manifest-plan.ts), bring each blob the target repository
 * lacks (blob-knowledge.ts: known → nothing; held by another target repository → mount; else
 * HEAD, then stream the source GET into a monolithic upload), then PUT the manifests' exact
 * bytes, children first.
 */
import pLimit from 'p-limit';
import { RegistryError } from '../../errors.js';
import type { PlatformSpec } from '../../plan/digests.js';
import type { RegistryWrites, RawManifest } from '../../registry/write.js';
import type { CopyRequest, FanOutRequest } from '../relay.js';
import type { BlobKnowledge } from './blob-knowledge.js';
import { parseManifest, planRoot, type BlobRef, type ManifestShape } from './manifest-plan.js';
import { directSource, sharedSource, type SourceReader } from './source-reader.js';

export interface CopyDeps {
  writes: RegistryWrites;
  knowledge: BlobKnowledge;
  host: PlatformSpec;
  signal: AbortSignal;
  /** Where the source is read (default: straight from the registry); shared by a fan-out's targets. */
  reader?: SourceReader;
}

/** What one copy did, for the debug log and tests. */
export interface CopyStats {
  uploaded: number;
  mounted: number;
  /** Found at the target by HEAD. */
  present: number;
  /** Known to be at the target already (or moved there by a parallel copy): no request. */
  known: number;
  manifests: number;
}

/** A refusal or a source problem: says what is wrong without a registry answer to quote. */
export class NativeCopyError extends Error {
  override readonly name = 'NativeCopyError';
}

/** Blob transfers at once within one image; the copy limit bounds images. */
const BLOBS_AT_ONCE = 4;

export async function copyImage(req: CopyRequest, deps: CopyDeps): Promise<CopyStats> {
  const stats: CopyStats = { uploaded: 0, mounted: 0, present: 0, known: 0, manifests: 0 };
  const { source, target } = req;
  const { writes, knowledge, signal } = deps;
  const registry = target.endpoint.registry;
  const sameRegistry = source.endpoint.registry === registry;
  const limitBlobs = pLimit(BLOBS_AT_ONCE);
  const reader = deps.reader ?? directSource(writes, source, signal);

  const fetchManifest = async (reference: string): Promise<RawManifest> => {
    const m = await reader.manifest(reference);
    if (!m) throw new NativeCopyError(`manifest ${reference} not found at the source (MANIFEST_UNKNOWN)`);
    if (reference.startsWith('sha256:') && m.digest !== reference) {
      throw new NativeCopyError(`the source sent a manifest with digest ${m.digest} for ${reference}`);
    }
    return m;
  };

  const ensureBlob = (blob: BlobRef): Promise<unknown> => {
    const known = knowledge.transfer(registry, target.repo, blob.digest);
    if (known) {
      stats.known++;
      return known;
    }
    // The source repository of a same-registry copy holds every blob the manifest names.
    if (sameRegistry) knowledge.holds(registry, source.repo, blob.digest);
    // Decided before tracking: once tracked, this repository counts as holding the blob.
    const step = knowledge.step(registry, target.repo, blob.digest, blob);
    // Waiting for the transfer to mount from holds no slot of the limit: that transfer may
    // itself be queued behind this copy's transfers, and a slot held here could then deadlock.
    const transfer = mountSource(step).then((from) => limitBlobs(() => transferBlob(blob, step, from)));
    knowledge.track(registry, target.repo, blob.digest, transfer);
    return transfer;
  };

  /** The repository to mount from once its transfer is done; undefined when there is none (or it failed). */
  const mountSource = async (step: ReturnType<BlobKnowledge['step']>): Promise<string | undefined> => {
    if (step.kind !== 'mount') return undefined;
    return (await (step.after ?? Promise.resolve()).then(() => true, () => false)) ? step.from : undefined;
  };

  const transferBlob = async (blob: BlobRef, step: ReturnType<BlobKnowledge['step']>, mountFrom: string | undefined): Promise<void> => {
    const upload = { digest: blob.digest, size: blob.size, open: () => reader.openBlob(blob.digest, blob.size) };
    if (mountFrom !== undefined) {
      const how = await writes.mountBlob(target.endpoint, target.repo, upload, mountFrom, signal);
      stats[how === 'mounted' ? 'mounted' : 'uploaded']++;
    } else if (step.kind !== 'upload' && (await writes.blobExists(target.endpoint, target.repo, blob.digest, signal))) {
      stats.present++;
    } else {
      await writes.uploadBlob(target.endpoint, target.repo, upload, signal);
      stats.uploaded++;
    }
  };

  const putManifest = async (m: RawManifest, reference: string): Promise<void> => {
    const stored = await writes.putManifest(target.endpoint, target.repo, reference, m, signal);
    stats.manifests++;
    if (stored !== undefined && stored !== m.digest) {
      throw new NativeCopyError(`${registry} stored the manifest as ${stored}, not as its digest ${m.digest}`);
    }
  };

  /** An image manifest: its blobs, then itself. Learns again once if the target lost blobs. */
  const copyImageManifest = async (m: RawManifest, shape: ManifestShape & { kind: 'image' }, reference: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      await Promise.all(shape.blobs.map(ensureBlob));
      try {
        return await putManifest(m, reference);
      } catch (e) {
        if (attempt > 0 || !isBlobUnknown(e)) throw e;
        knowledge.forgetRepo(registry, target.repo);
      }
    }
  };

  /** A manifest named by digest (a child of an index), whatever its kind, pushed by digest. */
  const copyByDigest = async (digest: string, depth: number): Promise<void> => {
    const m = await fetchManifest(digest);
    const shape = parseManifest(m.mediaType, m.bytes);
    if (shape.kind === 'refused') throw new NativeCopyError(`${digest}: ${shape.why}`);
    if (shape.kind === 'image') return copyImageManifest(m, shape, digest);
    // An index inside an index is rare but legal; the bound guards against a cycle.
    if (depth >= 3) throw new NativeCopyError(`${digest}: indexes nested too deep`);
    await Promise.all(shape.children.map((c) => copyByDigest(c.digest, depth + 1)));
    await putManifest(m, digest);
  };

  const root = await fetchManifest(source.ref.digest ?? source.ref.tag ?? 'latest');
  const rootShape = parseManifest(root.mediaType, root.bytes);
  const plan = planRoot(rootShape, root, req.platform, deps.host);
  const pushAs = (m: RawManifest) => target.ref.tag ?? m.digest;
  if (plan.kind === 'refused') throw new NativeCopyError(plan.why);
  if (plan.kind === 'image' && rootShape.kind === 'image') {
    await copyImageManifest(root, rootShape, pushAs(root));
  } else if (plan.kind === 'child') {
    const child = await fetchManifest(plan.digest);
    const shape = parseManifest(child.mediaType, child.bytes);
    if (shape.kind !== 'image') throw new NativeCopyError(`${plan.digest}: ${shape.kind === 'refused' ? shape.why : 'the chosen platform is itself an index'}`);
    await copyImageManifest(child, shape, pushAs(child));
  } else if (plan.kind === 'all') {
    await Promise.all(plan.children.map((d) => copyByDigest(d, 1)));
    await putManifest(root, pushAs(root));
  }
  return stats;
}

/**
 * One image to several targets: each target is copied as `copyImage` copies it (its own blob
 * steps, pushes and errors), all reading one shared source reader, so each source manifest and
 * blob is fetched once. One outcome per target, in order: its stats, or why it failed.
 */
export async function copyImageToMany(req: FanOutRequest, deps: CopyDeps): Promise<PromiseSettledResult<CopyStats>[]> {
  const reader = sharedSource(deps.writes, req.source, deps.signal);
  try {
    return await Promise.allSettled(req.targets.map((target) => copyImage({ source: req.source, target, platform: req.platform, verbose: req.verbose }, { ...deps, reader })));
  } finally {
    await reader.dispose();
  }
}

function isBlobUnknown(e: unknown): boolean {
  return e instanceof RegistryError && e.status === 400 && /BLOB_UNKNOWN/.test(e.message);
}

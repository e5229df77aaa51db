/**
 * What the native relay copies for one manifest, decided from the manifest alone (pure): an
 * index yields the children a platform choice takes, an image yields the blobs its manifest
 * names. The platform is chosen exactly as the digest check chooses it (plan/digests.ts), so
 * what arrives is what the next run expects and skips.
 */
import { expectedTargetDigest, indexChildren, isIndex, type IndexChild, type PlatformSpec } from '../../plan/digests.js';
import { formatPlatform, type PlatformChoice } from '../../plan/platform.js';
import { SCHEMA1_MEDIA_TYPES } from '../../registry/write.js';

export const IMAGE_MEDIA_TYPES = new Set(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']);

export interface BlobRef {
  digest: string;
  size: number;
  mediaType: string;
  role: 'config' | 'layer';
}

export type ManifestShape =
  | { kind: 'index'; children: IndexChild[] }
  | { kind: 'image'; blobs: BlobRef[]; foreign: BlobRef[] }
  | { kind: 'refused'; why: string };

/** What to do with the manifest the source reference names. */
export type RootPlan =
  /** An image: copy it (its blobs, then itself under the target reference). */
  | { kind: 'image' }
  /** One platform of an index: copy that child and push it under the target reference. */
  | { kind: 'child'; digest: string }
  /** `platform: all`: every child by digest, then the index itself under the target reference. */
  | { kind: 'all'; children: string[] }
  | { kind: 'refused'; why: string };

/**
 * Layers a registry must not redistribute: their `urls` say where clients fetch them, and
 * skopeo leaves them behind too (the target accepts a manifest naming them without the blob).
 */
const FOREIGN_LAYER_TYPES = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

export function parseManifest(mediaType: string, bytes: Buffer): ManifestShape {
  if ((SCHEMA1_MEDIA_TYPES as readonly string[]).includes(mediaType)) return schema1();
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { kind: 'refused', why: `the manifest (${mediaType || 'no media type'}) is not JSON` };
  }
  if (!isRecord(body)) return { kind: 'refused', why: 'the manifest is not a JSON object' };
  if (body.schemaVersion === 1) return schema1();
  if (isIndex(mediaType)) return { kind: 'index', children: indexChildren(body) };
  if (!IMAGE_MEDIA_TYPES.has(mediaType)) return { kind: 'refused', why: `manifest type '${mediaType || 'unknown'}' is not supported by the native relay; use skopeo` };
  const descriptors = [body.config, ...(Array.isArray(body.layers) ? body.layers : [])];
  const blobs: BlobRef[] = [];
  const foreign: BlobRef[] = [];
  for (const [i, d] of descriptors.entries()) {
    const ref = blobRef(d, i === 0 ? 'config' : 'layer');
    if (!ref) return { kind: 'refused', why: 'the manifest has a config or layer without digest and size' };
    const urls = isRecord(d) ? d.urls : undefined;
    if (FOREIGN_LAYER_TYPES.has(ref.mediaType) && Array.isArray(urls) && urls.length > 0) foreign.push(ref);
    else blobs.push(ref);
  }
  return { kind: 'image', blobs: dedupe(blobs), foreign };
}

/** The copy a platform choice asks of the manifest the source reference names. */
export function planRoot(shape: ManifestShape, root: { digest: string; mediaType: string }, platform: PlatformChoice, host: PlatformSpec): RootPlan {
  if (shape.kind === 'refused') return shape;
  if (shape.kind === 'image') return { kind: 'image' };
  if (platform.kind === 'all') return { kind: 'all', children: shape.children.map((c) => c.digest) };
  const digest = expectedTargetDigest({ ...root, children: shape.children }, platform, host);
  if (digest === undefined) return { kind: 'refused', why: `no image in the index matches platform ${wantedPlatform(platform, host)}` };
  return { kind: 'child', digest };
}

function wantedPlatform(platform: PlatformChoice, host: PlatformSpec): string {
  if (platform.kind !== 'default') return formatPlatform(platform);
  return [host.os, host.architecture, host.variant].filter(Boolean).join('/');
}

function schema1(): ManifestShape {
  return { kind: 'refused', why: 'Docker schema1 is not supported by the native relay; use skopeo' };
}

function blobRef(d: unknown, role: BlobRef['role']): BlobRef | undefined {
  if (!isRecord(d) || typeof d.digest !== 'string' || typeof d.size !== 'number') return undefined;
  return { digest: d.digest, size: d.size, mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', role };
}

/** A layer listed twice (an empty layer, say) is copied once. */
function dedupe(blobs: BlobRef[]): BlobRef[] {
  const seen = new Set<string>();
  return blobs.filter((b) => !seen.has(b.digest) && seen.add(b.digest));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

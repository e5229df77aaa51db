/**
 * Deciding, from digests alone, whether an image must be copied. Pure: the caller reads
 * the manifests (registry/) and passes what it found.
 *
 * skopeo keeps a manifest byte for byte when it needs no conversion, so a copied image has
 * the source's digest at the target: the source manifest's digest for a single image, the
 * chosen child's digest when one platform of an index is copied, the index's own digest for
 * `platform: all` (copied with --preserve-digests so this stays true).
 */
import type { PlatformChoice } from './platform.js';

export const INDEX_MEDIA_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string | undefined;
}

export interface IndexChild {
  digest: string;
  platform?: { os?: string; architecture?: string; variant?: string } | undefined;
}

/** What the source holds for one reference. `children` only for an index. */
export interface SourceManifest {
  digest: string;
  mediaType: string;
  children?: readonly IndexChild[] | undefined;
}

export type DigestDecision =
  | { action: 'skip'; digest: string }
  | { action: 'copy'; expectedDigest: string | undefined; reason: 'missing' | 'changed' | 'unknown' };

export function isIndex(mediaType: string): boolean {
  return INDEX_MEDIA_TYPES.has(mediaType);
}

/** The platform skopeo picks when none is given: this machine's. */
export function hostPlatform(nodeArch: string = process.arch, nodePlatform: string = process.platform): PlatformSpec {
  const arch: Record<string, PlatformSpec['architecture']> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  const os = nodePlatform === 'win32' ? 'windows' : nodePlatform;
  const a = arch[nodeArch] ?? nodeArch;
  return { os, architecture: a, ...(a === 'arm' ? { variant: 'v7' } : {}) };
}

/** The child of an index that a copy of `wanted` takes, or undefined if none fits. */
export function chooseChild(children: readonly IndexChild[], wanted: PlatformSpec): IndexChild | undefined {
  const candidates = children.filter((c) => c.platform?.os === wanted.os && c.platform?.architecture === wanted.architecture);
  if (wanted.variant) return candidates.find((c) => c.platform?.variant === wanted.variant);
  // No variant asked for: prefer a child without one (arm64 images often say v8), else the first.
  return candidates.find((c) => !c.platform?.variant) ?? candidates[0];
}

/** The digest the target will have after copying `source` with this platform choice. */
export function expectedTargetDigest(source: SourceManifest, platform: PlatformChoice, host: PlatformSpec): string | undefined {
  if (!isIndex(source.mediaType) || platform.kind === 'all') return source.digest;
  const wanted: PlatformSpec =
    platform.kind === 'one'
      ? { os: platform.os, architecture: platform.architecture ?? host.architecture, variant: platform.variant ?? (platform.architecture ? undefined : host.variant) }
      : host;
  return chooseChild(source.children ?? [], wanted)?.digest;
}

export function decide(source: SourceManifest, targetDigest: string | undefined, platform: PlatformChoice, host: PlatformSpec): DigestDecision {
  const expected = expectedTargetDigest(source, platform, host);
  if (expected === undefined) return { action: 'copy', expectedDigest: undefined, reason: 'unknown' };
  if (targetDigest === undefined) return { action: 'copy', expectedDigest: expected, reason: 'missing' };
  if (targetDigest === expected) return { action: 'skip', digest: expected };
  return { action: 'copy', expectedDigest: expected, reason: 'changed' };
}

/** Children of an index manifest body (OCI index or Docker manifest list). */
export function indexChildren(body: unknown): IndexChild[] {
  if (typeof body !== 'object' || body === null) return [];
  const manifests = (body as { manifests?: unknown }).manifests;
  if (!Array.isArray(manifests)) return [];
  return manifests.flatMap((m: unknown) => {
    if (typeof m !== 'object' || m === null) return [];
    const { digest, platform } = m as { digest?: unknown; platform?: unknown };
    if (typeof digest !== 'string') return [];
    return [{ digest, platform: typeof platform === 'object' && platform !== null ? (platform as IndexChild['platform']) : undefined }];
  });
}

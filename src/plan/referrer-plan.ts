/**
 * What travels with an image when a mapping asks for `referrers` (pure; sync/referrers.ts reads
 * and copies). Two conventions name what refers to an image with digest `sha256:<hex>`:
 * - OCI 1.1 referrers: manifests whose `subject` is the image, listed by the referrers API or,
 *   on a registry without it, in an image index under the tag `sha256-<hex>` (the spec's tag
 *   schema), which whoever pushes a referrer keeps up to date;
 * - digest tags, as cosign writes them: `sha256-<hex>.sig`, `.att`, `.sbom` (any suffix, as
 *   regsync's `digestTags` copies them).
 * A target without the API gets the tag-schema index too, or clients there would not find the
 * referrers: what it lists already is kept (never drop what a target has), the source's
 * referrers are added.
 */
import type { ReferrerDescriptor } from '../registry/referrers-api.js';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** `sha256:<hex>` → `sha256-<hex>`: the tag-schema tag, and the stem of digest tags. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

/** The source's digest tags of `subject` (`sha256-<hex>.<suffix>`), in a stable order. */
export function digestTagsOf(tags: Iterable<string>, subject: string): string[] {
  const stem = `${referrersTag(subject)}.`;
  return [...tags].filter((t) => t.startsWith(stem) && t.length > stem.length).sort();
}

/** What the target's tag-schema index must list: undefined when it lists everything already. */
export function mergedIndex(targetHas: readonly ReferrerDescriptor[], sourceHas: readonly ReferrerDescriptor[]): ReferrerDescriptor[] | undefined {
  const listed = new Set(targetHas.map((d) => d.digest));
  const added = sourceHas.filter((d) => !listed.has(d.digest) && listed.add(d.digest));
  return added.length === 0 ? undefined : [...targetHas, ...added];
}

/** The bytes of a tag-schema index listing `manifests`. */
export function indexBytes(manifests: readonly ReferrerDescriptor[]): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
}

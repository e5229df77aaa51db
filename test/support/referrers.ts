/**
 * Pushing what refers to an image, as signing and SBOM tools do on a registry without the OCI
 * 1.1 referrers API (docker-registry 2.8 has none):
 * - an OCI 1.1 referrer: an artifact manifest with `subject`, pushed by digest, and listed in
 *   the tag-schema index `sha256-<hex>` (the spec's fallback: an index of every referrer);
 * - a cosign-style signature: an image manifest under the tag `sha256-<hex>.sig`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { clientOf, header } from './http.js';
import { ALL_MANIFEST_TYPES, OCI } from './media-types.js';
import type { TestRegistry } from './types.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
}

const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') };
const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** The tag-schema tag of a subject: `sha256:abc…` → `sha256-abc…`. */
export const referrersTag = (digest: string) => digest.replace(':', '-');

async function pushBlob(reg: TestRegistry, repo: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const client = clientOf(reg);
  const digest = sha256(bytes);
  const started = await client.expect('POST', `/v2/${repo}/blobs/uploads/`, [202]);
  const url = new URL(header(started, 'location') ?? '', client.baseUrl);
  url.searchParams.set('digest', digest);
  await client.expect('PUT', url.href, [201], { headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  return { digest, size: bytes.length };
}

async function putManifest(reg: TestRegistry, repo: string, ref: string, mediaType: string, bytes: Buffer): Promise<Descriptor> {
  await clientOf(reg).expect('PUT', `/v2/${repo}/manifests/${ref}`, [201], { headers: { 'content-type': mediaType }, body: bytes });
  return { mediaType, digest: sha256(bytes), size: bytes.length };
}

/** The descriptor of what `ref` names (media type, digest and size of its bytes). */
export async function describeManifest(reg: TestRegistry, repo: string, ref: string): Promise<Descriptor> {
  const r = await clientOf(reg).expect('GET', `/v2/${repo}/manifests/${ref}`, [200], { headers: { accept: ALL_MANIFEST_TYPES } });
  return { mediaType: (header(r, 'content-type') ?? '').split(';')[0]!, digest: sha256(r.body), size: r.body.length };
}

/** The tag-schema index of `subject`'s referrers; [] when there is none. */
export async function fallbackReferrers(reg: TestRegistry, repo: string, subject: string): Promise<Descriptor[]> {
  const r = await clientOf(reg).expect('GET', `/v2/${repo}/manifests/${referrersTag(subject)}`, [200, 404], { headers: { accept: OCI.index } });
  if (r.status === 404) return [];
  return (JSON.parse(r.body.toString('utf8')) as { manifests?: Descriptor[] }).manifests ?? [];
}

/**
 * An OCI 1.1 artifact (e.g. a notation signature or an SBOM) naming `subject`, pushed by its
 * digest, and (unless `listInIndex: false`) added to the subject's tag-schema index as a
 * client does where the registry has no referrers API.
 */
export async function pushReferrer(reg: TestRegistry, repo: string, subjectRef: string, artifactType = 'application/vnd.dregsy.test.signature', opts: { listInIndex?: boolean } = {}): Promise<Descriptor> {
  const subject = await describeManifest(reg, repo, subjectRef);
  const config = await pushBlob(reg, repo, EMPTY_CONFIG.bytes);
  const payload = await pushBlob(reg, repo, Buffer.from(`signature of ${subject.digest} ${randomUUID()}`));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      artifactType,
      config: { mediaType: EMPTY_CONFIG.mediaType, ...config },
      layers: [{ mediaType: 'application/vnd.dregsy.test.payload', ...payload }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
    }),
  );
  const pushed = await putManifest(reg, repo, sha256(manifest), OCI.manifest, manifest);
  const referrer = { ...pushed, artifactType };
  // A registry with the referrers API lists it by its subject: nothing to keep up then.
  if (opts.listInIndex === false) return referrer;
  const listed = await fallbackReferrers(reg, repo, subject.digest);
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI.index, manifests: [...listed, referrer] }));
  await putManifest(reg, repo, referrersTag(subject.digest), OCI.index, index);
  return referrer;
}

/** A cosign-style signature: an image manifest whose layer holds the signed payload, tagged `sha256-<hex>.<suffix>`. */
export async function pushCosignTag(reg: TestRegistry, repo: string, subjectDigest: string, suffix: 'sig' | 'att' | 'sbom' = 'sig'): Promise<Descriptor> {
  const payload = await pushBlob(reg, repo, Buffer.from(JSON.stringify({ critical: { image: { 'docker-manifest-digest': subjectDigest } }, optional: { nonce: randomUUID() } })));
  const config = await pushBlob(reg, repo, Buffer.from(JSON.stringify({ architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: [payload.digest] } })));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      config: { mediaType: OCI.config, ...config },
      layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', ...payload, annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ==' } }],
    }),
  );
  return putManifest(reg, repo, `${referrersTag(subjectDigest)}.${suffix}`, OCI.manifest, manifest);
}

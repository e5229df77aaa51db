/**
 * The OCI 1.1 referrers API (`GET /v2/<name>/referrers/<digest>`): an image index listing the
 * manifests whose `subject` is the digest. A registry that has the API answers 200 even when
 * nothing refers to the digest; one without it answers 404 (an unknown route; distribution
 * 2.8) or 405, and callers then fall back to the tag schema (`sha256-<hex>`). Pages follow
 * `Link: rel="next"` as tag lists do.
 */
import { nextLink } from './challenge.js';
import { apiRepo } from './hosts.js';
import { failWithBody, header, type Transport } from './reply.js';
import type { RegistryEndpoint } from './types.js';

/** One entry of a referrers list or tag-schema index (an OCI descriptor). */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string | undefined;
  annotations?: Record<string, string> | undefined;
}

export interface ReferrerReads {
  /** What refers to `digest` by the referrers API; undefined when the registry has no such API. */
  listReferrers(ep: RegistryEndpoint, repo: string, digest: string, signal?: AbortSignal): Promise<ReferrerDescriptor[] | undefined>;
}

const INDEX = 'application/vnd.oci.image.index.v1+json';

export function createReferrerReads(t: Transport): ReferrerReads {
  return {
    async listReferrers(ep, repo, digest, signal) {
      const name = apiRepo(ep.registry, repo);
      const found: ReferrerDescriptor[] = [];
      let page: string | undefined = `/v2/${name}/referrers/${digest}`;
      while (page) {
        const path: string = page;
        const result = await t.retrying(ep, `GET ${path}`, signal, async () => {
          const r = await t.call(ep, path, { method: 'GET', scope: `repository:${name}:pull`, accept: INDEX, ...(signal ? { signal } : {}) });
          if ((r.status === 404 || r.status === 405) && path === `/v2/${name}/referrers/${digest}`) {
            await r.body.dump();
            return undefined;
          }
          if (r.status !== 200) return failWithBody(ep, r);
          const link = header(r.headers, 'link');
          return { json: (await r.body.json()) as unknown, next: link ? nextLink(link) : undefined };
        });
        if (!result) return undefined;
        found.push(...descriptorsOf(result.json));
        page = result.next;
      }
      return found;
    },
  };
}

/** The `manifests` of an image index that are well-formed descriptors. */
export function descriptorsOf(index: unknown): ReferrerDescriptor[] {
  const list = typeof index === 'object' && index !== null ? (index as { manifests?: unknown }).manifests : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((d: unknown) => {
    if (typeof d !== 'object' || d === null) return [];
    const { mediaType, digest, size, artifactType, annotations } = d as Record<string, unknown>;
    if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest) || typeof size !== 'number') return [];
    return [
      {
        mediaType: typeof mediaType === 'string' ? mediaType : '',
        digest,
        size,
        ...(typeof artifactType === 'string' ? { artifactType } : {}),
        ...(typeof annotations === 'object' && annotations !== null ? { annotations: annotations as Record<string, string> } : {}),
      },
    ];
  });
}

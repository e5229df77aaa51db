/**
 * What the one registry client (client.ts) offers the rest of the program: the reads of the
 * distribution API that planning needs. The writes of the native relay are in write.ts.
 */
import type { Credentials } from '../auth/credentials.js';

/** One side of a task as the registry client and the relays see it. */
export interface RegistryEndpoint {
  /** `host[:port]` as written in the config. */
  registry: string;
  /** Do not verify certificates, and fall back to plain HTTP (as skopeo's tls-verify=false). */
  skipTlsVerify: boolean;
  /** Base of the per-registry TLS folders: `<certsDir>/<host without port>/`. */
  certsDir: string;
  credentials: Credentials | undefined;
}

/** Every manifest type we read; without the OCI or list types a registry answers 404 or a child. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

export interface ManifestHead {
  digest: string;
  mediaType: string;
}

export interface Manifest extends ManifestHead {
  /** The parsed JSON body. */
  body: unknown;
}

export interface ListOptions {
  /**
   * `lister.maxItems` (`Infinity`: all): listing stops after the page on which it is passed
   * (ECR and index: reached), as dregsy's listers do; a page is never cut short.
   */
  maxItems: number;
}

/** What a lister found. */
export interface RepoListing {
  names: string[];
  /** The listing stopped at `maxItems` while the registry had more repositories. */
  truncated: boolean;
}

export interface RegistryClient {
  /** Every tag of `repo`; throws RegistryError (404 when the repository does not exist). */
  listTags(endpoint: RegistryEndpoint, repo: string, signal?: AbortSignal): Promise<string[]>;
  /** The registry's catalog (`/v2/_catalog`) in pages of 100, bounded by `maxItems` as dregsy bounds it. */
  listRepositories(endpoint: RegistryEndpoint, opts: ListOptions, signal?: AbortSignal): Promise<RepoListing>;
  /**
   * Repositories an index's search API (`/v1/search?q=`) finds for `term`, as Docker's
   * `docker search` asks it; `indexUrl` overrides where the API is (Docker Hub: index.docker.io).
   */
  searchRepositories(endpoint: RegistryEndpoint, term: string, opts: ListOptions & { indexUrl?: string | undefined }, signal?: AbortSignal): Promise<RepoListing>;
  /** Digest and media type of a manifest; undefined when the registry does not have it. */
  headManifest(endpoint: RegistryEndpoint, repo: string, reference: string, signal?: AbortSignal): Promise<ManifestHead | undefined>;
  /** A manifest with its body (e.g. an index, to pick a platform's child); undefined when absent. */
  getManifest(endpoint: RegistryEndpoint, repo: string, reference: string, signal?: AbortSignal): Promise<Manifest | undefined>;
  /** Closes every pooled connection. */
  close(): Promise<void>;
}

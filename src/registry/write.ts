/**
 * What a registry-to-registry copy needs beyond planning's reads (the native relay): a manifest
 * as its exact bytes, blob existence, a blob as a stream, uploads, cross-repository mounts and
 * manifest PUTs. Each is the fewest requests the distribution API allows: a monolithic upload
 * is POST + PUT (no PATCH), and a mount that the registry declines (202) continues as that
 * upload. Target-side requests all ask for `pull,push`, so one token serves a whole image.
 * Each operation is retried from its start (reply.ts `retrying`): an upload from a fresh POST
 * with the source opened again, since neither a session nor a stream survives a failure.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { RegistryError } from '../errors.js';
import { apiRepo } from './hosts.js';
import { bodyStream, discard, fail, failWithBody, header, type Reply, type Transport } from './reply.js';
import { FinalError } from './retry.js';
import { MANIFEST_ACCEPT, type RegistryEndpoint } from './types.js';

/** Docker schema 1, asked for last so a registry holding only that answers with it (not a 404). */
export const SCHEMA1_MEDIA_TYPES = ['application/vnd.docker.distribution.manifest.v1+prettyjws', 'application/vnd.docker.distribution.manifest.v1+json'] as const;

export interface RawManifest {
  /** sha256 of `bytes`: what the manifest is named by, whatever the registry says. */
  digest: string;
  /** The registry's Content-Type, else the body's `mediaType`. */
  mediaType: string;
  bytes: Buffer;
}

/** A blob to upload; `open` starts the source download only when the target needs it. */
export interface BlobUpload {
  digest: string;
  size: number;
  open(): Promise<Readable>;
}

export interface RegistryWrites {
  /** A manifest byte for byte; undefined when the registry does not have it. */
  getRawManifest(ep: RegistryEndpoint, repo: string, reference: string, signal?: AbortSignal): Promise<RawManifest | undefined>;
  /** Whether `repo` at a target holds the blob (HEAD, asked with the push scope). */
  blobExists(ep: RegistryEndpoint, repo: string, digest: string, signal?: AbortSignal): Promise<boolean>;
  /** The blob's bytes as a stream, following a redirect to storage without our credentials. */
  getBlob(ep: RegistryEndpoint, repo: string, digest: string, signal?: AbortSignal): Promise<Readable>;
  /** POST an upload, PUT the whole blob to it with `digest=`. */
  uploadBlob(ep: RegistryEndpoint, repo: string, blob: BlobUpload, signal?: AbortSignal): Promise<void>;
  /** Mounts the blob from `from` of the same registry; uploads it when the registry declines. */
  mountBlob(ep: RegistryEndpoint, repo: string, blob: BlobUpload, from: string, signal?: AbortSignal): Promise<'mounted' | 'uploaded'>;
  /** PUTs a manifest's exact bytes under a tag or digest; returns the digest the registry reports. */
  putManifest(ep: RegistryEndpoint, repo: string, reference: string, manifest: Omit<RawManifest, 'digest'>, signal?: AbortSignal): Promise<string | undefined>;
}

const pull = (name: string) => `repository:${name}:pull`;
const push = (name: string) => `repository:${name}:pull,push`;
const withSignal = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function createRegistryWrites(t: Transport): RegistryWrites {
  /** The source download; already retried by getBlob, so the upload around it does not retry it again. */
  const openSource = (blob: BlobUpload): Promise<Readable> => blob.open().catch((e: unknown) => Promise.reject(new FinalError(e)));

  /**
   * PUT the blob to an upload session's Location (absolute or relative; it may carry a query).
   * `opened` is the source download when the caller started it alongside the POST.
   */
  async function finishUpload(ep: RegistryEndpoint, name: string, started: Reply, blob: BlobUpload, signal: AbortSignal | undefined, opened?: Readable): Promise<void> {
    const location = header(started.headers, 'location');
    await started.body.dump();
    if (!location) {
      if (opened) discard(opened);
      throw new RegistryError(`${ep.registry}: upload to ${name} started without a Location`, started.url, started.status);
    }
    const url = new URL(location, started.url).href;
    const body = opened ?? (await openSource(blob));
    try {
      const r = await t.call(ep, `${url}${url.includes('?') ? '&' : '?'}digest=${encodeURIComponent(blob.digest)}`, {
        method: 'PUT',
        scope: push(name),
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
        body,
        ...withSignal(signal),
      });
      if (r.status < 200 || r.status > 299) return await failWithBody(ep, r);
      await r.body.dump();
    } finally {
      // On failure the source download would hold its connection until it times out.
      discard(body);
    }
  }

  /** One monolithic upload: a fresh session and a fresh source download each time it is tried. */
  async function uploadOnce(ep: RegistryEndpoint, name: string, blob: BlobUpload, signal: AbortSignal | undefined): Promise<void> {
    // The source download starts while the target opens the session: one round trip instead of two.
    const [posted, opened] = await Promise.allSettled([
      t.call(ep, `/v2/${name}/blobs/uploads/`, { method: 'POST', scope: push(name), headers: { 'content-length': '0' }, ...withSignal(signal) }),
      openSource(blob),
    ]);
    if (opened.status === 'rejected') {
      if (posted.status === 'fulfilled') await posted.value.body.dump().catch(() => undefined);
      throw opened.reason;
    }
    if (posted.status === 'rejected' || posted.value.status !== 202) {
      discard(opened.value);
      if (posted.status === 'rejected') throw posted.reason;
      return failWithBody(ep, posted.value);
    }
    await finishUpload(ep, name, posted.value, blob, signal, opened.value);
  }

  function upload(ep: RegistryEndpoint, repo: string, blob: BlobUpload, signal: AbortSignal | undefined): Promise<void> {
    const name = apiRepo(ep.registry, repo);
    return t.retrying(ep, `upload ${blob.digest} to ${name}`, signal, () => uploadOnce(ep, name, blob, signal));
  }

  /** A mount, or the upload a declined mount opened; 'upload' when these credentials may not mount. */
  async function mountOnce(ep: RegistryEndpoint, name: string, blob: BlobUpload, fromName: string, signal: AbortSignal | undefined): Promise<'mounted' | 'uploaded' | 'upload'> {
    const path = `/v2/${name}/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(fromName)}`;
    let r: Reply;
    try {
      r = await t.call(ep, path, { method: 'POST', scope: `${push(name)} ${pull(fromName)}`, headers: { 'content-length': '0' }, ...withSignal(signal) });
    } catch (e) {
      // The token server refused the scope with `from` in it: a plain upload needs no pull there.
      if (e instanceof RegistryError && (e.status === 401 || e.status === 403)) return 'upload';
      throw e;
    }
    if (r.status === 201) {
      await r.body.dump();
      return 'mounted';
    }
    // 202: the registry would not mount (blob gone, mounts off) and opened an upload instead.
    if (r.status === 202) {
      await finishUpload(ep, name, r, blob, signal);
      return 'uploaded';
    }
    // No pull right on `from` for these credentials: a plain upload needs none.
    if (r.status === 401 || r.status === 403) {
      await r.body.dump();
      return 'upload';
    }
    return failWithBody(ep, r);
  }

  return {
    async getRawManifest(ep, repo, reference, signal) {
      const name = apiRepo(ep.registry, repo);
      const accept = [...MANIFEST_ACCEPT, ...SCHEMA1_MEDIA_TYPES].join(', ');
      const path = `/v2/${name}/manifests/${reference}`;
      return t.retrying(ep, `GET ${path}`, signal, async () => {
        const r = await t.call(ep, path, { method: 'GET', scope: pull(name), accept, ...withSignal(signal) });
        if (r.status === 404) {
          await r.body.dump();
          return undefined;
        }
        if (r.status !== 200) return failWithBody(ep, r);
        const bytes = Buffer.from(await r.body.arrayBuffer());
        const declared = (header(r.headers, 'content-type') ?? '').split(';')[0]!.trim();
        return { digest: sha256Digest(bytes), mediaType: declared && declared !== 'application/json' ? declared : bodyMediaType(bytes), bytes };
      });
    },
    async blobExists(ep, repo, digest, signal) {
      const name = apiRepo(ep.registry, repo);
      const path = `/v2/${name}/blobs/${digest}`;
      return t.retrying(ep, `HEAD ${path}`, signal, async () => {
        const r = await t.call(ep, path, { method: 'HEAD', scope: push(name), ...withSignal(signal) });
        // A HEAD answer has no body to quote: read it once, here, whatever the status.
        await r.body.dump();
        if (r.status === 200) return true;
        if (r.status === 404) return false;
        return fail(ep, r, '');
      });
    },
    async getBlob(ep, repo, digest, signal) {
      const name = apiRepo(ep.registry, repo);
      const path = `/v2/${name}/blobs/${digest}`;
      return t.retrying(ep, `GET ${path}`, signal, async () => {
        const r = await t.call(ep, path, { method: 'GET', scope: pull(name), followRedirects: true, ...withSignal(signal) });
        if (r.status !== 200) return failWithBody(ep, r);
        return bodyStream(r);
      });
    },
    uploadBlob: upload,
    async mountBlob(ep, repo, blob, from, signal) {
      const name = apiRepo(ep.registry, repo);
      const fromName = apiRepo(ep.registry, from);
      const how = await t.retrying(ep, `mount ${blob.digest} into ${name}`, signal, () => mountOnce(ep, name, blob, fromName, signal));
      if (how !== 'upload') return how;
      await upload(ep, repo, blob, signal);
      return 'uploaded';
    },
    async putManifest(ep, repo, reference, manifest, signal) {
      const name = apiRepo(ep.registry, repo);
      const path = `/v2/${name}/manifests/${reference}`;
      return t.retrying(ep, `PUT ${path}`, signal, async () => {
        const r = await t.call(ep, path, {
          method: 'PUT',
          scope: push(name),
          headers: { 'content-type': manifest.mediaType },
          body: manifest.bytes,
          ...withSignal(signal),
        });
        if (r.status < 200 || r.status > 299) return failWithBody(ep, r);
        await r.body.dump();
        return header(r.headers, 'docker-content-digest');
      });
    },
  };
}

/** The `mediaType` a manifest declares about itself; '' when it does not (or is no JSON). */
function bodyMediaType(bytes: Buffer): string {
  try {
    const m = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    return typeof m === 'string' ? m : '';
  } catch {
    return ''; // not JSON: the relay refuses it as an unknown manifest type
  }
}

/**
 * Pushing images straight over the distribution API, no Docker needed: one tiny gzip'd tar
 * layer shared by all images (so pushes stay fast), and a config per image whose label makes
 * every image's digest unique.
 */
import { createHash, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { clientOf, header, type RegistryClient } from './http.js';
import { DOCKER, OCI } from './media-types.js';
import type { Platform, PushedImage, PushImageOptions, TestRegistry } from './types.js';

interface Blob {
  digest: string;
  size: number;
  bytes: Buffer;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const blobOf = (bytes: Buffer): Blob => ({ digest: sha256(bytes), size: bytes.length, bytes });

/** A minimal POSIX ustar archive holding one regular file. */
export function makeTar(name: string, content: Buffer): Buffer {
  const headerBlock = Buffer.alloc(512);
  const put = (offset: number, value: string) => headerBlock.write(value, offset, 'ascii');
  const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, '0')}\0`;
  put(0, name);
  put(100, octal(0o644, 8));
  put(108, octal(0, 8)); // uid
  put(116, octal(0, 8)); // gid
  put(124, octal(content.length, 12));
  put(136, octal(0, 12)); // mtime: fixed, so the layer is the same in every run
  put(148, '        '); // checksum field counts as spaces while summing
  put(156, '0'); // regular file
  put(257, 'ustar\0');
  put(263, '00');
  const checksum = headerBlock.reduce((sum, byte) => sum + byte, 0);
  put(148, `${checksum.toString(8).padStart(6, '0')}\0 `);
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  content.copy(padded);
  return Buffer.concat([headerBlock, padded, Buffer.alloc(1024)]); // two zero blocks end the archive
}

// Built once at load: a few hundred bytes, immutable, shared by every image.
const LAYER_TAR = makeTar('dregsy-test.txt', Buffer.from('a layer shared by every dregsy test image\n'));
const LAYER = blobOf(gzipSync(LAYER_TAR));
const DIFF_ID = sha256(LAYER_TAR);

export const platformKey = (p: Platform) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

/** HEAD first (blobs are shared), else a monolithic upload: POST → 202 Location, PUT Location&digest=. */
async function pushBlob(client: RegistryClient, repo: string, blob: Blob): Promise<void> {
  const head = await client.expect('HEAD', `/v2/${repo}/blobs/${blob.digest}`, [200, 404]);
  if (head.status === 200) return;
  const started = await client.expect('POST', `/v2/${repo}/blobs/uploads/`, [202]);
  const location = header(started, 'location');
  if (!location) throw new Error(`POST /v2/${repo}/blobs/uploads/ on ${client.baseUrl}: no Location`);
  const url = new URL(location, client.baseUrl);
  url.searchParams.set('digest', blob.digest);
  await client.expect('PUT', url.href, [201], {
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
    body: blob.bytes,
  });
}

/** PUTs exact bytes and checks the registry computed the same digest we did. */
async function putManifest(client: RegistryClient, repo: string, ref: string, mediaType: string, bytes: Buffer): Promise<Descriptor> {
  const digest = sha256(bytes);
  const reply = await client.expect('PUT', `/v2/${repo}/manifests/${ref}`, [201], { headers: { 'content-type': mediaType }, body: bytes });
  const answered = header(reply, 'docker-content-digest');
  if (answered !== digest) throw new Error(`PUT /v2/${repo}/manifests/${ref}: registry says ${answered}, we computed ${digest}`);
  return { mediaType, digest, size: bytes.length };
}

/** Config + layer + manifest for one platform; pushed under `ref` (a tag, or its own digest). */
async function pushSingle(client: RegistryClient, repo: string, ref: string | undefined, platform: Platform, label: string, types: typeof OCI | typeof DOCKER): Promise<Descriptor> {
  const config = blobOf(
    Buffer.from(
      JSON.stringify({
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
        config: { Labels: { 'org.dregsy.test.label': label } },
        rootfs: { type: 'layers', diff_ids: [DIFF_ID] },
      }),
    ),
  );
  await pushBlob(client, repo, LAYER);
  await pushBlob(client, repo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: types.manifest,
      config: { mediaType: types.config, digest: config.digest, size: config.size },
      layers: [{ mediaType: types.layer, digest: LAYER.digest, size: LAYER.size }],
    }),
  );
  return putManifest(client, repo, ref ?? sha256(manifest), types.manifest, manifest);
}

/** Pushes one image under repo:tag; several platforms make an OCI index or Docker manifest list. */
export async function pushImage(reg: TestRegistry, repo: string, tag: string, opts: PushImageOptions = {}): Promise<PushedImage> {
  const client = clientOf(reg);
  const types = opts.format === 'docker' ? DOCKER : OCI;
  const label = opts.label ?? `${repo}:${tag}:${randomUUID()}`;
  const platforms = opts.platforms?.length ? opts.platforms : [{ os: 'linux', architecture: 'amd64' }];
  if (platforms.length === 1) {
    const single = await pushSingle(client, repo, tag, platforms[0]!, label, types);
    return { digest: single.digest, mediaType: single.mediaType, childDigests: {} };
  }
  // Children first, each by its digest: the registry refuses an index naming unknown manifests.
  const childDigests: Record<string, string> = {};
  const manifests: Descriptor[] = [];
  for (const platform of platforms) {
    const child = await pushSingle(client, repo, undefined, platform, label, types);
    childDigests[platformKey(platform)] = child.digest;
    manifests.push({ ...child, platform: { architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}) } });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: types.index, manifests }));
  const pushed = await putManifest(client, repo, tag, types.index, index);
  return { digest: pushed.digest, mediaType: pushed.mediaType, childDigests };
}

/** Pushes each tag with its own content (a label per tag), one after the other. */
export async function pushTags(reg: TestRegistry, repo: string, tags: string[], opts: PushImageOptions = {}): Promise<Record<string, PushedImage>> {
  const out: Record<string, PushedImage> = {};
  for (const tag of tags) {
    out[tag] = await pushImage(reg, repo, tag, { ...opts, label: `${opts.label ?? randomUUID()}:${tag}` });
  }
  return out;
}

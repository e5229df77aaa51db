/**
 * Where a native copy reads the source: straight from the registry (one target), or through a
 * reader shared by the targets of one fan-out copy (a task with `targets`), which fetches each
 * manifest and each blob once however many targets need it.
 *
 * A shared blob is downloaded whole before any target reads it: kept in memory when small,
 * spooled to a temporary file otherwise (removed by `dispose`). Teeing one live stream into
 * several uploads would save that wait, but then the slowest target (or one waiting to mount
 * a layer another copy is still moving) holds back the others, and waits can form a cycle;
 * reading a finished download never waits on another target.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RegistryWrites, RawManifest } from '../../registry/write.js';
import type { ImageLocation } from '../relay.js';

export interface SourceReader {
  manifest(reference: string): Promise<RawManifest | undefined>;
  openBlob(digest: string, size: number): Promise<Readable>;
  dispose(): Promise<void>;
}

/** Blobs up to this size are held in memory; larger ones go to a temporary file. */
export const IN_MEMORY_MAX_BYTES = 16 * 1024 * 1024;

export function directSource(writes: RegistryWrites, source: ImageLocation, signal: AbortSignal): SourceReader {
  return {
    manifest: (reference) => writes.getRawManifest(source.endpoint, source.repo, reference, signal),
    openBlob: (digest) => writes.getBlob(source.endpoint, source.repo, digest, signal),
    dispose: async () => {},
  };
}

type Download = { kind: 'memory'; bytes: Buffer } | { kind: 'file'; path: string };

export function sharedSource(writes: RegistryWrites, source: ImageLocation, signal: AbortSignal): SourceReader {
  const manifests = new Map<string, Promise<RawManifest | undefined>>();
  const downloads = new Map<string, Promise<Download>>();
  let dir: Promise<string> | undefined;

  const download = async (digest: string, size: number): Promise<Download> => {
    const body = await writes.getBlob(source.endpoint, source.repo, digest, signal);
    if (size <= IN_MEMORY_MAX_BYTES) {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return { kind: 'memory', bytes: Buffer.concat(chunks) };
    }
    dir ??= mkdtemp(join(tmpdir(), 'dregsy-fanout-'));
    const path = join(await dir, digest.replace(/[^a-z0-9]/gi, '_'));
    await pipeline(body, createWriteStream(path, { mode: 0o600 }), { signal });
    return { kind: 'file', path };
  };

  return {
    manifest(reference) {
      let m = manifests.get(reference);
      if (!m) {
        m = writes.getRawManifest(source.endpoint, source.repo, reference, signal);
        manifests.set(reference, m);
      }
      return m;
    },
    async openBlob(digest, size) {
      let d = downloads.get(digest);
      if (!d) {
        d = download(digest, size);
        downloads.set(digest, d);
      }
      const done = await d;
      return done.kind === 'memory' ? Readable.from([done.bytes]) : createReadStream(done.path);
    },
    async dispose() {
      // Settle every download first, so no write lands in the folder after it is removed.
      await Promise.allSettled(downloads.values());
      if (dir) await rm(await dir, { recursive: true, force: true });
    },
  };
}

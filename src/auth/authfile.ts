/**
 * Credentials reach skopeo only through authfiles (containers-auth.json), never through
 * argv, where every user of the machine could read them. Files live in a private directory
 * (0700) created per store, are written 0600, and are removed by `dispose()`.
 *
 * A location with no credentials still gets an (empty) authfile, so skopeo never falls back
 * to the host's own ~/.docker/config.json or containers auth.json.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Credentials } from './credentials.js';

export interface AuthfileStore {
  /** Path of an authfile holding `credentials` for `registry` (host[:port]); empty when anonymous. */
  fileFor(registry: string, credentials: Credentials | undefined): Promise<string>;
  /** Removes every file and the directory. Safe to call twice. */
  dispose(): Promise<void>;
}

/** Registry keys skopeo looks up for a host: Docker Hub's aliases all resolve to docker.io. */
function authKeys(registry: string): string[] {
  const hub = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'];
  return hub.includes(registry) ? [registry, 'docker.io'] : [registry];
}

export function authfileContent(registry: string, credentials: Credentials | undefined): string {
  const auths: Record<string, { auth: string }> = {};
  if (credentials) {
    const auth = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
    for (const key of authKeys(registry)) auths[key] = { auth };
  }
  return JSON.stringify({ auths });
}

export async function createAuthfileStore(baseDir: string = tmpdir()): Promise<AuthfileStore> {
  const dir = await mkdtemp(join(baseDir, 'dregsy-auth-'));
  // mkdtemp creates the directory 0700 already; files are 0600 and created exclusively.
  // One file per registry and user: renewed credentials (an ECR token every few hours)
  // replace the file's content instead of adding files for the life of a daemon.
  const files = new Map<string, { path: string; content: string; ready: Promise<string> }>();
  let count = 0;
  let disposed = false;
  return {
    fileFor(registry, credentials) {
      if (disposed) return Promise.reject(new Error('authfile store already disposed'));
      const content = authfileContent(registry, credentials);
      const key = `${registry}\0${credentials?.username ?? ''}`;
      const known = files.get(key);
      if (known && known.content === content) return known.ready;
      const path = known?.path ?? join(dir, `auth-${++count}.json`);
      const tmp = join(dir, `auth-${++count}.json.tmp`);
      // Written aside, then renamed over: a skopeo reading the file sees the old or the new
      // content, never half of one. After the previous write, so the last one wins.
      const ready = (known?.ready.catch(() => undefined) ?? Promise.resolve())
        .then(() => writeFile(tmp, content, { mode: 0o600, flag: 'wx' }))
        .then(() => rename(tmp, path))
        .then(() => path);
      files.set(key, { path, content, ready });
      return ready;
    },
    async dispose() {
      disposed = true;
      await Promise.allSettled([...files.values()].map((f) => f.ready));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

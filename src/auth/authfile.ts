/**
 * Credentials reach skopeo only through authfiles (containers-auth.json), never through
 * argv, where every user of the machine could read them. Files live in a private directory
 * (0700) created per store, are written 0600, and are removed by `dispose()`, or by
 * `removeNow()` when the process exits in a hurry; a folder left by a killed process is
 * removed at the next start (authfile-owner.ts).
 *
 * The folder is made only when a relay needs it (`open()`, from the skopeo relay's
 * prepare): a run with the native or Docker relay, or a dry run, writes nothing to disk.
 *
 * skopeo 1.9 reads the host's ~/.docker/config.json and containers auth.json even when it is
 * given an authfile, so the folder also holds an empty `home` for the relay's process: with
 * HOME and the other lookup paths pointing there, skopeo finds no credentials but ours.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { AUTHFILE_FOLDER_PREFIX, claimFolder, removeOrphanedFolders } from './authfile-owner.js';
import type { Credentials } from './credentials.js';

export interface AuthfileStore {
  /** Makes the private folder now; EnvironmentError when the temp folder cannot be used. */
  open(): Promise<void>;
  /** An empty private folder (0700) inside it, to be a relay process's HOME; goes with the folder. */
  home(): Promise<string>;
  /** Path of an authfile holding `credentials` for `registry` (host[:port]); empty when anonymous. */
  fileFor(registry: string, credentials: Credentials | undefined): Promise<string>;
  /**
   * A file of its own (0600) in the private folder for a relay process to read (skopeo sync's
   * source list: skopeo opens it by path, and a child's stdin is a socket it cannot open), gone
   * with the folder on any exit; `remove` deletes it sooner.
   */
  scratchFile(content: string): Promise<{ path: string; remove(): Promise<void> }>;
  /** Removes every file and the directory. Safe to call twice. */
  dispose(): Promise<void>;
  /** Removes the directory synchronously: on process exit, when nothing can be awaited. */
  removeNow(): void;
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

const UNUSABLE: Record<string, string> = {
  ENOENT: 'it does not exist',
  ENOTDIR: 'it is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'it is on a read-only file system',
  ENOSPC: 'no space left on the device',
};

async function makeFolder(baseDir: string): Promise<string> {
  try {
    return await mkdtemp(join(baseDir, AUTHFILE_FOLDER_PREFIX));
  } catch (e) {
    const why = UNUSABLE[String((e as { code?: unknown }).code)] ?? errorMessage(e);
    throw new EnvironmentError(`cannot make a private folder for authfiles in '${baseDir}' (the temp folder): ${why}. Set TMPDIR to a writable folder.`);
  }
}

export function createAuthfileStore(baseDir: string = tmpdir()): AuthfileStore {
  let dir: string | undefined;
  let opened: Promise<{ dir: string; release(): void }> | undefined;
  // One file per registry and user: renewed credentials (an ECR token every few hours)
  // replace the file's content instead of adding files for the life of a daemon.
  const files = new Map<string, { name: string; content: string; ready: Promise<string> }>();
  let count = 0;
  let disposed = false;
  let home: Promise<string> | undefined;

  function open() {
    opened ??= makeFolder(baseDir).then(async (made) => {
      // mkdtemp creates the directory 0700 already; files are 0600 and created exclusively.
      dir = made;
      try {
        return { dir: made, ...(await claimFolder(made)) };
      } catch (e) {
        throw new EnvironmentError(`cannot write to the authfile folder '${made}': ${errorMessage(e)}`);
      }
    });
    return opened;
  }

  return {
    async open() {
      if (disposed) throw new Error('authfile store already disposed');
      await open();
    },
    home() {
      if (disposed) return Promise.reject(new Error('authfile store already disposed'));
      home ??= open().then(async (folder) => {
        const path = join(folder.dir, 'home');
        await mkdir(path, { mode: 0o700 });
        return path;
      });
      return home;
    },
    fileFor(registry, credentials) {
      if (disposed) return Promise.reject(new Error('authfile store already disposed'));
      const content = authfileContent(registry, credentials);
      const key = `${registry}\0${credentials?.username ?? ''}`;
      const known = files.get(key);
      if (known && known.content === content) return known.ready;
      const name = known?.name ?? `auth-${++count}.json`;
      const n = ++count;
      // Written aside, then renamed over: a skopeo reading the file sees the old or the new
      // content, never half of one. After the previous write, so the last one wins.
      const ready = (known?.ready.catch(() => undefined) ?? Promise.resolve())
        .then(() => open())
        .then(async (folder) => {
          const path = join(folder.dir, name);
          const tmp = join(folder.dir, `auth-${n}.json.tmp`);
          await writeFile(tmp, content, { mode: 0o600, flag: 'wx' });
          await rename(tmp, path);
          return path;
        });
      files.set(key, { name, content, ready });
      return ready;
    },
    async scratchFile(content) {
      if (disposed) throw new Error('authfile store already disposed');
      const folder = await open();
      const path = join(folder.dir, `scratch-${++count}`);
      await writeFile(path, content, { mode: 0o600, flag: 'wx' });
      return { path, remove: () => rm(path, { force: true }) };
    },
    async dispose() {
      disposed = true;
      await Promise.allSettled([...files.values()].map((f) => f.ready));
      const folder = await opened?.catch(() => undefined);
      folder?.release();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
    removeNow() {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** At start: removes the authfile folders that dregsy processes which were killed left in `baseDir`. */
export async function removeOrphanedAuthfiles(logger: Logger, baseDir: string = tmpdir()): Promise<void> {
  const swept = await removeOrphanedFolders(baseDir);
  for (const dir of swept.removed) logger.info(`removed authfile folder '${dir}': the dregsy that made it was killed`);
  for (const f of swept.failed) logger.warn(`cannot clean up authfile folder '${f.dir}': ${f.error}`);
  for (const dir of swept.kept) logger.debug(`left authfile folder '${dir}': cannot tell whether the process that made it still runs`);
}

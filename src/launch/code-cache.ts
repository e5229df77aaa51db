/**
 * V8's code cache for the CLI bundle (Node 20 has no `module.enableCompileCache`): the bytecode
 * of a run is kept on disk, and the next start loads it instead of parsing and compiling
 * ~1.2 MB of JavaScript, a quarter of the work before the first registry request (`make
 * bench`, section scale).
 *
 * Two places: the build's own cache beside the bundle (`dist/bundle/code-cache`, made by
 * scripts/bundle.mjs, so a container or a fresh install starts with one), valid while Node is
 * the version that built it; and, when that one does not fit, a cache written by the first run,
 * in `$TMPDIR/dregsy-code-cache-<uid>`, or in `DREGSY_CODE_CACHE` (a folder, or `off` for none).
 * Either is valid only for the bundle at the path it was made at (cacheKey).
 *
 * What makes it safe to load bytecode from a file:
 * - the folder: the writable one is made mode 0700 and used only when it is no symlink, belongs
 *   to us (or root) and nobody else may write to it, so no other user can put a file there for
 *   us to run; the build's folder is trusted as the bundle beside it is, but not when others
 *   may write to it either;
 * - the file: named by a hash of the bundle's text and the Node version and architecture, and
 *   carrying a SHA-256 of its content, checked before V8 sees it (V8 itself checks only its
 *   version, its flags and the source's length); written to a temporary name and renamed, so a
 *   reader sees a whole file or none (several shards may start at once);
 * - failure: anything unusable (no folder, a read-only one, a damaged file, V8 refusing it) is
 *   passed over silently and the bundle compiled as without a cache.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = Buffer.from('dregsy-v8-cache-1\n');
const DIGEST_BYTES = 32;
const SUFFIX = '.v8cache';

export interface CodeCacheFile {
  /** The cached data, if a whole and unspoilt file is there. */
  read(): Buffer | undefined;
  /** Keeps `data` for the next start; false when it cannot (read-only folder, full disk). */
  write(data: Buffer): boolean;
}

export interface CodeCacheSetting {
  env: Record<string, string | undefined>;
  tmpdir: string;
  uid: number | undefined;
}

/** Where the cache is kept: `DREGSY_CODE_CACHE`, else a folder of this user's in TMPDIR; undefined: none. */
export function codeCacheDir(s: CodeCacheSetting): string | undefined {
  const set = s.env.DREGSY_CODE_CACHE;
  if (set === 'off') return undefined;
  if (set !== undefined && set !== '') return set;
  return s.uid === undefined ? undefined : join(s.tmpdir, `dregsy-code-cache-${s.uid}`);
}

/**
 * The name of the cache for the bundle at `file` (an absolute path) with these bytes under this
 * Node: `<hash of the path>-<hash of the bytes, Node version and architecture>`. The path is in
 * it because V8 keeps the file name a cache was made from and shows it in stack traces (and
 * stack-trace.ts finds the source map by it): the same bundle at another path (another
 * checkout, an image built in one folder and run from another) compiles and keeps its own.
 */
export function cacheKey(bundle: Uint8Array, file: string): string {
  const place = createHash('sha256').update(file).digest('hex').slice(0, 16);
  const content = createHash('sha256').update(bundle).update(`\0${process.version}\0${process.arch}`).digest('hex').slice(0, 32);
  return `${place}-${content}`;
}

/** The part of a key that names the bundle's path: caches of the same path replace each other. */
function placeOf(key: string): string {
  return key.split('-')[0]!;
}

/**
 * The cache file `key` in `dir`. `writable`: the run's own folder, made when first written to
 * (mode 0700) and used only while it is ours; else the build's, only read. A folder that might
 * be written by someone else is neither read nor written.
 */
export function openCodeCache(dir: string, key: string, opts: { uid: number | undefined; writable: boolean }): CodeCacheFile {
  const file = join(dir, `${key}${SUFFIX}`);
  const owner = opts.writable ? opts.uid : 'anyone';
  return {
    read: () => (safeFolder(dir, owner) ? readChecked(file) : undefined),
    write(data) {
      if (!opts.writable) return false;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch {
        return false; // a read-only file system
      }
      if (!safeFolder(dir, owner)) return false;
      const temporary = `${file}.${process.pid}.tmp`;
      try {
        writeFileSync(temporary, Buffer.concat([MAGIC, createHash('sha256').update(data).digest(), data]), { mode: 0o600 });
        renameSync(temporary, file);
      } catch {
        rmSync(temporary, { force: true });
        return false;
      }
      removeOthers(dir, file, placeOf(key));
      return true;
    },
  };
}

/** A folder (no symlink) that only its owner can write to, and that owner us or root, unless `anyone` may own it. */
function safeFolder(dir: string, owner: number | undefined | 'anyone'): boolean {
  try {
    const st = lstatSync(dir);
    const owned = owner === 'anyone' || st.uid === 0 || st.uid === owner;
    return st.isDirectory() && owned && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function readChecked(file: string): Buffer | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch {
    return undefined; // none yet
  }
  const head = MAGIC.length + DIGEST_BYTES;
  if (raw.length <= head || !raw.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const data = raw.subarray(head);
  return createHash('sha256').update(data).digest().equals(raw.subarray(MAGIC.length, head)) ? data : undefined;
}

/**
 * The caches of other bundles and Node versions at the same path (an upgrade's leftovers) and the
 * temporary files of writers that were killed: only the newest cache per path is kept; other
 * paths' caches stay. (A writer whose temporary file goes meanwhile fails its rename, and its
 * next start writes again.)
 */
function removeOthers(dir: string, keep: string, place: string): void {
  try {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      // this path's, or one named before keys held the path (no '-' in it)
      const ours = name.startsWith(`${place}-`) || !name.includes('-');
      if (ours && (name.endsWith(SUFFIX) || /\.v8cache\.\d+\.tmp$/.test(name)) && path !== keep) rmSync(path, { force: true });
    }
  } catch {
    // tidying is a courtesy
  }
}

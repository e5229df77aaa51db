/**
 * How bin/dregsy loads the CLI bundle: as a script compiled with V8's code cache
 * (code-cache.ts), where Node 20's own loaders have none. The bundle is CommonJS
 * (scripts/bundle.mjs) and is run as Node runs a CommonJS module: in a function given
 * `exports`, `require`, `module`, `__filename` and `__dirname`. This module is bundled on its
 * own (dist/bundle/launch.mjs) and uses only Node's built-in modules.
 *
 * The cache comes from the build (beside the bundle) or from an earlier run (code-cache.ts).
 * When neither fits (another Node version, other V8 flags), this run writes one: when it exits
 * or after half a minute, whichever comes first, so it holds what a run compiled (its start, a
 * sync), not only the top level.
 */
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { cacheKey, codeCacheDir, openCodeCache, type CodeCacheFile } from './code-cache.js';

/** How long a long-running dregsy runs before its cache is written (a one-off run writes at exit). */
const WRITE_AFTER_MS = 30_000;

/** What the bundle's text is wrapped in, as Node wraps a CommonJS module (offsets in V8's coverage count it). */
export const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';

/** The build's cache, beside the bundle (scripts/bundle.mjs writes it). */
export const BUILT_CACHE_DIR = 'code-cache';

export interface Loaded {
  exports: Record<string, unknown>;
  /** Which code cache the bundle was compiled with, or that this run writes one (for tests). */
  cache: 'built' | 'written' | 'writes' | 'none';
}

/** Loads and runs the CommonJS bundle at `file` (an absolute path); returns its exports. */
export function loadBundle(file: string, env: Record<string, string | undefined> = process.env): Loaded {
  const bytes = readFileSync(file);
  // esbuild writes ASCII (non-ASCII characters escaped): read as such, it needs no UTF-8 decoding
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const uid = process.getuid?.();
  const dir = codeCacheDir({ env, tmpdir: tmpdir(), uid });
  const key = dir === undefined ? undefined : cacheKey(bytes, file);
  const own = dir === undefined || key === undefined ? undefined : openCodeCache(dir, key, { uid, writable: true });
  const built = key === undefined ? undefined : openCodeCache(join(dirname(file), BUILT_CACHE_DIR), key, { uid, writable: false });
  let from: 'built' | 'written' | undefined;
  let cachedData = own?.read();
  if (cachedData) from = 'written';
  else if ((cachedData = built?.read())) from = 'built';
  // The wrapper's first line is its own: `lineOffset` keeps the bundle's lines as they are in
  // the file, so stack traces and source maps (cli/stack-trace.ts) point where they should.
  const script = new Script(`${WRAPPER_HEAD}${source}\n})`, {
    filename: file,
    lineOffset: -1,
    ...(cachedData ? { cachedData } : {}),
  });
  const used = from !== undefined && script.cachedDataRejected !== true;
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  if (used) return { exports: module.exports, cache: from! };
  if (own) writeLater(own, script);
  return { exports: module.exports, cache: own ? 'writes' : 'none' };
}

function writeLater(cache: CodeCacheFile, script: Script): void {
  let done = false;
  const write = () => {
    if (done) return;
    done = true;
    process.off('exit', write);
    clearTimeout(timer);
    cache.write(script.createCachedData());
  };
  const timer = setTimeout(write, WRITE_AFTER_MS).unref();
  process.on('exit', write);
}

/**
 * `watch: true`: reload when the config file changes (dregsy restarts). The file's folder is
 * watched, not just the file, because Kubernetes updates a mounted ConfigMap by swapping a
 * `..data` symlink in that folder rather than writing the file. Events are debounced (editors
 * and kubelet write in several steps) and a change counts only when the content differs, so
 * a touch or chmod does not restart anything.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from '../log/logger.js';

export interface ConfigWatchOptions {
  debounceMs: number;
  onChange: (why: string) => void;
  logger: Logger;
}

export interface ConfigWatch {
  close(): void;
}

async function contentHash(file: string): Promise<string | undefined> {
  try {
    return createHash('sha1').update(await readFile(file)).digest('hex');
  } catch {
    // Gone or unreadable: that is a change too; loading it again reports why.
    return undefined;
  }
}

export async function watchConfigFile(file: string, opts: ConfigWatchOptions): Promise<ConfigWatch> {
  const path = resolve(file);
  const dir = dirname(path);
  const name = basename(path);
  let known = await contentHash(path);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const check = async () => {
    const now = await contentHash(path);
    if (closed) return;
    if (now === known) {
      opts.logger.debug(`config file ${file}: content unchanged, no reload`);
      return;
    }
    // Whatever becomes of this change (taken or refused), the next one is measured from it.
    known = now;
    opts.onChange(now === undefined ? `config file ${file} is gone` : `config file ${file} changed`);
  };
  const arm = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void check(), opts.debounceMs);
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, (_event, changed) => {
      // `..data` and friends are how a ConfigMap mount swaps its content
      if (changed === null || changed === name || changed.startsWith('..')) arm();
    });
    watcher.on('error', () => arm()); // e.g. the folder itself was removed
  } catch (e) {
    opts.logger.warn(`cannot watch ${dir} for config changes: ${e instanceof Error ? e.message : String(e)}`);
  }
  opts.logger.debug(`watching ${path} for changes`);
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}

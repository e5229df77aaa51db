/**
 * A location's `auth-file`: a file holding what `auth` would hold (base64 of
 * `{"username","password"}` or of `user:password`; surrounding whitespace and a trailing
 * newline are ignored), typically a mounted Kubernetes Secret. It is read at every task run,
 * so a rotated Secret is used from the next run on, without a restart.
 *
 * Like the config, it is read only as a small regular text file (files/read-text-file.ts): a
 * FIFO would hang the run, a device would fill the memory. Those kinds are refused when the
 * config is loaded (`authFileProblems`); a missing file is not, a Secret may be mounted later.
 */
import { isAbsolute, resolve } from 'node:path';
import type { ConfigPath } from '../config/config-path.js';
import type { Config, Location } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { readTextFile, TextFileError, unreadableKind } from '../files/read-text-file.js';
import { decodeAuth, type AuthSetting } from './credentials.js';

/** Far more than base64 of a user and a password (or a Google JSON key) takes. */
export const MAX_AUTH_FILE_BYTES = 64 * 1024;

export interface AuthFileRead {
  setting: AuthSetting;
  /** The file's text, to register with the redactor. */
  raw: string;
}

/** Relative paths are relative to the config file's folder, as a reader of the config expects. */
export function authFilePath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

export async function readAuthFile(path: string, baseDir: string): Promise<AuthFileRead> {
  const file = authFilePath(path, baseDir);
  let raw: string;
  try {
    raw = (await readTextFile(file, { maxBytes: MAX_AUTH_FILE_BYTES })).trim();
  } catch (e) {
    // the reasons never hold the file's bytes
    throw new Error(`cannot read auth-file '${file}': ${e instanceof TextFileError ? e.reason : errorMessage(e)}`);
  }
  if (raw === '') throw new Error(`auth-file '${file}' is empty`);
  try {
    return { setting: decodeAuth(raw), raw };
  } catch (e) {
    // decodeAuth's messages never hold the value
    throw new Error(`auth-file '${file}': ${errorMessage(e)}`);
  }
}

/** Every `auth-file` of the config that is a FIFO, a device, a socket or a folder, with its path in the config. */
export async function authFileProblems(config: Config, baseDir: string): Promise<{ path: ConfigPath; message: string }[]> {
  const checks = (config.tasks ?? []).flatMap((task, i) => {
    const locations: [Location | undefined, ConfigPath][] = [
      [task.source, ['tasks', i, 'source']],
      [task.target, ['tasks', i, 'target']],
      ...(task.targets ?? []).map((t, k): [Location, ConfigPath] => [t, ['tasks', i, 'targets', k]]),
    ];
    return locations.map(async ([location, path]) => {
      const authFile = location?.['auth-file'];
      if (!authFile) return undefined;
      const file = authFilePath(authFile, baseDir);
      const kind = await unreadableKind(file);
      return kind === undefined ? undefined : { path: [...path, 'auth-file'], message: `cannot use auth-file '${file}': it ${kind}` };
    });
  });
  return (await Promise.all(checks)).filter((p) => p !== undefined);
}

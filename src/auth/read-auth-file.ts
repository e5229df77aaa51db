/**
 * A location's `auth-file`: a file holding what `auth` would hold (base64 of
 * `{"username","password"}` or of `user:password`; surrounding whitespace and a trailing
 * newline are ignored), typically a mounted Kubernetes Secret. It is read at every task run,
 * so a rotated Secret is used from the next run on, without a restart.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { decodeAuth, type AuthSetting } from './credentials.js';

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
    raw = (await readFile(file, 'utf8')).trim();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e);
    throw new Error(`cannot read auth-file '${file}': ${why}`);
  }
  if (raw === '') throw new Error(`auth-file '${file}' is empty`);
  try {
    return { setting: decodeAuth(raw), raw };
  } catch (e) {
    // decodeAuth's messages never hold the value
    throw new Error(`auth-file '${file}': ${e instanceof Error ? e.message : String(e)}`);
  }
}

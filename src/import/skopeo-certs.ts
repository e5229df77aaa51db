/**
 * skopeo's `cert-dir` is one folder per registry, anywhere; dregsy reads every registry's
 * certificates from `<certs-dir>/<host without port>/`. When each folder given is already
 * named after its host and they share a parent, that parent is dregsy's certs-dir. Otherwise
 * the folders that do not fit must be linked (or copied) under the chosen certs-dir.
 */
import { DEFAULT_CERTS_DIR } from '../config/resolve.js';
import type { Where } from './import-result.js';
import type { ImportContext } from './peer-format.js';

export interface CertDir {
  host: string;
  path: string;
  at: Where;
}

function parentAndName(path: string): { parent: string; name: string } {
  const p = path.replace(/\/+$/, '');
  const i = p.lastIndexOf('/');
  return { parent: i <= 0 ? (i === 0 ? '/' : '.') : p.slice(0, i), name: p.slice(i + 1) };
}

/** The certs-dir to write (undefined: dregsy's default), after asking for links where needed. */
export function resolveCertDirs(ctx: ImportContext, dirs: readonly CertDir[]): string | undefined {
  if (dirs.length === 0) return undefined;
  const fitting = dirs.filter((d) => parentAndName(d.path).name === d.host.split(':')[0]);
  const parents = [...new Set(fitting.map((d) => parentAndName(d.path).parent))];
  const certsDir = parents.length === 1 ? parents[0]! : DEFAULT_CERTS_DIR;
  for (const d of dirs) {
    const folder = `${certsDir}/${d.host.split(':')[0]}`;
    if (folder === d.path.replace(/\/+$/, '')) continue;
    ctx.builder.requireFile({ path: folder, holds: `the certificates of ${d.path} (a link to it will do: ln -s ${d.path} ${folder})`, from: d.at });
  }
  return certsDir === DEFAULT_CERTS_DIR ? undefined : certsDir;
}

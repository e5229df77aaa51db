/**
 * TLS material for one registry, read from its folder in the certs dir exactly as skopeo
 * reads `--cert-dir` (so the registry client and skopeo trust the same servers):
 * every `*.crt` is a CA added to the system's; `NAME.cert` + `NAME.key` is a client pair;
 * a `.cert` or `.key` without its partner is an error, as it is for skopeo.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';

export interface TlsMaterial {
  /** System CAs plus the folder's; undefined when the folder adds none (Node's defaults apply). */
  ca: string[] | undefined;
  cert: string | undefined;
  key: string | undefined;
}

/** dregsy's rule: the TLS folder of a registry is `<certs-dir>/<host without :port>`. */
export function certDirFor(certsDir: string, registry: string): string {
  const colon = registry.indexOf(':');
  return join(certsDir, colon >= 0 ? registry.slice(0, colon) : registry);
}

export class CertDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertDirError';
  }
}

export async function readTlsMaterial(dir: string): Promise<TlsMaterial> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    // No folder for this registry is the common case: nothing to add.
    if ((e as { code?: string }).code === 'ENOENT' || (e as { code?: string }).code === 'ENOTDIR') return { ca: undefined, cert: undefined, key: undefined };
    throw e;
  }
  const cas = await Promise.all(names.filter((n) => n.endsWith('.crt')).map((n) => readFile(join(dir, n), 'utf8')));
  const certs = names.filter((n) => n.endsWith('.cert'));
  const keys = names.filter((n) => n.endsWith('.key'));
  for (const c of certs) if (!keys.includes(`${c.slice(0, -5)}.key`)) throw new CertDirError(`missing key ${c.slice(0, -5)}.key for client certificate ${join(dir, c)}`);
  for (const k of keys) if (!certs.includes(`${k.slice(0, -4)}.cert`)) throw new CertDirError(`missing client certificate ${k.slice(0, -4)}.cert for key ${join(dir, k)}`);
  const pair = certs[0];
  return {
    ca: cas.length > 0 ? [...rootCertificates, ...cas] : undefined,
    cert: pair ? await readFile(join(dir, pair), 'utf8') : undefined,
    key: pair ? await readFile(join(dir, `${pair.slice(0, -5)}.key`), 'utf8') : undefined,
  };
}

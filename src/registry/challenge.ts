/**
 * `WWW-Authenticate` challenges of the distribution API (RFC 7235 syntax): `Basic realm=…` or
 * `Bearer realm="…",service="…",scope="…"`. Pure, so it is tested with tables.
 */

export type Challenge =
  | { scheme: 'basic' }
  | { scheme: 'bearer'; realm: string; service: string | undefined; scope: string | undefined };

/** Parses the first Basic or Bearer challenge in the header; undefined when there is none. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const params = parseParams(m[2] ?? '');
  if (scheme === 'basic') return { scheme: 'basic' };
  if (scheme === 'bearer') {
    const realm = params.get('realm');
    if (!realm) return undefined;
    return { scheme: 'bearer', realm, service: params.get('service'), scope: params.get('scope') };
  }
  return undefined;
}

/** `key="quoted, with commas",key2=token` → map (keys lower-cased). */
export function parseParams(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && m[0] !== '') {
    out.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  return out;
}

/** The `next` URL of an RFC 5988 `Link` header (`<url>; rel="next"`), as the API paginates. */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/s.exec(part);
    if (m && /;\s*rel="?next"?/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

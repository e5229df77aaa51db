/**
 * Image references as Docker reads them (distribution's `ParseNormalizedNamed`), which is how
 * regsync, skopeo, image-syncer and the Docker Engine all read theirs:
 * - the first path component is a registry only if it has a `.` or `:`, is `localhost`, or has
 *   an upper-case letter; otherwise the image is on Docker Hub (`busybox` → `docker.io/library/busybox`);
 * - Docker Hub's other names (`index.docker.io`, `registry-1.docker.io`) are `docker.io`, and a
 *   one-word Docker Hub repository is `library/<word>`;
 * - `:tag` after the last `/`, `@<algorithm>:<hex>` at the end.
 * A `${VAR}` (a peer's environment reference) counts as a registry when it is the first component.
 */

export interface ImageName {
  registry: string;
  /** Repository path inside the registry, no leading `/`. */
  path: string;
  tag?: string | undefined;
  digest?: string | undefined;
}

export const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const ENV_REF = /\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*/;

export function isDockerHub(registry: string): boolean {
  return HUB_ALIASES.has(registry);
}

export function looksLikeRegistry(component: string): boolean {
  return /[.:]/.test(component) || component === 'localhost' || component !== component.toLowerCase() || ENV_REF.test(component);
}

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

export function isTag(s: string): boolean {
  return TAG.test(s);
}

/** Parses a reference; `{ error }` says what is wrong with it, in distribution's terms. */
export function parseImageReference(text: string): ImageName | { error: string } {
  let rest = text.trim();
  if (rest === '') return { error: 'empty image reference' };
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return { error: `invalid digest '${digest}'` };
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isTag(tag)) return { error: `invalid tag '${tag}'` };
  }
  const name = splitRegistry(rest);
  if ('error' in name) return name;
  return { ...name, tag, digest };
}

/** `host/path` → registry and path, with Docker Hub's defaults. */
export function splitRegistry(name: string): { registry: string; path: string } | { error: string } {
  const slash = name.indexOf('/');
  let registry = DOCKER_HUB;
  let path = name;
  if (slash > 0 && looksLikeRegistry(name.slice(0, slash))) {
    registry = name.slice(0, slash);
    path = name.slice(slash + 1);
  }
  if (isDockerHub(registry)) {
    registry = DOCKER_HUB;
    if (!path.includes('/')) path = `library/${path}`;
  }
  const bad = path.split('/').find((c) => !COMPONENT.test(c) && !ENV_REF.test(c));
  if (path === '' || bad !== undefined) return { error: `invalid repository name '${path}'` };
  return { registry, path };
}

export function formatImageName(n: ImageName): string {
  return `${n.registry}/${n.path}${n.tag ? `:${n.tag}` : ''}${n.digest ? `@${n.digest}` : ''}`;
}

/** The last path component, as `skopeo sync` names its destinations without `--scoped`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A comment for a path Docker's defaults changed (`busybox` → `library/busybox` on Docker Hub). */
export function hubNote(registry: string, written: string, path: string): string | undefined {
  if (registry !== DOCKER_HUB || !path.startsWith('library/') || written.includes('library/')) return undefined;
  return `'${written}' is Docker Hub's ${path}, as Docker reads a one-word name`;
}

/**
 * Where a registry's API really lives. Docker Hub is known by several names in configs, but
 * its API is served by `registry-1.docker.io`, and its one-word repositories are `library/…`.
 */
const DOCKER_HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry.hub.docker.com', 'registry-1.docker.io']);

export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_NAMES.has(registry);
}

/** `host[:port]` the API requests go to. */
export function apiHost(registry: string): string {
  return isDockerHub(registry) ? 'registry-1.docker.io' : registry;
}

/** The repository path as the API names it. */
export function apiRepo(registry: string, repo: string): string {
  return isDockerHub(registry) && !repo.includes('/') ? `library/${repo}` : repo;
}

/** `host[:port]` as registries are addressed: lower case, without a default port, Docker Hub's aliases as one. */
export function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/:(443|80)$/, '');
  return isDockerHub(h) ? apiHost(h) : h;
}

/** Two registry names for the same registry. */
export function sameRegistry(a: string, b: string): boolean {
  return normalizeHost(a) === normalizeHost(b);
}

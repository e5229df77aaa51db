/**
 * What dregsy infers from a location's `registry` text alone (reference §A.4, §A.7), with
 * its exact tests: ECR by host shape, Google registries by suffix, Docker Hub by name.
 */

export type EcrInfo =
  | { ecr: false }
  | { ecr: true; public: false; account: string; region: string }
  | { ecr: true; public: true; account: string; region: string; host: string; hasPrefix: boolean };

/**
 * dregsy's `registry.IsECR`: private `<acct>.dkr.ecr.<region>.amazonaws.com[.cn]` (no port),
 * public anything ending in `public.ecr.aws`, optionally prefixed `<acct>[:<region>]@`.
 */
export function ecrInfo(registry: string): EcrInfo {
  if (registry.endsWith('public.ecr.aws')) {
    const at = registry.indexOf('@');
    if (at < 0) return { ecr: true, public: true, account: '', region: '', host: registry, hasPrefix: false };
    const prefix = registry.slice(0, at);
    const colon = prefix.indexOf(':');
    return {
      ecr: true,
      public: true,
      account: colon < 0 ? prefix : prefix.slice(0, colon),
      region: colon < 0 ? '' : prefix.slice(colon + 1),
      host: registry.split('@')[1] ?? registry,
      hasPrefix: true,
    };
  }
  const parts = registry.split('.');
  const isPrivate =
    (parts.length === 6 || parts.length === 7) &&
    parts[1] === 'dkr' &&
    parts[2] === 'ecr' &&
    parts[4] === 'amazonaws' &&
    parts[5] === 'com' &&
    (parts.length === 6 || parts[6] === 'cn');
  return isPrivate ? { ecr: true, public: false, account: parts[0] ?? '', region: parts[3] ?? '' } : { ecr: false };
}

/** dregsy's `Location.IsGCP`: `gcr.io`, `*.gcr.io` and Artifact Registry `*-docker.pkg.dev`. */
export function isGoogleRegistry(registry: string): boolean {
  return registry === 'gcr.io' || registry.endsWith('.gcr.io') || registry.endsWith('-docker.pkg.dev');
}

/** The host dregsy's repository lister treats as Docker Hub (`docker.io` is not it). */
export function isDockerHubListerHost(registry: string): boolean {
  return registry.split(':')[0] === 'registry.hub.docker.com';
}

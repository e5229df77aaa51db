/**
 * ── Features dregsy has that this dregsy does not have yet ──
 *
 * A config that relies on one of them is rejected with a clear error (a warning where the
 * config still works without it) instead of running without the feature. Each check is one
 * entry below, called from rules.ts; delete the entry when its feature lands.
 */
import type { ConfigPath } from './config-path.js';
import { error, warning, type Finding } from './finding.js';
import type { EcrInfo } from './registry-host.js';
import { isGoogleRegistry } from './registry-host.js';

export const notYet = (what: string): string => `${what} is not supported yet by this dregsy (planned)`;

export interface LocationFacts {
  path: ConfigPath;
  role: 'source' | 'target';
  registry: string;
  auth: string | undefined;
  /** `auth-refresh` was given (any value: dregsy raises it to at least 1h). */
  authRefresh: boolean;
  ecr: EcrInfo;
}

export function plannedLocation(loc: LocationFacts): Finding[] {
  const out: Finding[] = [];
  // ECR: dregsy fetches credentials with the AWS SDK every `auth-refresh`
  if (loc.ecr.ecr && loc.authRefresh) {
    out.push(error([...loc.path, 'auth-refresh'], `${notYet("'auth-refresh' (fetching ECR credentials from AWS)")}; put a token into 'auth' instead`));
  }
  // public ECR written as `<account>[:<region>]@public.ecr.aws`: dregsy strips the prefix and uses it for AWS calls
  if (loc.ecr.ecr && loc.ecr.public && loc.ecr.hasPrefix) {
    out.push(error([...loc.path, 'registry'], notYet("the public ECR prefix '<account>[:<region>]@'")));
  }
  // GCR / Artifact Registry with no auth: dregsy gets OAuth2 tokens (service account or GCE metadata)
  if (isGoogleRegistry(loc.registry) && (loc.auth === undefined || loc.auth.trim() === '')) {
    out.push(
      error(
        [...loc.path, 'registry'],
        `${notYet("fetching Google registry tokens (GCR/Artifact Registry with no 'auth')")}; set 'auth', or 'auth: none' for anonymous access`,
      ),
    );
  }
  // ECR target: dregsy creates missing repositories through the AWS API before pushing
  if (loc.role === 'target' && loc.ecr.ecr) {
    out.push(warning([...loc.path, 'registry'], `${notYet('creating missing ECR repositories')}; the target repositories must exist`));
  }
  return out;
}

/** The repository list built for `from: regex:` mappings. */
export function plannedRepoList(source: LocationFacts, listerType: string): Finding[] {
  // dregsy lists ECR repositories with the AWS SDK, since ECR's catalog paging is non-standard
  if (source.ecr.ecr && (listerType === '' || listerType === 'catalog')) {
    return [error([...source.path, 'registry'], notYet("listing ECR repositories through the AWS API (for 'from: regex:' mappings)"))];
  }
  return [];
}

/**
 * ── Features dregsy has that this dregsy does not have yet ──
 *
 * A config that relies on one of them is rejected with a clear error (a warning where the
 * config still works without it) instead of running without the feature. Each check is one
 * entry below, called from rules.ts; delete the entry when its feature lands.
 */
import type { ConfigPath } from './config-path.js';
import type { Finding } from './finding.js';
import type { EcrInfo } from './registry-host.js';

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

export function plannedLocation(_loc: LocationFacts): Finding[] {
  // Nothing planned for locations now: ECR credentials and repository creation, public ECR
  // prefixes and Google registry tokens have landed (auth/).
  return [];
}

/** The repository list built for `from: regex:` mappings. */
export function plannedRepoList(_source: LocationFacts, _listerType: string): Finding[] {
  // ECR sources are listed through the AWS API (mapping/repo-lister.ts).
  return [];
}

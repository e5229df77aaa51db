/**
 * Digests of a whole repository in a few calls, where the registry's side API offers them
 * (private ECR: DescribeImages), read once per repository and run. The digest check then needs
 * no HEAD per tag on that side; elsewhere (undefined) it asks the registry per tag, the general
 * path. A listing that fails is not an error: the HEADs still decide.
 */
import type { CredentialSources } from '../auth/credential-sources.js';
import type { Location } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../errors.js';
import type { ManifestHead } from '../registry/types.js';

export type TagDigests = ReadonlyMap<string, ManifestHead>;

export interface RepoDigests {
  /** `location`: the task's source or one of its targets (credentials and all). */
  of(location: Location, repo: string): Promise<TagDigests | undefined>;
}

export function createRepoDigests(sources: CredentialSources | undefined, signal: AbortSignal, log: Logger): RepoDigests {
  // Per location object, then repository: two targets on one registry may hold different credentials.
  const read = new Map<Location, Map<string, Promise<TagDigests | undefined>>>();
  return {
    of(location, repo) {
      let repos = read.get(location);
      if (!repos) read.set(location, (repos = new Map()));
      let p = repos.get(repo);
      if (!p) {
        const listing = sources?.ecrTagDigests(location, repo, signal);
        const where = `${location.registry}/${repo}`;
        p = listing
          ? listing.then(
              (digests) => {
                log.debug(`${where}: ${digests.size} tag digest(s) from the ECR API`);
                return digests;
              },
              (e: unknown) => {
                log.debug(`${where}: no tag digests from the ECR API (${errorMessage(e)}); asking per tag`);
                return undefined;
              },
            )
          : Promise.resolve(undefined);
        repos.set(repo, p);
      }
      return p;
    },
  };
}

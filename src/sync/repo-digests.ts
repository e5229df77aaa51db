/**
 * Digests of a whole repository in a few calls, where a side API of the registry offers them
 * (private ECR: DescribeImages; Docker Hub: its tag API, 100 tags a call), read once per
 * repository and run. The digest check then needs no HEAD per tag on that side; elsewhere
 * (undefined) it asks the registry per tag, the general path. A listing that fails is not an
 * error: the HEADs still decide.
 */
import type { CredentialSources } from '../auth/credential-sources.js';
import type { Location } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { errorMessage, RegistryError } from '../errors.js';
import type { PlannedCopy } from '../plan/plan.js';
import type { DockerHubClient } from '../registry/docker-hub.js';
import { apiRepo, isDockerHub, normalizeHost } from '../registry/hosts.js';
import type { ManifestHead, RegistryEndpoint } from '../registry/types.js';

export interface TagDigests {
  digests: ReadonlyMap<string, ManifestHead>;
  /**
   * The listing holds every tag of the repository, so a tag it lacks is absent. When false
   * (Docker Hub: a tag listed without digest, or paging stopped early) such a tag needs a HEAD.
   */
  complete: boolean;
}

export interface RepoDigests {
  /** `location`: the task's source or one of its targets (credentials and all); `endpoint`: it resolved. */
  of(location: Location, endpoint: RegistryEndpoint, repo: string): Promise<TagDigests | undefined>;
}

export interface RepoDigestsDeps {
  sources: CredentialSources | undefined;
  /** Docker Hub's web API; undefined: Docker Hub is asked per tag. */
  hub: Pick<DockerHubClient, 'tagDigests'> | undefined;
  /**
   * How many tags of this repository the run looks up. A Docker Hub listing is asked for at
   * most that many pages (more would cost more calls than the HEADs it saves), not at all for one.
   */
  wanted: (location: Location, repo: string) => number;
  signal: AbortSignal;
  log: Logger;
}

export function createRepoDigests(deps: RepoDigestsDeps): RepoDigests {
  const { log } = deps;
  // Per location object, then repository: two targets on one registry may hold different credentials.
  const read = new Map<Location, Map<string, Promise<TagDigests | undefined>>>();
  // Docker Hub's API unreachable or refusing (a proxy, a 429 past its retries): not asked again this run.
  let hubOff = false;

  function listing(location: Location, endpoint: RegistryEndpoint, repo: string): { from: string; digests: Promise<TagDigests> } | undefined {
    const ecr = deps.sources?.ecrTagDigests(location, repo, deps.signal);
    if (ecr) return { from: 'the ECR API', digests: ecr.then((digests) => ({ digests, complete: true })) };
    const hub = deps.hub;
    if (!hub || hubOff || !isDockerHub(normalizeHost(location.registry))) return undefined;
    const wanted = deps.wanted(location, repo);
    if (wanted < 2) return undefined;
    const digests = hub.tagDigests(apiRepo('docker.io', repo), endpoint.credentials, wanted, deps.signal).catch((e: unknown) => {
      // A repository the API does not show (private, anonymous) is that repository's matter only.
      if (!(e instanceof RegistryError && e.status === 404)) hubOff = true;
      throw e;
    });
    return { from: 'the Docker Hub tag API', digests };
  }

  return {
    of(location, endpoint, repo) {
      let repos = read.get(location);
      if (!repos) read.set(location, (repos = new Map()));
      let p = repos.get(repo);
      if (!p) {
        const where = `${location.registry}/${repo}`;
        const asked = listing(location, endpoint, repo);
        p = asked
          ? asked.digests.then(
              (listed) => {
                log.debug(`${where}: ${listed.digests.size} tag digest(s) from ${asked.from}${listed.complete ? '' : ' (not every tag: HEADs for the others)'}`);
                return listed;
              },
              (e: unknown) => {
                log.debug(`${where}: no tag digests from ${asked.from} (${errorMessage(e)}); asking per tag`);
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

/** How many of `jobs` look up each repository: the source's, and each target's. */
export function wantedTags(jobs: ReadonlyArray<{ copy: Pick<PlannedCopy, 'sourceRepo' | 'targetRepo'> }>, source: Location, targets: ReadonlyArray<{ location: Location }>): Map<Location, Map<string, number>> {
  const counts = new Map<Location, Map<string, number>>();
  const add = (location: Location, repo: string) => {
    let repos = counts.get(location);
    if (!repos) counts.set(location, (repos = new Map()));
    repos.set(repo, (repos.get(repo) ?? 0) + 1);
  };
  for (const { copy } of jobs) {
    add(source, copy.sourceRepo);
    for (const t of targets) add(t.location, copy.targetRepo);
  }
  return counts;
}

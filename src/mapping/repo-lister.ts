/**
 * The repository list behind `from: regex:` mappings (dregsy's listers, reference §A.4):
 * `catalog` (the registry's `/v2/_catalog`, the default), `dockerhub` (the logged-in user's
 * repositories through the Hub API) and `index` (the registry's search API with the lister's
 * `search` term); an ECR source is listed through the AWS API instead of its catalog. Lists
 * are kept for `lister.cacheDuration`, shared by every task and run of this process, as dregsy
 * does, so a daemon does not list a large registry every interval.
 *
 * `lister.maxItems` bounds a listing the way dregsy's listers do: pages of 100 until the page
 * that goes past it (ECR, index: reaches it); it never cuts a page short, so raising the
 * default never removes a repository dregsy would find. When the limit leaves repositories
 * unlisted, a warning says so: dregsy drops them silently.
 */
import type { ListerSettings } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { DockerHubClient } from '../registry/docker-hub.js';
import { isDockerHub } from '../registry/hosts.js';
import type { RegistryClient, RegistryEndpoint, RepoListing } from '../registry/types.js';

export interface RepoListerOptions {
  registry: RegistryClient;
  hub: DockerHubClient;
  /** Most names one listing returns (`Infinity`: all). */
  maxItems: number;
  /** How long a list is reused; 0: never. */
  cacheMs: number;
  now: () => number;
  /** Where Docker Hub's search API is (tests point it at a local server). */
  hubIndexUrl: string;
  /**
   * Lists an ECR registry through the AWS API (DescribeRepositories), as dregsy does instead
   * of the catalog, whose paging ECR does its own way; undefined when `registry` is not ECR.
   */
  ecr?: (registry: string, maxItems: number, signal: AbortSignal) => Promise<RepoListing> | undefined;
  /** Where the warning goes when `maxItems` leaves repositories unlisted. */
  logger: Logger;
}

export interface RepoLister {
  /**
   * `registry`: the location's registry as configured (public ECR keeps its account prefix).
   * `whole`: the list to its end, whatever `maxItems` says (`from: '*'`, a whole-registry mirror).
   */
  list(lister: ListerSettings | undefined, endpoint: RegistryEndpoint, signal: AbortSignal, registry?: string, whole?: boolean): Promise<string[]>;
}

export function createRepoLister(opts: RepoListerOptions): RepoLister {
  const cache = new Map<string, { at: number; names: Promise<string[]> }>();

  function fetchList(type: string, search: string, ep: RegistryEndpoint, signal: AbortSignal, registry: string, maxItems: number): Promise<RepoListing> {
    if (type === 'catalog') {
      const fromAws = opts.ecr?.(registry, maxItems, signal);
      if (fromAws) return fromAws;
    }
    switch (type) {
      case 'dockerhub':
        if (!ep.credentials) throw new Error("the 'dockerhub' lister lists the logged-in user's repositories: the source needs 'auth'");
        return opts.hub.listUserRepositories(ep.credentials, maxItems, signal);
      case 'index': {
        const hub = isDockerHub(ep.registry);
        // Docker's search drops `library/` for Docker Hub, where official images live unprefixed.
        const term = hub ? search.replace(/^library\//, '') : search;
        return opts.registry.searchRepositories(ep, term, { maxItems, indexUrl: hub ? opts.hubIndexUrl : undefined }, signal);
      }
      default:
        return opts.registry.listRepositories(ep, { maxItems }, signal);
    }
  }

  return {
    list(lister, ep, signal, registry = ep.registry, whole = false) {
      const type = lister?.type || 'catalog';
      const search = lister?.search ?? '';
      const maxItems = whole ? Number.POSITIVE_INFINITY : opts.maxItems;
      const key = [registry, type, search, ep.credentials?.username ?? '', whole ? 'whole' : ''].join('\0');
      const hit = cache.get(key);
      if (hit && opts.now() - hit.at < opts.cacheMs) return hit.names;
      const names = fetchList(type, search, ep, signal, registry, maxItems).then((listing) => {
        if (listing.truncated) {
          opts.logger.warn(
            `the '${type}' lister of ${registry} stopped after ${listing.names.length} repositories (lister.maxItems: ${opts.maxItems}), and the registry has more: ` +
              "'from: regex:' mappings do not see them; raise 'lister.maxItems', or set it to -1 for no limit",
          );
        }
        return listing.names;
      });
      if (opts.cacheMs > 0) {
        cache.set(key, { at: opts.now(), names });
        // A failed listing is not kept: the next run tries again.
        names.catch(() => cache.delete(key));
      }
      return names;
    },
  };
}

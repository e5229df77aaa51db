/**
 * Everything credentials come from besides the config's `auth`, for one process: AWS (ECR
 * tokens, repository creation and listing), Google application default credentials, the
 * user's docker config, and `auth-file`s. The CLI makes one and passes it down; it holds the
 * ECR token cache, so the cache lives exactly as long as the process (no module state).
 *
 * The AWS SDK and google-auth-library are loaded on first use: a config without ECR or a
 * Google registry does not pay for loading them.
 */
import { untilAborted } from '../abortable.js';
import type { Location } from '../config/schema.js';
import { ecrInfo } from '../config/registry-host.js';
import type { Logger } from '../log/logger.js';
import type { ManifestHead, RegistryEndpoint, RepoListing } from '../registry/types.js';
import { readAuthFile, type AuthFileRead } from './read-auth-file.js';
import type { Credentials } from './credentials.js';
import { dockerConfigCredentials } from './docker-config.js';
import type { EcrApi, EcrRegistry } from './ecr-api.js';
import type { GoogleTokens } from './google.js';
import { createRenewingCache, renewAt } from './renewal.js';

export interface CredentialSourcesOptions {
  logger: Logger;
  /** Folder of docker's config.json; undefined: the docker config is not used. */
  dockerConfigDir: string | undefined;
  /** Relative `auth-file` paths are relative to this folder (the config file's). */
  baseDir: string;
  /** A location's `auth-refresh` in ms (already raised to the 1h minimum); undefined: none. */
  authRefreshMs: (location: Location) => number | undefined;
  now?: () => number;
}

export interface CredentialSources {
  /** A location's ECR credentials when it asks for them (`auth-refresh` on ECR); else undefined. */
  ecrCredentials(location: Location, signal?: AbortSignal): Promise<Credentials | undefined>;
  /** An access token for a Google registry, as user `oauth2accesstoken`. */
  googleCredentials(signal?: AbortSignal): Promise<Credentials>;
  /** What docker's config.json holds for the registry; undefined when off or nothing. */
  dockerConfigCredentials(registry: string, signal?: AbortSignal): Promise<Credentials | undefined>;
  readAuthFile(path: string): Promise<AuthFileRead>;
  /** Before the first push to a repository of an ECR target (`location`, one of the task's targets): create it when missing (dregsy). */
  ensureTargetRepo(task: string, location: Location, target: RegistryEndpoint, repo: string, signal: AbortSignal): Promise<void>;
  /**
   * Tag → digest of a whole repository through the AWS API (DescribeImages), for a private ECR
   * location that uses AWS (`auth-refresh`); undefined elsewhere: ask the registry per tag.
   */
  ecrTagDigests(location: Location, repo: string, signal: AbortSignal): Promise<Map<string, ManifestHead>> | undefined;
  /** An ECR source's repositories through the AWS API; undefined when `registry` is not ECR. */
  listEcrRepositories(registry: string, maxItems: number, signal: AbortSignal): Promise<RepoListing> | undefined;
  close(): void;
}

/** An ECR host as the AWS calls need it; undefined when not ECR. */
export function ecrRegistryOf(registry: string): EcrRegistry | undefined {
  const info = ecrInfo(registry);
  if (!info.ecr) return undefined;
  return { public: info.public, account: info.account, region: info.region };
}

/**
 * How long what the docker config says for a registry is reused. Every task run resolves its
 * source and target, so a config of 1,000 tasks read and parsed config.json 2,000 times a run
 * (and ran a credential helper as often); a `docker login` in between is still seen within seconds.
 */
const DOCKER_CONFIG_REUSE_MS = 10_000;

export function createCredentialSources(opts: CredentialSourcesOptions): CredentialSources {
  const now = opts.now ?? (() => Date.now());
  const tokens = createRenewingCache<Credentials>(now);
  const dockerConfig = createRenewingCache<Credentials | undefined>(now);
  let ecrApi: Promise<EcrApi> | undefined;
  let google: Promise<GoogleTokens> | undefined;
  const ecr = () => (ecrApi ??= import('./ecr-api.js').then((m) => m.createEcrApi()));
  const googleTokens = () => (google ??= import('./google.js').then((m) => m.createGoogleTokens()));

  return {
    async ecrCredentials(location, signal) {
      const registry = ecrRegistryOf(location.registry);
      const refreshMs = opts.authRefreshMs(location);
      // dregsy fetches ECR credentials only with `auth-refresh`, and not for a public ECR
      // without account (anonymous pulls from public.ecr.aws keep working without AWS keys).
      if (!registry || refreshMs === undefined || (registry.public && !registry.account)) return undefined;
      const key = [registry.public ? 'public' : 'private', registry.account, registry.region, refreshMs].join('\0');
      return tokens.get(key, async () => {
        const fetchedAt = now();
        let token;
        try {
          token = await (await ecr()).getToken(registry, signal);
        } catch (e) {
          throw new Error(`cannot get ECR credentials for '${location.registry}' from AWS: ${errorText(e)}`);
        }
        opts.logger.debug(`fetched ECR credentials for '${location.registry}'`, token.expiresAt ? { expires: new Date(token.expiresAt).toISOString() } : {});
        return { value: token.credentials, renewAt: renewAt({ fetchedAt, refreshMs, expiresAt: token.expiresAt }) };
      });
    },

    async googleCredentials(signal) {
      // google-auth-library takes no signal: stop waiting for it instead.
      return untilAborted(googleTokens().then((g) => g.credentials()), signal);
    },

    async dockerConfigCredentials(registry, signal) {
      const dir = opts.dockerConfigDir;
      if (dir === undefined) return undefined;
      return dockerConfig.get(registry, async () => ({
        value: await dockerConfigCredentials(registry, { dir, ...(signal ? { signal } : {}) }),
        renewAt: now() + DOCKER_CONFIG_REUSE_MS,
      }));
    },

    readAuthFile(path) {
      return readAuthFile(path, opts.baseDir);
    },

    async ensureTargetRepo(task, location, _target, repo, signal) {
      const registry = ecrRegistryOf(location.registry);
      if (!registry) return;
      let outcome;
      try {
        outcome = await (await ecr()).ensureRepository(registry, repo, signal);
      } catch (e) {
        throw new Error(`cannot make sure ECR repository '${repo}' exists (needs ecr:DescribeRepositories and ecr:CreateRepository): ${errorText(e)}`);
      }
      if (outcome === 'created') opts.logger.info(`created ECR repository '${repo}'`, { task });
    },

    ecrTagDigests(location, repo, signal) {
      const registry = ecrRegistryOf(location.registry);
      // Only where AWS is in play already (the ECR token comes from it): elsewhere a HEAD per tag
      // needs no AWS credentials. Public ECR's API has no tag filter worth the second code path.
      if (!registry || registry.public || opts.authRefreshMs(location) === undefined) return undefined;
      return ecr().then((api) => api.tagDigests(registry, repo, signal));
    },
    listEcrRepositories(registryText, maxItems, signal) {
      const registry = ecrRegistryOf(registryText);
      if (!registry) return undefined;
      return ecr()
        .then((api) => api.listRepositories(registry, maxItems, signal))
        .catch((e: unknown) => {
          throw new Error(`cannot list ECR repositories of '${registryText}' through the AWS API: ${errorText(e)}`);
        });
    },

    close() {
      void ecrApi?.then((api) => api.close()).catch(() => undefined); // nothing to close if loading failed
    },
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The Docker Hub web API: dregsy's `dockerhub` lister logs in with the user's password for a
 * JWT and pages through that user's repositories (private ones included); warm runs read a
 * repository's tag digests from it (one call per 100 tags instead of a HEAD per tag).
 * Not the registry API: it lives at hub.docker.com, pointed elsewhere only by tests.
 */
import { createHash } from 'node:crypto';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from '../http/undici.js';
import { untilAborted } from '../abortable.js';
import type { Credentials } from '../auth/credentials.js';
import { RegistryError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { parseRetryAfter, type RetryPolicy } from '../retry/policy.js';
import { retrying } from '../retry/retry.js';
import { classifyRegistryFailure, isConnectFailure } from './retry.js';
import type { ManifestHead, RepoListing } from './types.js';

/** A repository's tags as the tag API lists them; `complete` false: some tags were left out. */
export interface HubTagDigests {
  digests: Map<string, ManifestHead>;
  /**
   * Every tag of the repository is in `digests`. False when the API listed a tag without a
   * digest or media type (old schema-1 images) or paging stopped at `maxCalls`: a tag not
   * in `digests` may still exist, and only a HEAD can say.
   */
  complete: boolean;
}

export interface DockerHubClient {
  /**
   * `namespace/name` of the logged-in user's image repositories, in pages of 100 until the
   * page on which `maxItems` is passed (as dregsy's lister).
   */
  listUserRepositories(credentials: Credentials, maxItems: number, signal?: AbortSignal): Promise<RepoListing>;
  /**
   * Tag → digest and media type of `namespace/name` (the registry's path, `library/…` for
   * official images), in pages of 100, at most `maxCalls` pages. Anonymous without
   * credentials (public repositories); with them, through a JWT kept per credential.
   */
  tagDigests(repo: string, credentials: Credentials | undefined, maxCalls: number, signal?: AbortSignal): Promise<HubTagDigests>;
  close(): Promise<void>;
}

export interface DockerHubOptions {
  /** Default https://hub.docker.com. */
  baseUrl: string;
  userAgent: string;
  logger: Logger;
  /** The same proxies the registry client uses. */
  proxy?: { httpProxy: string | undefined; httpsProxy: string | undefined; noProxy: string | undefined } | undefined;
  /**
   * For the tag listing (429, 5xx, a lost connection), whose failure only costs HEADs: at
   * most three tries. Default: no retry.
   */
  retry?: RetryPolicy | undefined;
}

const PAGE_SIZE = 100;
/**
 * After the API could not be connected to (a proxy or firewall that keeps hub.docker.com out),
 * tag listings fail at once for this long: no run waits for a connect timeout again and again.
 */
const UNREACHABLE_PAUSE_MS = 10 * 60_000;

export function createDockerHubClient(opts: DockerHubOptions): DockerHubClient {
  const common = { connect: { timeout: 15_000 }, headersTimeout: 60_000, bodyTimeout: 60_000 };
  const proxy = opts.proxy;
  const agent: Dispatcher =
    proxy?.httpProxy || proxy?.httpsProxy
      ? new EnvHttpProxyAgent({
          ...common,
          ...(proxy.httpProxy ? { httpProxy: proxy.httpProxy } : {}),
          ...(proxy.httpsProxy ? { httpsProxy: proxy.httpsProxy } : {}),
          ...(proxy.noProxy !== undefined ? { noProxy: proxy.noProxy } : {}),
        })
      : new Agent(common);
  const base = opts.baseUrl.replace(/\/+$/, '');

  async function call(url: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }, signal?: AbortSignal): Promise<unknown> {
    let r;
    try {
      const pending = request(agent, {
        origin: new URL(url).origin,
        path: new URL(url).pathname + new URL(url).search,
        method: init.method,
        headers: { 'user-agent': opts.userAgent, accept: 'application/json', ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(signal ? { signal } : {}),
      });
      // undici honours an abort only once connected: do not wait for a connect in progress.
      r = await untilAborted(pending, signal, (late) => void late.body.dump().catch(() => undefined));
    } catch (e) {
      if (signal?.aborted) throw e;
      // The cause keeps the socket's code: a reset is retried, as the registry client does.
      throw new RegistryError(`cannot reach Docker Hub at ${new URL(url).origin}: ${e instanceof Error ? e.message : String(e)}`, url, undefined, { cause: e });
    }
    opts.logger.trace('docker hub request', { method: init.method, url, status: r.statusCode });
    const text = await r.body.text();
    if (r.statusCode !== 200) {
      const what = r.statusCode === 401 ? 'unauthorized (check the credentials)' : `HTTP ${r.statusCode}`;
      const header = r.headers['retry-after'];
      const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, Date.now());
      throw new RegistryError(`Docker Hub ${new URL(url).pathname}: ${what}`, url, r.statusCode, retryAfterMs !== undefined ? { retryAfterMs } : undefined);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new RegistryError(`Docker Hub ${new URL(url).pathname}: the answer is not JSON`, url, r.statusCode);
    }
  }

  async function login(credentials: Credentials, signal?: AbortSignal): Promise<string> {
    const answer = (await call(
      `${base}/v2/users/login/`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: credentials.username, password: credentials.password }) },
      signal,
    )) as { token?: unknown };
    if (typeof answer.token !== 'string' || answer.token === '') throw new RegistryError('Docker Hub login returned no token', `${base}/v2/users/login/`);
    return answer.token;
  }

  // The tag listing's JWTs, one per credential (a hash of user and password: never shared
  // between two credentials, and no password kept as a key); a refused one is dropped.
  const jwts = new Map<string, Promise<string>>();
  const identity = (c: Credentials) => createHash('sha256').update(`${c.username}\0${c.password}`).digest('hex');
  function jwtFor(credentials: Credentials, signal?: AbortSignal): Promise<string> {
    const key = identity(credentials);
    let jwt = jwts.get(key);
    if (!jwt) {
      jwt = login(credentials, signal);
      jwts.set(key, jwt);
      jwt.catch(() => jwts.get(key) === jwt && jwts.delete(key));
    }
    return jwt;
  }

  const policy = opts.retry ? { ...opts.retry, attempts: Math.min(opts.retry.attempts, 3) } : { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
  const retried = <T>(what: string, signal: AbortSignal | undefined, op: () => Promise<T>) =>
    retrying(op, {
      policy,
      classify: (e) => (isConnectFailure(e) ? { retry: false } : classifyRegistryFailure(e)),
      signal,
      onRetry: ({ retry, delayMs, why }) => opts.logger.debug(`Docker Hub ${what}: ${why}; retrying in ${(delayMs / 1000).toFixed(1)}s (${retry + 1}/${policy.attempts})`),
    });

  async function listTags(repo: string, credentials: Credentials | undefined, maxCalls: number, signal?: AbortSignal): Promise<HubTagDigests> {
    const slash = repo.indexOf('/');
    if (slash <= 0 || repo.indexOf('/', slash + 1) >= 0) throw new RegistryError(`'${repo}' is not a Docker Hub repository path (namespace/name)`, base);
    const [ns, name] = [repo.slice(0, slash), repo.slice(slash + 1)].map(encodeURIComponent);
    const digests = new Map<string, ManifestHead>();
    let complete = true;
    let next: string | undefined = `${base}/v2/namespaces/${ns}/repositories/${name}/tags?page_size=${PAGE_SIZE}`;
    let calls = 0;
    while (next && calls < maxCalls) {
      const url: string = next;
      const page = await retried('tag listing', signal, async () => {
        for (let fresh = false; ; fresh = true) {
          const headers: Record<string, string> = credentials ? { authorization: `JWT ${await jwtFor(credentials, signal)}` } : {};
          try {
            return (await call(url, { method: 'GET', headers }, signal)) as { next?: unknown; results?: unknown };
          } catch (e) {
            // A JWT that expired (a daemon keeps them): log in again, once.
            if (!credentials || fresh || !(e instanceof RegistryError && e.status === 401)) throw e;
            jwts.delete(identity(credentials));
          }
        }
      });
      calls++;
      for (const t of Array.isArray(page.results) ? page.results : []) {
        const { name: tag, digest, media_type: mediaType } = (t ?? {}) as { name?: unknown; digest?: unknown; media_type?: unknown };
        if (typeof tag !== 'string') continue;
        if (typeof digest === 'string' && digest.startsWith('sha256:') && typeof mediaType === 'string' && mediaType) digests.set(tag, { digest, mediaType });
        else complete = false; // schema 1 and the like: a HEAD decides
      }
      next = typeof page.next === 'string' && page.next ? `${base}${new URL(page.next).pathname}${new URL(page.next).search}` : undefined;
    }
    return { digests, complete: complete && next === undefined };
  }

  let unreachableUntil = 0;

  return {
    async tagDigests(repo, credentials, maxCalls, signal) {
      if (Date.now() < unreachableUntil) throw new RegistryError(`Docker Hub API at ${base} could not be reached a moment ago; not asked again yet`, base);
      try {
        return await listTags(repo, credentials, maxCalls, signal);
      } catch (e) {
        if (isConnectFailure(e)) unreachableUntil = Date.now() + UNREACHABLE_PAUSE_MS;
        throw e;
      }
    },

    async listUserRepositories(credentials, maxItems, signal) {
      const auth = { authorization: `JWT ${await login(credentials, signal)}` };
      const names: string[] = [];
      let next: string | undefined = `${base}/v2/repositories/${encodeURIComponent(credentials.username)}/?page_size=100`;
      while (next) {
        const page = (await call(next, { method: 'GET', headers: auth }, signal)) as { next?: unknown; results?: unknown };
        for (const r of Array.isArray(page.results) ? page.results : []) {
          const { name, namespace, repository_type: type } = (r ?? {}) as { name?: unknown; namespace?: unknown; repository_type?: unknown };
          // dregsy keeps only image repositories (not plugins and the like)
          if (typeof name !== 'string' || (type !== undefined && type !== null && type !== 'image')) continue;
          names.push(`${typeof namespace === 'string' && namespace ? namespace : credentials.username}/${name}`);
        }
        // The API's `next` is absolute and points at hub.docker.com; keep following our base.
        next = typeof page.next === 'string' && page.next ? `${base}${new URL(page.next).pathname}${new URL(page.next).search}` : undefined;
        if (names.length > maxItems) break;
      }
      return { names, truncated: next !== undefined };
    },
    close: () => agent.close(),
  };
}

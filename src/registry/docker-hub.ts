/**
 * The Docker Hub web API that dregsy's `dockerhub` lister uses: log in with the user's
 * password for a JWT, then page through that user's repositories (private ones included).
 * Not the registry API: it lives at hub.docker.com, pointed elsewhere only by tests.
 */
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from '../http/undici.js';
import { untilAborted } from '../abortable.js';
import type { Credentials } from '../auth/credentials.js';
import { RegistryError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { RepoListing } from './types.js';

export interface DockerHubClient {
  /**
   * `namespace/name` of the logged-in user's image repositories, in pages of 100 until the
   * page on which `maxItems` is passed (as dregsy's lister).
   */
  listUserRepositories(credentials: Credentials, maxItems: number, signal?: AbortSignal): Promise<RepoListing>;
  close(): Promise<void>;
}

export interface DockerHubOptions {
  /** Default https://hub.docker.com. */
  baseUrl: string;
  userAgent: string;
  logger: Logger;
  /** The same proxies the registry client uses. */
  proxy?: { httpProxy: string | undefined; httpsProxy: string | undefined; noProxy: string | undefined } | undefined;
}

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
      throw new RegistryError(`cannot reach Docker Hub at ${new URL(url).origin}: ${e instanceof Error ? e.message : String(e)}`, url);
    }
    opts.logger.trace('docker hub request', { method: init.method, url, status: r.statusCode });
    const text = await r.body.text();
    if (r.statusCode !== 200) {
      const what = r.statusCode === 401 ? 'unauthorized (check the credentials)' : `HTTP ${r.statusCode}`;
      throw new RegistryError(`Docker Hub ${new URL(url).pathname}: ${what}`, url, r.statusCode);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new RegistryError(`Docker Hub ${new URL(url).pathname}: the answer is not JSON`, url, r.statusCode);
    }
  }

  return {
    async listUserRepositories(credentials, maxItems, signal) {
      const login = (await call(
        `${base}/v2/users/login/`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: credentials.username, password: credentials.password }) },
        signal,
      )) as { token?: unknown };
      if (typeof login.token !== 'string' || login.token === '') throw new RegistryError('Docker Hub login returned no token', `${base}/v2/users/login/`);
      const auth = { authorization: `JWT ${login.token}` };
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

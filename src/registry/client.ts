/**
 * The one HTTP client for the distribution API (the only module that sends registry requests).
 * Per registry it keeps a connection pool with that registry's TLS material, remembers whether
 * it speaks HTTPS or (with skip-tls-verify) plain HTTP, and answers Basic and Bearer challenges,
 * caching tokens per scope until they expire. Credentials go into Authorization headers only;
 * requests are logged at trace level without them.
 */
import { createHash } from 'node:crypto';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { RegistryError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { nextLink } from './challenge.js';
import { authorize, type AuthState, type Authorization } from './registry-auth.js';
import { apiHost, apiRepo } from './hosts.js';
import { certDirFor, readTlsMaterial } from './tls.js';
import { MANIFEST_ACCEPT, type ListOptions, type Manifest, type ManifestHead, type RegistryClient, type RegistryEndpoint } from './types.js';

export interface RegistryClientOptions {
  logger: Logger;
  userAgent: string;
  /** Connections kept open per registry. */
  connectionsPerRegistry?: number;
  /** HTTP(S)_PROXY / NO_PROXY, as skopeo honours them, so both reach registries the same way. */
  proxy?: ProxySettings | undefined;
}

export interface ProxySettings {
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  noProxy: string | undefined;
}

interface Connection {
  agent: Promise<Dispatcher>;
  /** Decided by the first request: https, or http when https fails and TLS checks are off. */
  scheme: 'https' | 'http' | undefined;
  /** While the first request finds the scheme, the others wait for it instead of probing too. */
  probing: Promise<void> | undefined;
  auth: AuthState;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  url: string;
}

const PAGE_SIZE = 100;

export function createRegistryClient(opts: RegistryClientOptions): RegistryClient {
  const connections = new Map<string, Connection>();

  function connectionFor(ep: RegistryEndpoint): Connection {
    const key = `${ep.registry}\0${ep.skipTlsVerify}\0${ep.certsDir}`;
    let c = connections.get(key);
    if (!c) {
      const agent = readTlsMaterial(certDirFor(ep.certsDir, ep.registry)).then((tls) => {
        const tlsOptions = {
          timeout: 15_000,
          rejectUnauthorized: !ep.skipTlsVerify,
          ...(tls.ca ? { ca: tls.ca } : {}),
          ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
        };
        const common = { connections: opts.connectionsPerRegistry ?? 16, connect: tlsOptions, headersTimeout: 60_000, bodyTimeout: 120_000 };
        const proxy = opts.proxy;
        if (!proxy?.httpProxy && !proxy?.httpsProxy) return new Agent(common);
        // Through a proxy the registry's TLS settings apply to the tunnelled connection.
        return new EnvHttpProxyAgent({
          ...common,
          requestTls: tlsOptions,
          ...(proxy.httpProxy ? { httpProxy: proxy.httpProxy } : {}),
          ...(proxy.httpsProxy ? { httpsProxy: proxy.httpsProxy } : {}),
          ...(proxy.noProxy !== undefined ? { noProxy: proxy.noProxy } : {}),
        });
      });
      agent.catch(() => undefined); // the error is reported by the request that awaits it
      c = { agent, scheme: undefined, probing: undefined, auth: { tokens: new Map(), basic: false } };
      connections.set(key, c);
    }
    return c;
  }

  async function send(ep: RegistryEndpoint, pathOrUrl: string, init: RequestInit, auth: Authorization | undefined): Promise<Reply> {
    const conn = connectionFor(ep);
    const agent = await conn.agent.catch((e: unknown) => {
      throw new RegistryError(`cannot read TLS files for ${ep.registry}: ${errorText(e)}`, certDirFor(ep.certsDir, ep.registry));
    });
    if (!conn.scheme && conn.probing && !pathOrUrl.startsWith('http')) await conn.probing;
    let probed: (() => void) | undefined;
    if (!conn.scheme && !conn.probing && !pathOrUrl.startsWith('http')) {
      conn.probing = new Promise<void>((resolve) => (probed = resolve));
    }
    try {
      return await sendWith(ep, conn, agent, pathOrUrl, init, auth);
    } finally {
      if (probed) {
        conn.probing = undefined;
        probed();
      }
    }
  }

  async function sendWith(ep: RegistryEndpoint, conn: Connection, agent: Dispatcher, pathOrUrl: string, init: RequestInit, auth: Authorization | undefined): Promise<Reply> {
    const schemes: Array<'https' | 'http'> = conn.scheme ? [conn.scheme] : ep.skipTlsVerify ? ['https', 'http'] : ['https'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${scheme}://${apiHost(ep.registry)}${pathOrUrl}`;
      try {
        const r = await agent.request({
          origin: new URL(url).origin,
          path: new URL(url).pathname + new URL(url).search,
          method: init.method,
          // undici closes the connection after a HEAD by default (for servers that send a body
          // anyway); registries do not, and a digest check is a HEAD, so keep the connection.
          ...(init.method === 'HEAD' ? { reset: false } : {}),
          headers: { 'user-agent': opts.userAgent, ...(init.accept ? { accept: init.accept } : {}), ...(auth ? { authorization: auth.header } : {}) },
          ...(init.signal ? { signal: init.signal } : {}),
        });
        conn.scheme ??= scheme;
        opts.logger.trace('registry request', { method: init.method, url, status: r.statusCode });
        return { status: r.statusCode, headers: r.headers, body: r.body, url };
      } catch (e) {
        if (init.signal?.aborted) throw e;
        lastError = e;
        opts.logger.trace('registry request failed', { method: init.method, url, error: errorText(e) });
      }
    }
    throw new RegistryError(`cannot reach ${ep.registry}: ${connectionProblem(lastError, ep)}`, pathOrUrl, undefined, { cause: lastError });
  }

  /** A request with authentication: answers one challenge and retries. */
  async function call(ep: RegistryEndpoint, pathOrUrl: string, init: RequestInit): Promise<Reply> {
    const conn = connectionFor(ep);
    const cached = conn.auth.tokens.get(init.scope);
    const first = await send(ep, pathOrUrl, init, cached && cached.expiresAt > Date.now() ? cached : conn.auth.basic ? basicOf(ep) : undefined);
    if (first.status !== 401) return first;
    await first.body.dump();
    const auth = await authorize(first.headers['www-authenticate'], ep, init.scope, conn.auth, {
      fetchToken: (url) => tokenRequest(ep, url, init.signal),
    });
    if (!auth) return fail(ep, first, '');
    return send(ep, pathOrUrl, init, auth);
  }

  async function tokenRequest(ep: RegistryEndpoint, url: string, signal: AbortSignal | undefined): Promise<{ status: number; text: string }> {
    const r = await send(ep, url, { method: 'GET', scope: '', ...(signal ? { signal } : {}) }, ep.credentials ? basicOf(ep) : undefined);
    return { status: r.status, text: await r.body.text() };
  }

  async function getJson(ep: RegistryEndpoint, pathOrUrl: string, scope: string, signal?: AbortSignal): Promise<{ json: unknown; next: string | undefined }> {
    const r = await call(ep, pathOrUrl, { method: 'GET', scope, accept: 'application/json', ...(signal ? { signal } : {}) });
    if (r.status !== 200) return fail(ep, r, await r.body.text().catch(() => ''));
    const json = (await r.body.json()) as unknown;
    const link = header(r.headers, 'link');
    return { json, next: link ? nextLink(link) : undefined };
  }

  return {
    async listTags(ep, repo, signal) {
      const name = apiRepo(ep.registry, repo);
      const tags: string[] = [];
      let page: string | undefined = `/v2/${name}/tags/list`;
      while (page) {
        const { json, next } = await getJson(ep, page, `repository:${name}:pull`, signal);
        tags.push(...stringList(json, 'tags'));
        page = next;
      }
      return [...new Set(tags)];
    },
    async listRepositories(ep, list: ListOptions, signal) {
      const repos: string[] = [];
      let page: string | undefined = `/v2/_catalog?n=${PAGE_SIZE}`;
      while (page && repos.length < list.maxItems) {
        const { json, next } = await getJson(ep, page, 'registry:catalog:*', signal);
        repos.push(...stringList(json, 'repositories'));
        page = next;
      }
      return repos.slice(0, Number.isFinite(list.maxItems) ? list.maxItems : undefined);
    },
    async searchRepositories(ep, term, opts, signal) {
      const names: string[] = [];
      const base = opts.indexUrl ? opts.indexUrl.replace(/\/+$/, '') : '';
      for (let page = 1; names.length < opts.maxItems; page++) {
        const path = `${base}/v1/search?q=${encodeURIComponent(term)}&n=${PAGE_SIZE}&page=${page}`;
        const { json } = await getJson(ep, path, '', signal);
        const results = typeof json === 'object' && json !== null ? (json as { results?: unknown; num_pages?: unknown }) : {};
        const found = Array.isArray(results.results) ? results.results.flatMap((r: unknown) => (typeof (r as { name?: unknown })?.name === 'string' ? [(r as { name: string }).name] : [])) : [];
        names.push(...found);
        const pages = typeof results.num_pages === 'number' ? results.num_pages : 1;
        if (found.length === 0 || page >= pages) break;
      }
      return names.slice(0, Number.isFinite(opts.maxItems) ? opts.maxItems : undefined);
    },
    async headManifest(ep, repo, reference, signal): Promise<ManifestHead | undefined> {
      const name = apiRepo(ep.registry, repo);
      const r = await call(ep, `/v2/${name}/manifests/${reference}`, { method: 'HEAD', scope: `repository:${name}:pull`, accept: MANIFEST_ACCEPT.join(', '), ...(signal ? { signal } : {}) });
      await r.body.dump();
      if (r.status === 404) return undefined;
      if (r.status !== 200) return fail(ep, r, '');
      const digest = header(r.headers, 'docker-content-digest');
      if (!digest) throw new RegistryError(`${ep.registry} sent no Docker-Content-Digest for ${repo}:${reference}`, r.url, r.status);
      return { digest, mediaType: (header(r.headers, 'content-type') ?? '').split(';')[0]!.trim() };
    },
    async getManifest(ep, repo, reference, signal): Promise<Manifest | undefined> {
      const name = apiRepo(ep.registry, repo);
      const r = await call(ep, `/v2/${name}/manifests/${reference}`, { method: 'GET', scope: `repository:${name}:pull`, accept: MANIFEST_ACCEPT.join(', '), ...(signal ? { signal } : {}) });
      if (r.status === 404) {
        await r.body.dump();
        return undefined;
      }
      if (r.status !== 200) return fail(ep, r, await r.body.text().catch(() => ''));
      const bytes = Buffer.from(await r.body.arrayBuffer());
      const digest = header(r.headers, 'docker-content-digest') ?? `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const body = JSON.parse(bytes.toString('utf8')) as unknown;
      const declared = (body as { mediaType?: unknown }).mediaType;
      const mediaType = (header(r.headers, 'content-type') ?? (typeof declared === 'string' ? declared : '')).split(';')[0]!.trim();
      return { digest, mediaType, body };
    },
    async close() {
      const agents = await Promise.allSettled([...connections.values()].map((c) => c.agent));
      connections.clear();
      await Promise.all(agents.map((a) => (a.status === 'fulfilled' ? a.value.close() : undefined)));
    },
  };
}

interface RequestInit {
  method: 'GET' | 'HEAD';
  /** The token scope this request needs, e.g. `repository:team/app:pull`. */
  scope: string;
  accept?: string;
  signal?: AbortSignal;
}

function basicOf(ep: RegistryEndpoint): Authorization | undefined {
  if (!ep.credentials) return undefined;
  return { header: `Basic ${Buffer.from(`${ep.credentials.username}:${ep.credentials.password}`).toString('base64')}`, expiresAt: Infinity };
}

function header(headers: Reply['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function stringList(json: unknown, key: string): string[] {
  const v = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** A registry's error answer as a user reads it: status and the API's own error codes. */
function fail(ep: RegistryEndpoint, r: Reply, text: string): never {
  let detail = '';
  try {
    const errors = (JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> }).errors ?? [];
    detail = errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    // Not the API's JSON error body: the status says enough.
  }
  const what = r.status === 401 ? 'unauthorized (check the credentials)' : r.status === 404 ? 'not found' : `HTTP ${r.status}`;
  throw new RegistryError(`${ep.registry}: ${new URL(r.url).pathname}: ${what}${detail ? ` (${detail})` : ''}`, r.url, r.status);
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return `${e.message}${cause}`;
  }
  return String(e);
}

const TLS_CODES = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);

function connectionProblem(e: unknown, ep: RegistryEndpoint): string {
  const code = (e as { code?: string } | undefined)?.code;
  const text = errorText(e);
  if (code && TLS_CODES.has(code)) {
    return `${text} (certificate not trusted: put the registry's CA into ${certDirFor(ep.certsDir, ep.registry)}/ca.crt, or set skip-tls-verify)`;
  }
  if (/wrong version number|EPROTO|packet length too long/i.test(text) && !ep.skipTlsVerify) {
    return `${text} (the registry may speak plain HTTP: set skip-tls-verify: true)`;
  }
  return text;
}

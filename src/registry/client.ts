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
import { fail, failWithBody, header, type RegistryRequest, type Reply } from './reply.js';
import { MANIFEST_ACCEPT, type ListOptions, type Manifest, type ManifestHead, type RegistryClient, type RegistryEndpoint, type RepoListing } from './types.js';
import { createRegistryWrites, type RegistryWrites } from './write.js';

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

type TlsOptions = { timeout: number; rejectUnauthorized: boolean; ca?: string[]; cert?: string; key?: string };

interface Connection {
  agent: Promise<Dispatcher>;
  tls: Promise<TlsOptions>;
  /** For redirects away from the registry (blob storage), made on the first: the same CAs, no client certificate. */
  elsewhere: Promise<Dispatcher> | undefined;
  /** Decided by the first request: https, or http when https fails and TLS checks are off. */
  scheme: 'https' | 'http' | undefined;
  /** While the first request finds the scheme, the others wait for it instead of probing too. */
  probing: Promise<void> | undefined;
  auth: AuthState;
}

const PAGE_SIZE = 100;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** The reads planning needs, and the writes of the native relay, over one set of connections. */
export function createRegistryClient(opts: RegistryClientOptions): RegistryClient & RegistryWrites {
  const connections = new Map<string, Connection>();

  function dispatcher(tlsOptions: TlsOptions): Dispatcher {
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
  }

  function connectionFor(ep: RegistryEndpoint): Connection {
    const key = `${ep.registry}\0${ep.skipTlsVerify}\0${ep.certsDir}`;
    let c = connections.get(key);
    if (!c) {
      const tls = readTlsMaterial(certDirFor(ep.certsDir, ep.registry)).then((m) => ({
        timeout: 15_000,
        rejectUnauthorized: !ep.skipTlsVerify,
        ...(m.ca ? { ca: m.ca } : {}),
        ...(m.cert && m.key ? { cert: m.cert, key: m.key } : {}),
      }));
      const agent = tls.then(dispatcher);
      agent.catch(() => undefined); // the error is reported by the request that awaits it
      c = { agent, tls, elsewhere: undefined, scheme: undefined, probing: undefined, auth: { tokens: new Map(), basic: false } };
      connections.set(key, c);
    }
    return c;
  }

  async function send(ep: RegistryEndpoint, pathOrUrl: string, init: RegistryRequest, auth: Authorization | undefined): Promise<Reply> {
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

  async function sendWith(ep: RegistryEndpoint, conn: Connection, agent: Dispatcher, pathOrUrl: string, init: RegistryRequest, auth: Authorization | undefined): Promise<Reply> {
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
          headers: { 'user-agent': opts.userAgent, ...(init.accept ? { accept: init.accept } : {}), ...init.headers, ...(auth ? { authorization: auth.header } : {}) },
          ...(init.body !== undefined ? { body: init.body } : {}),
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

  /** A request with authentication (answers one challenge and retries), following redirects when asked. */
  async function call(ep: RegistryEndpoint, pathOrUrl: string, init: RegistryRequest): Promise<Reply> {
    let r = await authorized(ep, pathOrUrl, init);
    for (let hops = 0; init.followRedirects && REDIRECTS.has(r.status) && hops < MAX_REDIRECTS; hops++) {
      const location = header(r.headers, 'location');
      if (!location) break;
      await r.body.dump();
      const next = new URL(location, r.url);
      // Storage URLs carry their own signature; the registry's credentials stay with the registry.
      r = next.origin === new URL(r.url).origin ? await authorized(ep, next.href, init) : await sendElsewhere(ep, next.href, init);
    }
    return r;
  }

  async function sendElsewhere(ep: RegistryEndpoint, url: string, init: RegistryRequest): Promise<Reply> {
    const conn = connectionFor(ep);
    // A storage host never gets the registry's client certificate.
    const agent = await (conn.elsewhere ??= conn.tls.then(({ cert: _cert, key: _key, ...t }) => dispatcher(t)));
    const r = await agent.request({
      origin: new URL(url).origin,
      path: new URL(url).pathname + new URL(url).search,
      method: init.method,
      headers: { 'user-agent': opts.userAgent },
      ...(init.signal ? { signal: init.signal } : {}),
    });
    opts.logger.trace('registry request (redirected)', { method: init.method, host: new URL(url).host, status: r.statusCode });
    return { status: r.statusCode, headers: r.headers, body: r.body, url };
  }

  async function authorized(ep: RegistryEndpoint, pathOrUrl: string, init: RegistryRequest): Promise<Reply> {
    const conn = connectionFor(ep);
    const cached = conn.auth.tokens.get(init.scope);
    const first = await send(ep, pathOrUrl, init, cached && cached.expiresAt > Date.now() ? cached : conn.auth.basic ? basicOf(ep) : undefined);
    if (first.status !== 401) return first;
    // A streamed body is gone; callers stream only after an earlier request won the token.
    if (init.body !== undefined && !Buffer.isBuffer(init.body)) return failWithBody(ep, first);
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
    if (r.status !== 200) return failWithBody(ep, r);
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
    // Paging as dregsy's listers do (reference §A.4): pages of 100, stopping after the page on
    // which the count went past maxItems. A page is never cut short: the limit bounds traffic,
    // it does not choose repositories.
    async listRepositories(ep, list: ListOptions, signal): Promise<RepoListing> {
      const names: string[] = [];
      let page: string | undefined = `/v2/_catalog?n=${PAGE_SIZE}`;
      while (page) {
        const { json, next } = await getJson(ep, page, 'registry:catalog:*', signal);
        names.push(...stringList(json, 'repositories'));
        page = next;
        if (names.length > list.maxItems) break;
      }
      return { names, truncated: page !== undefined };
    },
    // dregsy searches through Docker's `registry.Service.Search`: one request asking for
    // `n=maxItems` results (Docker allows 1 to 100). Beyond 100, where dregsy fails, pages of
    // 100 follow until maxItems is reached.
    async searchRepositories(ep, term, opts, signal): Promise<RepoListing> {
      const names: string[] = [];
      const base = opts.indexUrl ? opts.indexUrl.replace(/\/+$/, '') : '';
      const n = Math.min(opts.maxItems, PAGE_SIZE);
      let total: number | undefined;
      let pages = 1;
      let page = 1;
      for (; ; page++) {
        const path = `${base}/v1/search?q=${encodeURIComponent(term)}&n=${n}${page > 1 ? `&page=${page}` : ''}`;
        const { json } = await getJson(ep, path, '', signal);
        const results = typeof json === 'object' && json !== null ? (json as { results?: unknown; num_pages?: unknown; num_results?: unknown }) : {};
        const found = Array.isArray(results.results) ? results.results.flatMap((r: unknown) => (typeof (r as { name?: unknown })?.name === 'string' ? [(r as { name: string }).name] : [])) : [];
        names.push(...found);
        if (typeof results.num_pages === 'number') pages = results.num_pages;
        if (typeof results.num_results === 'number') total = results.num_results;
        if (found.length === 0 || page >= pages || names.length >= opts.maxItems) break;
      }
      return { names, truncated: total !== undefined ? total > names.length : page < pages };
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
      if (r.status !== 200) return failWithBody(ep, r);
      const bytes = Buffer.from(await r.body.arrayBuffer());
      const digest = header(r.headers, 'docker-content-digest') ?? `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const body = JSON.parse(bytes.toString('utf8')) as unknown;
      const declared = (body as { mediaType?: unknown }).mediaType;
      const mediaType = (header(r.headers, 'content-type') ?? (typeof declared === 'string' ? declared : '')).split(';')[0]!.trim();
      return { digest, mediaType, body };
    },
    ...createRegistryWrites({ call }),
    async close() {
      const agents = await Promise.allSettled([...connections.values()].flatMap((c) => (c.elsewhere ? [c.agent, c.elsewhere] : [c.agent])));
      connections.clear();
      await Promise.all(agents.map((a) => (a.status === 'fulfilled' ? a.value.close() : undefined)));
    },
  };
}

function basicOf(ep: RegistryEndpoint): Authorization | undefined {
  if (!ep.credentials) return undefined;
  return { header: `Basic ${Buffer.from(`${ep.credentials.username}:${ep.credentials.password}`).toString('base64')}`, expiresAt: Infinity };
}

function stringList(json: unknown, key: string): string[] {
  const v = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
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

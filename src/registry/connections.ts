/**
 * Connections to registries: one pool per registry and TLS settings (what the TLS material,
 * the client certificate among it, depends on), the scheme each registry speaks (https, or
 * http when https fails and skip-tls-verify allows it), HTTP(S) proxies, and a second pool per
 * registry for other hosts (token realms, blob storage) that has the same CAs but never the
 * registry's client certificate. One request per call: authentication is auth-session.ts's,
 * retrying is retry.ts's. Every await here ends when the request's signal aborts.
 */
import { Agent, EnvHttpProxyAgent, request, requestBodiless, type Dispatcher } from '../http/undici.js';
import { RegistryError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { AbortWatch, untilAborted } from '../abortable.js';
import type { RegistryHealth } from './health.js';
import { apiHost } from './hosts.js';
import { EMPTY_BODY, type Reply, type RegistryRequest } from './reply.js';
import { certDirFor, readTlsMaterial } from './tls.js';
import type { RegistryEndpoint } from './types.js';

export interface ProxySettings {
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  noProxy: string | undefined;
}

export interface ConnectionOptions {
  logger: Logger;
  userAgent: string;
  health: RegistryHealth;
  /** Connections kept open per registry. */
  connectionsPerRegistry?: number;
  /** HTTP(S)_PROXY / NO_PROXY, as skopeo honours them, so both reach registries the same way. */
  proxy?: ProxySettings | undefined;
}

type TlsOptions = { timeout: number; rejectUnauthorized: boolean; ca?: string[]; cert?: string; key?: string };
export type Scheme = 'https' | 'http';

interface Pool {
  /** `host[:port]` the API requests go to (hosts.ts apiHost). */
  host: string;
  /** The name the registry's slowdowns, budgets and counters are kept under (healthKey). */
  health: string;
  tls: Promise<TlsOptions>;
  registry: Promise<Dispatcher>;
  /** `registry` once it has settled well: a request then starts without waiting a turn for it. */
  agent: Dispatcher | undefined;
  /** `scheme://host[:port]` as URL parsing gives it (a default port dropped), per scheme: undici's `origin`; undefined for a host URL refuses (its requests then fail as URLs). */
  origins: Record<Scheme, string> | undefined;
  /** Token realms and storage hosts: the same CAs, no client certificate. Made on first use. */
  elsewhere: Promise<Dispatcher> | undefined;
  /** Decided by the first request: https, or http when https fails and TLS checks are off. */
  scheme: Scheme | undefined;
  /** While the first request finds the scheme, the others wait for it instead of probing too. */
  probing: Promise<void> | undefined;
}

/** An endpoint's pool key and the fields it was made of (an endpoint is checked against them on each use). */
interface KeyMemo {
  registry: string;
  skipTlsVerify: boolean;
  certsDir: string;
  key: string;
}

const CONNECT_TIMEOUT_MS = 15_000;

/** The schemes a request tries, in order (made once: every request picks one of these). */
const HTTPS: readonly Scheme[] = ['https'];
const HTTPS_THEN_HTTP: readonly Scheme[] = ['https', 'http'];
const ONE_SCHEME: Readonly<Record<Scheme, readonly Scheme[]>> = { https: HTTPS, http: ['http'] };

/** What a pool depends on: the registry and every setting that changes its TLS material. */
export function poolKey(ep: RegistryEndpoint): string {
  return `${apiHost(ep.registry)}\0${ep.skipTlsVerify}\0${certDirFor(ep.certsDir, ep.registry)}`;
}

/** The name slowdowns, budgets and counters are kept under: Docker Hub's aliases are one registry. */
export function healthKey(ep: RegistryEndpoint): string {
  return apiHost(ep.registry);
}

/** Characters URL parsing leaves alone in a path and query (no escapes, no fragment). */
const PLAIN_CHARS = /^\/[A-Za-z0-9\-._~!$()*+,;=:@%/?&]*$/;
/** `.` and `..` segments (also spelt `%2e`), which URL parsing resolves. */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e)(?:\.|%2e)?(?:\/|\?|$)/i;

/**
 * Whether URL parsing would give back this request path unchanged (its `pathname + search`):
 * then it goes to undici as it is, without a URL object per request. An empty query (`?` at
 * the end) is dropped by parsing, so it is not plain either.
 */
export function isPlainPath(path: string): boolean {
  return PLAIN_CHARS.test(path) && !DOT_SEGMENT.test(path) && !path.endsWith('?');
}

export class Connections {
  private readonly pools = new Map<string, Pool>();
  /**
   * poolKey per endpoint object: a task run's endpoints are used for every one of its requests,
   * and the key's certs-dir path costs a path.join each time it is made.
   */
  private readonly keys = new WeakMap<RegistryEndpoint, KeyMemo>();
  /** The requests in flight that a signal's abort must end (HEADs, which have no response stream to end). */
  private readonly aborts = new AbortWatch();

  constructor(private readonly opts: ConnectionOptions) {}

  /** poolKey(ep), made once per endpoint object (and again if one of its fields has changed). */
  keyOf(ep: RegistryEndpoint): string {
    const m = this.keys.get(ep);
    if (m && m.registry === ep.registry && m.skipTlsVerify === ep.skipTlsVerify && m.certsDir === ep.certsDir) return m.key;
    const key = poolKey(ep);
    this.keys.set(ep, { registry: ep.registry, skipTlsVerify: ep.skipTlsVerify, certsDir: ep.certsDir, key });
    return key;
  }

  /** The scheme the registry was found to speak; undefined before its first answer. */
  schemeOf(ep: RegistryEndpoint): Scheme | undefined {
    return this.pools.get(this.keyOf(ep))?.scheme;
  }

  /** `https://host` or `http://host` of the registry, probing the scheme first if need be. */
  origin(ep: RegistryEndpoint): string {
    return `${this.schemeOf(ep) ?? 'https'}://${apiHost(ep.registry)}`;
  }

  /**
   * One request to the registry (a path, or an absolute URL on the registry's own origin),
   * through its slowdown gate; `authorization` is the header value, never logged.
   */
  async send(ep: RegistryEndpoint, pathOrUrl: string, init: RegistryRequest, authorization: string | undefined): Promise<Reply> {
    const pool = this.pool(ep);
    const agent = pool.agent ?? (await this.agentOf(pool, ep, init.signal));
    const absolute = pathOrUrl.startsWith('http');
    if (!pool.scheme && pool.probing && !absolute) await untilAborted(pool.probing, init.signal);
    let probed: (() => void) | undefined;
    if (!pool.scheme && !pool.probing && !absolute) pool.probing = new Promise<void>((resolve) => (probed = resolve));
    const health = this.opts.health;
    const release = health.admitNow(pool.health, init.signal) ?? (await health.admit(pool.health, init.signal));
    try {
      const schemes = absolute ? HTTPS : pool.scheme ? ONE_SCHEME[pool.scheme] : ep.skipTlsVerify ? HTTPS_THEN_HTTP : HTTPS;
      let lastError: unknown;
      for (const scheme of schemes) {
        const url = absolute ? pathOrUrl : `${scheme}://${pool.host}${pathOrUrl}`;
        try {
          const origin = absolute || !isPlainPath(pathOrUrl) ? undefined : pool.origins?.[scheme];
          const r = await this.request(agent, url, origin, pathOrUrl, init, authorization);
          if (!absolute) pool.scheme ??= scheme;
          health.record(pool.health, { status: r.status, headers: r.headers });
          if (this.opts.logger.isLevelEnabled('trace')) this.opts.logger.trace('registry request', { method: init.method, url, status: r.status });
          return r;
        } catch (e) {
          if (init.signal?.aborted) throw e;
          lastError = e;
          this.opts.logger.trace('registry request failed', { method: init.method, url, error: causeText(e) });
        }
      }
      health.record(pool.health, { error: lastError });
      throw new RegistryError(`cannot reach ${ep.registry}: ${connectionProblem(lastError, ep)}`, pathOrUrl, undefined, { cause: lastError });
    } finally {
      release();
      if (probed) {
        pool.probing = undefined;
        probed();
      }
    }
  }

  /** The pool's dispatcher while its TLS files are still being read (the first requests only). */
  private agentOf(pool: Pool, ep: RegistryEndpoint, signal: AbortSignal | undefined): Promise<Dispatcher> {
    return untilAborted(pool.registry, signal).catch((e: unknown) => {
      if (signal?.aborted) throw e;
      throw new RegistryError(`cannot read TLS files for ${ep.registry}: ${causeText(e)}`, certDirFor(ep.certsDir, ep.registry));
    });
  }

  /**
   * One request to another host the registry sent us to (a token realm, blob storage): the
   * registry's CAs and TLS checks, never its client certificate.
   */
  async sendElsewhere(ep: RegistryEndpoint, url: string, init: RegistryRequest, authorization: string | undefined): Promise<Reply> {
    const pool = this.pool(ep);
    pool.elsewhere ??= pool.tls.then(({ cert: _cert, key: _key, ...withoutClientCert }) => this.dispatcher(withoutClientCert));
    const agent = await untilAborted(pool.elsewhere, init.signal);
    try {
      const r = await this.request(agent, url, undefined, undefined, init, authorization);
      this.opts.logger.trace('request elsewhere', { method: init.method, host: new URL(url).host, status: r.status });
      return r;
    } catch (e) {
      if (init.signal?.aborted) throw e;
      throw new RegistryError(`cannot reach ${new URL(url).host} (for ${ep.registry}): ${causeText(e)}`, url, undefined, { cause: e });
    }
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    const agents = await Promise.allSettled(pools.flatMap((p) => (p.elsewhere ? [p.registry, p.elsewhere] : [p.registry])));
    // destroy, not close: a request still connecting after an abort must not hold up the exit.
    await Promise.all(agents.map((a) => (a.status === 'fulfilled' ? a.value.destroy() : undefined)));
  }

  /**
   * `origin`, when known: `url` is that origin followed by `path` as URL parsing would give them
   * (isPlainPath), so `url` need not be parsed; without it, `url` is parsed and `path` unused.
   */
  private async request(agent: Dispatcher, url: string, origin: string | undefined, path: string | undefined, init: RegistryRequest, authorization: string | undefined): Promise<Reply> {
    if (origin === undefined || path === undefined) {
      const u = new URL(url);
      origin = u.origin;
      path = u.pathname + u.search;
    }
    const headers: Record<string, string> = { 'user-agent': this.opts.userAgent };
    if (init.accept) headers.accept = init.accept;
    if (init.headers) Object.assign(headers, init.headers);
    if (authorization) headers.authorization = authorization;
    const options: Dispatcher.RequestOptions = { origin, path, method: init.method, headers };
    if (init.body !== undefined) options.body = init.body;
    if (init.method === 'HEAD') {
      // undici closes the connection after a HEAD by default (for servers that send a body
      // anyway); registries do not, and a digest check is a HEAD, so keep the connection.
      options.reset = false;
      // No body to stream: the status and headers only (most of a warm run's requests).
      const head = await requestBodiless(agent, options, init.signal, this.aborts);
      return { status: head.statusCode, headers: head.headers, body: EMPTY_BODY, url };
    }
    if (init.signal) options.signal = init.signal;
    // undici waits for a connect in progress before it honours an abort: do not wait with it.
    const r = await untilAborted(request(agent, options), init.signal, (late) => void late.body.dump().catch(() => undefined));
    // A body that breaks before anyone reads it (a reset while an upload waits for its session)
    // emits 'error', which unheard would end the process; its reader still gets the error.
    r.body.on('error', ignore);
    return { status: r.statusCode, headers: r.headers, body: r.body, url };
  }

  private pool(ep: RegistryEndpoint): Pool {
    const key = this.keyOf(ep);
    let p = this.pools.get(key);
    if (!p) {
      const tls = readTlsMaterial(certDirFor(ep.certsDir, ep.registry)).then((m) => ({
        timeout: CONNECT_TIMEOUT_MS,
        rejectUnauthorized: !ep.skipTlsVerify,
        ...(m.ca ? { ca: m.ca } : {}),
        ...(m.cert && m.key ? { cert: m.cert, key: m.key } : {}),
      }));
      const registry = tls.then((t) => this.dispatcher(t));
      const host = apiHost(ep.registry);
      const pool: Pool = { host, health: healthKey(ep), tls, registry, agent: undefined, origins: originsOf(host), elsewhere: undefined, scheme: undefined, probing: undefined };
      registry.then(
        (agent) => (pool.agent = agent),
        () => undefined, // reported by the request that awaits it
      );
      p = pool;
      this.pools.set(key, p);
    }
    return p;
  }

  private dispatcher(tls: TlsOptions): Dispatcher {
    const common = { connections: this.opts.connectionsPerRegistry ?? 16, connect: tls, headersTimeout: 60_000, bodyTimeout: 120_000 };
    const proxy = this.opts.proxy;
    if (!proxy?.httpProxy && !proxy?.httpsProxy) return new Agent(common);
    // Through a proxy the registry's TLS settings apply to the tunnelled connection.
    return new EnvHttpProxyAgent({
      ...common,
      requestTls: tls,
      ...(proxy.httpProxy ? { httpProxy: proxy.httpProxy } : {}),
      ...(proxy.httpsProxy ? { httpsProxy: proxy.httpsProxy } : {}),
      ...(proxy.noProxy !== undefined ? { noProxy: proxy.noProxy } : {}),
    });
  }
}

const ignore = () => undefined;

function originsOf(host: string): Record<Scheme, string> | undefined {
  try {
    return { https: new URL(`https://${host}`).origin, http: new URL(`http://${host}`).origin };
  } catch {
    return undefined; // not a host: each request's URL fails to parse and says so, as before
  }
}

/** An error's message with its cause's (undici puts the socket error there), on one line (OpenSSL's end in a newline). */
export function causeText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error && !e.message.includes(e.cause.message) ? `: ${e.cause.message}` : '';
  return `${e.message}${cause}`.replace(/\s*\n\s*/g, ' ').trim();
}

const TLS_CODES = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);

function connectionProblem(e: unknown, ep: RegistryEndpoint): string {
  const code = (e as { code?: string } | undefined)?.code;
  const text = causeText(e);
  if (code && TLS_CODES.has(code)) {
    return `${text} (certificate not trusted: put the registry's CA into ${certDirFor(ep.certsDir, ep.registry)}/ca.crt, or set skip-tls-verify)`;
  }
  if (/wrong version number|EPROTO|packet length too long/i.test(text) && !ep.skipTlsVerify) {
    return `${text} (the registry may speak plain HTTP: set skip-tls-verify: true)`;
  }
  return text;
}

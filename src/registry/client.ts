/**
 * The one HTTP client for the distribution API (the only module that sends registry requests),
 * put together from its parts: connections (connections.ts: pools per registry and TLS
 * settings, scheme, proxies), authentication (auth-session.ts: challenges, tokens cached per
 * identity and scope), retries (retry.ts: one policy, paid from each registry's budget) and
 * the per-registry brakes and counters (health.ts). Here: the reads planning needs; the writes
 * of the native relay are write.ts's. Every operation is retried from its start.
 */
import { createHash } from 'node:crypto';
import { RegistryError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { DEFAULT_RETRY_BUDGET } from '../retry/budget.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry/policy.js';
import { AuthSession } from './auth-session.js';
import { nextLink } from './challenge.js';
import { Connections, healthKey, poolKey, type ProxySettings } from './connections.js';
import { RegistryHealth } from './health.js';
import { apiRepo } from './hosts.js';
import { ManifestCache } from './manifest-cache.js';
import { createReferrerReads, type ReferrerReads } from './referrers-api.js';
import { identityOf } from './registry-auth.js';
import { fail, failWithBody, header, type Transport } from './reply.js';
import { registryRetry } from './retry.js';
import { MANIFEST_ACCEPT, type ListOptions, type Manifest, type ManifestHead, type RegistryClient, type RegistryEndpoint, type RepoListing } from './types.js';
import { createRegistryWrites, type RegistryWrites } from './write.js';

export type { ProxySettings } from './connections.js';

export interface RegistryClientOptions {
  logger: Logger;
  userAgent: string;
  /** Connections kept open per registry. */
  connectionsPerRegistry?: number;
  /** HTTP(S)_PROXY / NO_PROXY, as skopeo honours them, so both reach registries the same way. */
  proxy?: ProxySettings | undefined;
  /** The run's retry policy (config `retry`); default DEFAULT_RETRY_POLICY. */
  retry?: RetryPolicy;
  /** Slowdowns, budgets and counters shared with the relays; default: the client's own. */
  health?: RegistryHealth;
}

const PAGE_SIZE = 100;
const MANIFEST_ACCEPT_HEADER = MANIFEST_ACCEPT.join(', ');

/** The reads planning needs, and the writes of the native relay, over one set of connections. */
export function createRegistryClient(opts: RegistryClientOptions): RegistryClient & RegistryWrites & ReferrerReads {
  const policy = opts.retry ?? DEFAULT_RETRY_POLICY;
  const health = opts.health ?? new RegistryHealth({ logger: opts.logger, budget: DEFAULT_RETRY_BUDGET, maxDelayMs: policy.maxDelayMs });
  const connections = new Connections({ logger: opts.logger, userAgent: opts.userAgent, health, proxy: opts.proxy, ...(opts.connectionsPerRegistry ? { connectionsPerRegistry: opts.connectionsPerRegistry } : {}) });
  const session = new AuthSession(connections);
  const retry = registryRetry({ policy, health, logger: opts.logger });
  const manifests = new ManifestCache();
  const transport: Transport = {
    call: (ep, pathOrUrl, init) => session.call(ep, pathOrUrl, init),
    retrying: (ep, what, signal, op) => retry(healthKey(ep), what, signal, op),
  };
  const { call } = transport;

  async function getJson(ep: RegistryEndpoint, pathOrUrl: string, scope: string, signal?: AbortSignal): Promise<{ json: unknown; next: string | undefined }> {
    return transport.retrying(ep, `GET ${pathOrUrl}`, signal, async () => {
      const r = await call(ep, pathOrUrl, { method: 'GET', scope, accept: 'application/json', signal });
      if (r.status !== 200) return failWithBody(ep, r);
      const json = (await r.body.json()) as unknown;
      const link = header(r.headers, 'link');
      return { json, next: link ? nextLink(link) : undefined };
    });
  }

  async function fetchManifest(ep: RegistryEndpoint, repo: string, reference: string, signal?: AbortSignal): Promise<Manifest | undefined> {
    const name = apiRepo(ep.registry, repo);
    const path = `/v2/${name}/manifests/${reference}`;
    return transport.retrying(ep, `GET ${path}`, signal, async () => {
      const r = await call(ep, path, { method: 'GET', scope: `repository:${name}:pull`, accept: MANIFEST_ACCEPT_HEADER, signal });
      if (r.status === 404) {
        await r.body.dump();
        return undefined;
      }
      if (r.status !== 200) return failWithBody(ep, r);
      const bytes = Buffer.from(await r.body.arrayBuffer());
      const computed = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const digest = header(r.headers, 'docker-content-digest') ?? computed;
      const body = JSON.parse(bytes.toString('utf8')) as unknown;
      const declared = (body as { mediaType?: unknown }).mediaType;
      const mediaType = (header(r.headers, 'content-type') ?? (typeof declared === 'string' ? declared : '')).split(';')[0]!.trim();
      const manifest = { digest, mediaType, body };
      // Only what provably is the digest's content is kept (a digest names its bytes).
      if (digest === computed) manifests.set(manifestKey(ep, name, digest), manifest);
      return manifest;
    });
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
    // A HEAD: Docker Hub counts manifest GETs against the pull allowance, HEADs not.
    async headManifest(ep, repo, reference, signal): Promise<ManifestHead | undefined> {
      const name = apiRepo(ep.registry, repo);
      const path = `/v2/${name}/manifests/${reference}`;
      return transport.retrying(ep, `HEAD ${path}`, signal, async () => {
        const r = await call(ep, path, { method: 'HEAD', scope: `repository:${name}:pull`, accept: MANIFEST_ACCEPT_HEADER, signal });
        await r.body.dump();
        if (r.status === 404) return undefined;
        if (r.status !== 200) return fail(ep, r, '');
        const digest = header(r.headers, 'docker-content-digest');
        if (!digest) throw new RegistryError(`${ep.registry} sent no Docker-Content-Digest for ${repo}:${reference}`, r.url, r.status);
        return { digest, mediaType: mediaTypeOf(header(r.headers, 'content-type')) };
      });
    },
    async getManifest(ep, repo, reference, signal): Promise<Manifest | undefined> {
      if (reference.startsWith('sha256:')) {
        const cached = manifests.get(manifestKey(ep, apiRepo(ep.registry, repo), reference));
        if (cached) return cached;
      }
      return fetchManifest(ep, repo, reference, signal);
    },
    ...createRegistryWrites(transport),
    ...createReferrerReads(transport),
    async close() {
      await connections.close();
    },
  };
}

/** What a cached manifest depends on: who read it, from which registry and repository, and its digest. */
function manifestKey(ep: RegistryEndpoint, repo: string, digest: string): string {
  return `${poolKey(ep)}\0${identityOf(ep.credentials)}\0${repo}\0${digest}`;
}

/** `type/subtype` of a Content-Type value, without its parameters; '' without one. */
function mediaTypeOf(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim();
}

function stringList(json: unknown, key: string): string[] {
  const v = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

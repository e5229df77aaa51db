/**
 * One authenticated registry request: send with what the cache holds for this identity and
 * scope, answer one 401 challenge (registry-auth.ts decides how), send again; follow redirects
 * when asked. Requests to another origin than the registry's (blob storage, an upload Location
 * elsewhere, a token realm elsewhere) go without the registry's client certificate, and
 * without its token; Basic credentials reach a realm only as realmRefusal allows.
 */
import { untilAborted } from '../abortable.js';
import { RegistryError } from '../errors.js';
import { parseChallenge } from './challenge.js';
import type { Connections } from './connections.js';
import { basicAuthorization, readTokenAnswer, realmRefusal, tokenUrl, TokenCache, type Authorization } from './registry-auth.js';
import { fail, failWithBody, header, type Reply, type RegistryRequest } from './reply.js';
import type { RegistryEndpoint } from './types.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export class AuthSession {
  private readonly cache: TokenCache;
  /** Token requests under way, so parallel requests of one identity and scope fetch one token. */
  private readonly pending = new Map<string, Promise<Authorization>>();

  constructor(
    private readonly connections: Connections,
    private readonly now: () => number = Date.now,
  ) {
    this.cache = new TokenCache(now);
  }

  /** A request with authentication, following redirects when `init.followRedirects` asks. */
  call(ep: RegistryEndpoint, pathOrUrl: string, init: RegistryRequest): Promise<Reply> {
    const first = this.authorized(ep, pathOrUrl, init);
    return init.followRedirects ? this.followed(ep, first, init) : first;
  }

  private async followed(ep: RegistryEndpoint, first: Promise<Reply>, init: RegistryRequest): Promise<Reply> {
    let r = await first;
    for (let hops = 0; REDIRECTS.has(r.status) && hops < MAX_REDIRECTS; hops++) {
      const location = header(r.headers, 'location');
      if (!location) break;
      await r.body.dump();
      // Storage URLs carry their own signature; the registry's credentials stay with the registry.
      r = await this.authorized(ep, new URL(location, r.url).href, init);
    }
    return r;
  }

  private async authorized(ep: RegistryEndpoint, pathOrUrl: string, init: RegistryRequest): Promise<Reply> {
    if (pathOrUrl.startsWith('http') && new URL(pathOrUrl).origin !== this.connections.origin(ep)) {
      return this.connections.sendElsewhere(ep, pathOrUrl, init, undefined);
    }
    const connection = this.connections.keyOf(ep);
    const cached = this.cache.lookup(connection, ep, init.scope);
    const first = await this.connections.send(ep, pathOrUrl, init, cached?.header);
    if (first.status !== 401) return first;
    // A streamed body is gone; callers stream only after an earlier request won the token.
    if (init.body !== undefined && !Buffer.isBuffer(init.body)) return failWithBody(ep, first);
    await first.body.dump();
    const auth = await this.answer(first.headers['www-authenticate'], ep, init);
    if (!auth) return fail(ep, first, '');
    // Answered with fresh credentials: a second 401 is final (the caller does not retry it).
    return this.connections.send(ep, pathOrUrl, init, auth.header);
  }

  private async answer(wwwAuthenticate: string | string[] | undefined, ep: RegistryEndpoint, init: RegistryRequest): Promise<Authorization | undefined> {
    const challenge = parseChallenge(Array.isArray(wwwAuthenticate) ? wwwAuthenticate[0] : wwwAuthenticate);
    if (!challenge) return undefined;
    const connection = this.connections.keyOf(ep);
    if (challenge.scheme === 'basic') {
      if (!ep.credentials) return undefined;
      this.cache.rememberBasic(connection, ep);
      return basicAuthorization(ep.credentials);
    }
    const url = tokenUrl(challenge, init.scope);
    const refusal = realmRefusal(url, this.connections.schemeOf(ep), ep);
    if (refusal) throw new RegistryError(refusal, `${url.origin}${url.pathname}`);
    const key = `${connection}\0${this.cache.identity(ep.credentials)}\0${url.href}`;
    let pending = this.pending.get(key);
    if (!pending) {
      // Not bound to one caller's signal: others may wait for it; each waits abortably.
      pending = this.fetchToken(ep, url).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    const auth = await untilAborted(pending, init.signal);
    this.cache.remember(connection, ep, init.scope, auth);
    return auth;
  }

  private async fetchToken(ep: RegistryEndpoint, url: URL): Promise<Authorization> {
    const init: RegistryRequest = { method: 'GET', scope: '', accept: 'application/json', signal: AbortSignal.timeout(60_000) };
    const credentials = ep.credentials ? basicAuthorization(ep.credentials).header : undefined;
    // The registry's own origin keeps its connection (and client certificate); any other host gets neither.
    const r =
      url.origin === this.connections.origin(ep)
        ? await this.connections.send(ep, url.href, init, credentials)
        : await this.connections.sendElsewhere(ep, url.href, init, credentials);
    return readTokenAnswer(ep, url, r.status, await r.body.text(), this.now());
  }
}

/**
 * Answering a registry's 401 challenge, as pure decisions: Basic sends the credentials as they
 * are; Bearer trades them (or nothing, for anonymous pulls) at the realm for a token of the
 * scope the request needs. What is cached is keyed by who asked: a token or a "this registry
 * wants Basic" learnt with one user's credentials is never used for a request with other
 * credentials, or none. The requests themselves are auth-session.ts's.
 */
import { createHash } from 'node:crypto';
import type { Credentials } from '../auth/credentials.js';
import { RegistryError } from '../errors.js';
import type { Challenge } from './challenge.js';
import type { RegistryEndpoint } from './types.js';

export interface Authorization {
  /** The Authorization header value; never logged. */
  header: string;
  expiresAt: number;
}

/** Seconds a token lives when the server does not say (the distribution spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;
/** Renew this long before expiry, so a token does not lapse in flight. */
const EXPIRY_MARGIN_MS = 10_000;

/**
 * Who a request speaks for: anonymous, or a digest of user and password (the secret itself is
 * not kept in a key). Two endpoints with the same credentials share tokens; any difference in
 * either part gives another identity.
 */
export function identityOf(credentials: Credentials | undefined): string {
  if (!credentials) return 'anonymous';
  return `user:${createHash('sha256').update(credentials.username).update('\0').update(credentials.password).digest('hex')}`;
}

export function basicAuthorization(credentials: Credentials): Authorization {
  return { header: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`, expiresAt: Infinity };
}

/** What one identity was granted on one connection: tokens by scope, and whether the registry asked for Basic. */
interface Grants {
  tokens: Map<string, Authorization>;
  basic: boolean;
}

/** An identity as computed for one credentials object, with what it was made of, and its Basic header. */
interface Identity {
  username: string;
  password: string;
  identity: string;
  basic: Authorization;
}

/**
 * Tokens by (connection, identity, scope), and the registries that asked for Basic, by identity.
 * Kept as maps within maps, so a lookup (one per request) makes no key string.
 */
export class TokenCache {
  private readonly grants = new Map<string, Map<string, Grants>>();
  /**
   * identityOf per credentials object: every request looks its token up, and a SHA-256 of the
   * credentials costs more than the rest of the lookup.
   */
  private readonly identities = new WeakMap<Credentials, Identity>();

  constructor(private readonly now: () => number = Date.now) {}

  /** identityOf(credentials), hashed once per credentials object (and again if it has changed). */
  identity(credentials: Credentials | undefined): string {
    return credentials ? this.identityEntry(credentials).identity : identityOf(undefined);
  }

  /** A token still good for this identity and scope, else Basic when this identity was asked for it. */
  lookup(connection: string, ep: RegistryEndpoint, scope: string): Authorization | undefined {
    const granted = this.grants.get(connection)?.get(this.identity(ep.credentials));
    if (!granted) return undefined;
    const token = granted.tokens.get(scope);
    if (token && token.expiresAt > this.now()) return token;
    if (ep.credentials && granted.basic) return this.identityEntry(ep.credentials).basic;
    return undefined;
  }

  remember(connection: string, ep: RegistryEndpoint, scope: string, auth: Authorization): void {
    const now = this.now();
    // Tokens live minutes and identities rotate (ECR): drop what has expired as new ones come.
    for (const byIdentity of this.grants.values()) {
      for (const granted of byIdentity.values()) for (const [k, t] of granted.tokens) if (t.expiresAt <= now) granted.tokens.delete(k);
    }
    this.granted(connection, ep).tokens.set(scope, auth);
  }

  rememberBasic(connection: string, ep: RegistryEndpoint): void {
    this.granted(connection, ep).basic = true;
  }

  private granted(connection: string, ep: RegistryEndpoint): Grants {
    let byIdentity = this.grants.get(connection);
    if (!byIdentity) this.grants.set(connection, (byIdentity = new Map()));
    const identity = this.identity(ep.credentials);
    let granted = byIdentity.get(identity);
    if (!granted) byIdentity.set(identity, (granted = { tokens: new Map(), basic: false }));
    return granted;
  }

  private identityEntry(credentials: Credentials): Identity {
    const m = this.identities.get(credentials);
    if (m && m.username === credentials.username && m.password === credentials.password) return m;
    const entry = { username: credentials.username, password: credentials.password, identity: identityOf(credentials), basic: basicAuthorization(credentials) };
    this.identities.set(credentials, entry);
    return entry;
  }
}

/** The realm URL with the service and every scope: what the challenge names plus what we need. */
export function tokenUrl(challenge: Challenge & { scheme: 'bearer' }, scope: string): URL {
  const url = new URL(challenge.realm);
  if (challenge.service) url.searchParams.set('service', challenge.service);
  // A blob HEAD before a push is challenged for pull only, and a mount needs pull on a second
  // repository. One `scope` parameter each, as the token spec has it (a space-joined list is
  // one scope to Docker Hub).
  const wanted = new Set([...(challenge.scope ?? '').split(' '), ...scope.split(' ')].filter((s) => s !== ''));
  for (const s of wanted) url.searchParams.append('scope', s);
  return url;
}

/**
 * Why the credentials must not go to this realm, or undefined when they may: only over https,
 * or over http when the registry itself is plain http (which skip-tls-verify allowed), since
 * then nothing on that path is protected anyway.
 */
export function realmRefusal(realm: URL, registryScheme: 'https' | 'http' | undefined, ep: RegistryEndpoint): string | undefined {
  if (!ep.credentials || realm.protocol === 'https:') return undefined;
  if (realm.protocol === 'http:' && registryScheme === 'http' && ep.skipTlsVerify) return undefined;
  return `${ep.registry}: the token realm ${realm.origin}${realm.pathname} is not https; credentials are not sent there (a plain http realm is accepted only for a plain http registry with skip-tls-verify)`;
}

/** The token server's answer as an Authorization; throws a RegistryError a user can act on. */
export function readTokenAnswer(ep: RegistryEndpoint, url: URL, status: number, text: string, now: number): Authorization {
  const where = `${url.origin}${url.pathname}`;
  if (status !== 200) {
    const why = status === 401 || status === 403 ? 'unauthorized (check the credentials)' : `HTTP ${status}`;
    throw new RegistryError(`${ep.registry}: token request to ${where} failed: ${why}`, where, status);
  }
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new RegistryError(`${ep.registry}: the token server at ${url.origin} answered no JSON`, where, status);
  }
  const token = typeof body.token === 'string' && body.token ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
  if (!token) throw new RegistryError(`${ep.registry}: the token server at ${url.origin} sent no token`, where, status);
  const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
  return { header: `Bearer ${token}`, expiresAt: now + Math.max(seconds * 1000 - EXPIRY_MARGIN_MS, 1_000) };
}

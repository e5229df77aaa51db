/**
 * Answering a registry's 401 challenge: Basic sends the credentials as they are; Bearer
 * trades them (or nothing, for anonymous pulls) at the realm for a token of the scope the
 * request needs. Tokens are kept per scope until shortly before they expire.
 */
import { RegistryError } from '../errors.js';
import { parseChallenge } from './challenge.js';
import type { RegistryEndpoint } from './types.js';

export interface Authorization {
  /** The Authorization header value; never logged. */
  header: string;
  expiresAt: number;
}

export interface AuthState {
  /** Bearer tokens by the scope they were granted for. */
  tokens: Map<string, Authorization>;
  /** The registry asked for Basic once: send it up front from then on. */
  basic: boolean;
}

export interface TokenFetcher {
  fetchToken(url: string): Promise<{ status: number; text: string }>;
}

/** Seconds a token lives when the server does not say (the distribution spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;
/** Renew this long before expiry, so a token does not lapse in flight. */
const EXPIRY_MARGIN_MS = 10_000;

export async function authorize(
  wwwAuthenticate: string | string[] | undefined,
  ep: RegistryEndpoint,
  scope: string,
  state: AuthState,
  fetcher: TokenFetcher,
  now: () => number = Date.now,
): Promise<Authorization | undefined> {
  const challenge = parseChallenge(Array.isArray(wwwAuthenticate) ? wwwAuthenticate[0] : wwwAuthenticate);
  if (!challenge) return undefined;
  if (challenge.scheme === 'basic') {
    if (!ep.credentials) return undefined;
    state.basic = true;
    const { username, password } = ep.credentials;
    return { header: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, expiresAt: Infinity };
  }
  const url = new URL(challenge.realm);
  if (challenge.service) url.searchParams.set('service', challenge.service);
  // What the challenge names plus what we need: a blob HEAD before a push is challenged for pull
  // only, and a mount needs pull on a second repository. One `scope` parameter each, as the
  // token spec has it (a space-joined list is one scope to Docker Hub).
  const wanted = new Set([...(challenge.scope ?? '').split(' '), ...scope.split(' ')].filter((s) => s !== ''));
  for (const s of wanted) url.searchParams.append('scope', s);
  const r = await fetcher.fetchToken(url.toString());
  if (r.status !== 200) {
    const why = r.status === 401 || r.status === 403 ? 'unauthorized (check the credentials)' : `HTTP ${r.status}`;
    throw new RegistryError(`${ep.registry}: token request to ${url.origin}${url.pathname} failed: ${why}`, url.toString(), r.status);
  }
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(r.text) as typeof body;
  } catch {
    throw new RegistryError(`${ep.registry}: the token server at ${url.origin} answered no JSON`, url.toString(), r.status);
  }
  const token = typeof body.token === 'string' && body.token ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
  if (!token) throw new RegistryError(`${ep.registry}: the token server at ${url.origin} sent no token`, url.toString(), r.status);
  const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
  const auth = { header: `Bearer ${token}`, expiresAt: now() + Math.max(seconds * 1000 - EXPIRY_MARGIN_MS, 1_000) };
  state.tokens.set(scope, auth);
  return auth;
}

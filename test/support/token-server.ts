/**
 * A small Docker-style token server (the Bearer flow Docker Hub uses), enough for
 * distribution's `auth.token` and for skopeo: GET /token?service=…&scope=… with HTTP Basic
 * credentials → a short-lived RS256 JWT granting every action asked for, or what `grants`
 * allows that user. Over https when given a certificate; it records what each request
 * carried (credentials, a client certificate), so tests can see what a client sent where.
 *
 * distribution verifies the token's signature with the certificate in the JWT header's
 * `x5c` chain, and checks that certificate against its `rootcertbundle` (here: the signer
 * certificate itself), plus `iss` and `aud` against its config.
 */
import { createPrivateKey, randomUUID, sign, timingSafeEqual, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { SignerMaterial } from './certs.js';

export interface TokenServerOptions {
  users: Record<string, string>;
  signer: SignerMaterial;
  service: string;
  issuer: string;
  /** Token lifetime in seconds; default 300. */
  ttl?: number;
  /** What each user may do, by repository pattern; a user without an entry may do anything. */
  grants?: Grants;
  /** Serve https with this certificate, asking clients for theirs (to record whether they send one). */
  tls?: { cert: string; key: string };
}

/** user → [repository pattern, actions allowed there]. */
export type Grants = Record<string, Array<[RegExp, string[]]>>;

/** What one token request carried. */
export interface TokenRequest {
  /** The user the Basic credentials named (valid or not); undefined without credentials. */
  user: string | undefined;
  authenticated: boolean;
  /** The client presented a TLS certificate. */
  clientCertificate: boolean;
  scopes: string[];
}

export interface TokenServer {
  /** http(s)://127.0.0.1:PORT/token */
  realm: string;
  /** Number of tokens issued (lets tests see that a client really went through the flow). */
  issued(): number;
  /** Every token request, in order. */
  requests: TokenRequest[];
  stop(): Promise<void>;
}

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * `repository:team/app:pull,push` → {type, name, actions}. The name may itself hold colons
 * (`repository:host:5000/app:pull`), so type is the first field and actions the last.
 */
export function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  const actions = scope.slice(last + 1).split(',').filter((a) => a !== '');
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

/** The user the Basic credentials name, and whether the password matches `users`. */
function authenticate(header: string | undefined, users: Record<string, string>): { user: string | undefined; ok: boolean } {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return { user: undefined, ok: false };
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { user: undefined, ok: false };
  const user = decoded.slice(0, colon);
  const expected = Object.hasOwn(users, user) ? users[user] : undefined;
  if (expected === undefined) return { user, ok: false };
  const given = Buffer.from(decoded.slice(colon + 1));
  const want = Buffer.from(expected);
  return { user, ok: given.length === want.length && timingSafeEqual(given, want) };
}

/** The actions of `access` that `grants` allows `user`. */
function allowed(access: Access, user: string, grants: Grants | undefined): Access {
  const rules = grants?.[user];
  if (!rules) return access;
  const permitted = new Set(rules.filter(([pattern]) => access.type === 'repository' && pattern.test(access.name)).flatMap(([, actions]) => actions));
  return { ...access, actions: access.actions.filter((a) => permitted.has(a)) };
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const key = createPrivateKey(opts.signer.key);
  const x5c = [new X509Certificate(opts.signer.cert).raw.toString('base64')];
  const ttl = opts.ttl ?? 300;
  let issued = 0;
  const requests: TokenRequest[] = [];

  function makeToken(subject: string, access: Access[]): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c };
    // nbf a little in the past: the registry and we share a clock, but be lenient anyway.
    const claims = { iss: opts.issuer, sub: subject, aud: opts.service, exp: now + ttl, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${signingInput}.${b64url(sign('sha256', Buffer.from(signingInput), key))}`;
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const { user, ok } = authenticate(req.headers.authorization, opts.users);
    const peer = opts.tls ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
    requests.push({ user, authenticated: ok, clientCertificate: !!peer && Object.keys(peer).length > 0, scopes: url.searchParams.getAll('scope') });
    if (!ok || user === undefined) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="dregsy-test-token"', 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const access = url.searchParams
      .getAll('scope')
      .flatMap((s) => s.split(' ')) // some clients join several scopes with spaces
      .map(parseScope)
      .filter((a): a is Access => a !== undefined)
      .map((a) => allowed(a, user, opts.grants));
    const token = makeToken(user, access);
    issued++;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: ttl, issued_at: new Date().toISOString() }));
  }

  // requestCert without rejecting: clients may send a certificate, and the record says whether they did.
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, requestCert: true, rejectUnauthorized: false }, handle) : createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Never keep a test process alive just because someone forgot stop().
  server.unref();
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    realm: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}/token`,
    issued: () => issued,
    requests,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

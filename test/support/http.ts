/**
 * A minimal HTTP client for the distribution API as a test registry serves it: trusts the
 * registry's CA, presents the client certificate for mutual TLS, and answers auth challenges
 * (Basic for htpasswd; for Bearer it fetches a token from the challenge's realm with the
 * registry's first user, the way docker and skopeo do).
 */
import { Agent, request } from 'undici';
import type { TestRegistry } from './types.js';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SendOptions {
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface ClientOptions {
  port: number;
  tls?: { ca: string; cert?: string; key?: string };
  credentials?: { user: string; password: string };
}

/** First value of a response header (undici gives arrays for repeated headers). */
export function header(reply: Reply, name: string): string | undefined {
  const v = reply.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** `Bearer realm="…",service="…",scope="…"` → scheme and parameters. */
export function parseChallenge(value: string): { scheme: string; params: Record<string, string> } {
  const scheme = value.trim().split(/\s+/, 1)[0] ?? '';
  const params: Record<string, string> = {};
  for (const m of value.slice(scheme.length).matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return { scheme: scheme.toLowerCase(), params };
}

/**
 * What a token is good for, from the request path: the repository name, or the catalog.
 * Tokens are cached under this key so a push of many blobs fetches one token, not one each.
 */
function scopeKey(pathname: string): string {
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(pathname);
  return m?.[1] ?? pathname;
}

export class RegistryClient {
  readonly baseUrl: string;
  private readonly agent: Agent;
  private readonly basic: string | undefined;
  /** Learnt from the first Basic challenge: send credentials up front from then on. */
  private preemptiveBasic = false;
  private readonly tokens = new Map<string, string>();

  constructor(opts: ClientOptions) {
    this.baseUrl = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${opts.port}`;
    // Timeouts well below undici's 5 minutes, so a wedged registry fails a test instead of hanging it.
    this.agent = new Agent({ connect: { ...opts.tls, timeout: 10_000 }, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const c = opts.credentials;
    this.basic = c ? `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}` : undefined;
  }

  /** One request, without any auth handling. `target` is a path or an absolute URL (upload Locations are absolute). */
  async raw(method: string, target: string, opts: SendOptions = {}): Promise<Reply> {
    const url = new URL(target, this.baseUrl);
    const res = await request(url, { method, headers: opts.headers, body: opts.body, dispatcher: this.agent });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body };
  }

  /** A request that answers one 401 challenge and retries; bodies are Buffers so retrying is safe. */
  async send(method: string, target: string, opts: SendOptions = {}): Promise<Reply> {
    const key = scopeKey(new URL(target, this.baseUrl).pathname);
    const withAuth = (auth: string | undefined) => this.raw(method, target, { ...opts, headers: { ...opts.headers, ...(auth ? { authorization: auth } : {}) } });
    const cached = this.tokens.get(key);
    const first = await withAuth(cached ? `Bearer ${cached}` : this.preemptiveBasic ? this.basic : undefined);
    if (first.status !== 401) return first;
    const { scheme, params } = parseChallenge(header(first, 'www-authenticate') ?? '');
    if (scheme === 'basic' && this.basic && !this.preemptiveBasic) {
      this.preemptiveBasic = true;
      return withAuth(this.basic);
    }
    if (scheme === 'bearer' && params.realm) {
      const token = await this.fetchToken(params);
      this.tokens.set(key, token);
      return withAuth(`Bearer ${token}`);
    }
    return first;
  }

  /** Like send, but any status outside `ok` is an error naming the request and the registry's answer. */
  async expect(method: string, target: string, ok: number[], opts: SendOptions = {}): Promise<Reply> {
    const reply = await this.send(method, target, opts);
    if (!ok.includes(reply.status)) {
      const path = new URL(target, this.baseUrl).pathname;
      throw new Error(`${method} ${path} on ${this.baseUrl}: HTTP ${reply.status} ${reply.body.toString('utf8').slice(0, 500)}`);
    }
    return reply;
  }

  private async fetchToken(params: Record<string, string>): Promise<string> {
    const url = new URL(params.realm!);
    if (params.service) url.searchParams.set('service', params.service);
    for (const scope of (params.scope ?? '').split(' ').filter(Boolean)) url.searchParams.append('scope', scope);
    const reply = await this.raw('GET', url.href, { headers: this.basic ? { authorization: this.basic } : {} });
    if (reply.status !== 200) throw new Error(`token request ${url.href}: HTTP ${reply.status} ${reply.body.toString('utf8')}`);
    const json = JSON.parse(reply.body.toString('utf8')) as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    if (!token) throw new Error(`token request ${url.href}: no token in the answer`);
    return token;
  }

  close(): Promise<void> {
    return this.agent.destroy();
  }
}

/** Where startRegistry keeps a registry's client: on the registry object itself, out of sight. */
export const clientKey: unique symbol = Symbol('dregsy.test.registryClient');

export type RegistryWithClient = TestRegistry & { [clientKey]: RegistryClient };

export function clientOf(reg: TestRegistry): RegistryClient {
  const client = (reg as Partial<RegistryWithClient>)[clientKey];
  if (!client) throw new Error(`${reg.host}: not a registry made by startRegistry()`);
  return client;
}

/**
 * Follows `Link: <…>; rel="next"` pagination of the distribution API and collects one array
 * field from every page (`tags` or `repositories`). A 404 on the first page yields undefined.
 */
export async function collectPages(client: RegistryClient, first: string, field: string): Promise<string[] | undefined> {
  const out: string[] = [];
  let next: string | undefined = first;
  for (let page = 0; next; page++) {
    const reply = await client.send('GET', next);
    if (reply.status === 404 && page === 0) return undefined;
    if (reply.status !== 200) throw new Error(`GET ${next} on ${client.baseUrl}: HTTP ${reply.status} ${reply.body.toString('utf8')}`);
    const json = JSON.parse(reply.body.toString('utf8')) as Record<string, unknown>;
    const items = json[field];
    if (Array.isArray(items)) out.push(...items.map(String));
    next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header(reply, 'link') ?? '')?.[1];
  }
  return out;
}

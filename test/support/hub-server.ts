/**
 * Stand-ins for the services dregsy's listers talk to that cannot run here, speaking their
 * real wire protocol on 127.0.0.1:
 * - Docker Hub's web API: `POST /v2/users/login/` → `{token}`; `GET /v2/repositories/<user>/?page_size=N&page=P`
 *   with `Authorization: JWT <token>` → `{count, next, previous, results: [{name, namespace, repository_type}]}`;
 *   `GET /v2/namespaces/<ns>/repositories/<name>/tags?page_size=N&page=P` (anonymous, or with a
 *   valid JWT) → `{count, next, previous, results: [{name, digest, media_type, content_type, …}]}`,
 *   what a repository holds coming from `tags` (e.g. read from the real registry behind docker.io);
 * - a registry's search API in front of a real registry: `GET /v1/search?q=&n=&page=` (page 1 when absent) →
 *   `{num_results, num_pages, page, page_size, query, results: [{name, description}]}`, every
 *   other request proxied to the registry, so the same host serves the images it lists.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeService {
  url: string;
  host: string;
  /** Requests seen, as `METHOD path`. */
  requests: string[];
  stop(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server; host: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, host: `127.0.0.1:${port}`, requests };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const stopper = (server: Server) => () => new Promise<void>((resolve) => server.close(() => resolve()));

export interface HubUser {
  username: string;
  password: string;
  repositories: Array<{ name: string; type?: string }>;
}

/** One tag as the tag API lists it; `digest` and `media_type` absent for schema-1 images. */
export interface HubTag {
  name: string;
  digest?: string | undefined;
  media_type?: string | undefined;
}

export interface FakeDockerHubOptions {
  /** The tags of `namespace/name`; without it, every repository is unknown (404). Undefined: unknown. */
  tags?: (namespace: string, name: string) => Promise<HubTag[] | undefined>;
  /** Tag API page size at most (the client asks for 100; small pages prove paging). */
  tagPageSize?: number;
  /** Repositories are private: without the JWT the tag API answers 404, as Docker Hub does. */
  privateTags?: boolean;
}

export interface FakeDockerHub extends FakeService {
  /** Answer every tag API request with this status (e.g. 500) until set back to undefined. */
  failTags(status: number | undefined): void;
}

/** Docker Hub's login, repository listing (paginated `pageSize` at a time) and tag API. */
export async function startFakeDockerHub(user: HubUser, pageSize = 2, opts: FakeDockerHubOptions = {}): Promise<FakeDockerHub> {
  const token = `jwt-${Math.random().toString(36).slice(2)}`;
  let failing: number | undefined;
  const { server, host, requests } = await listen((req, res, body) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const tagsPath = /^\/v2\/namespaces\/([^/]+)\/repositories\/([^/]+)\/tags$/.exec(url.pathname);
    if (req.method === 'GET' && tagsPath) {
      if (req.headers.authorization !== undefined && req.headers.authorization !== `JWT ${token}`) return json(res, 401, { detail: 'Given token not valid for any token type' });
      if (failing !== undefined) return json(res, failing, { detail: 'failing on purpose' });
      if (opts.privateTags && req.headers.authorization === undefined) return json(res, 404, { message: 'httperror 404: object not found' });
      const [ns, name] = [decodeURIComponent(tagsPath[1]!), decodeURIComponent(tagsPath[2]!)];
      void (opts.tags?.(ns, name) ?? Promise.resolve(undefined)).then((all) => {
        if (!all) return json(res, 404, { message: 'httperror 404: object not found', errinfo: { namespace: ns, repository: name } });
        const page = Number(url.searchParams.get('page') ?? '1');
        const size = Math.min(Number(url.searchParams.get('page_size') ?? '10'), opts.tagPageSize ?? 100);
        const next = page * size < all.length ? `https://hub.docker.com/v2/namespaces/${ns}/repositories/${name}/tags?page=${page + 1}&page_size=${size}` : null;
        const results = all.slice((page - 1) * size, page * size).map((t) => ({
          name: t.name,
          ...(t.digest ? { digest: t.digest } : {}),
          ...(t.media_type ? { media_type: t.media_type } : {}),
          content_type: 'image',
          images: [],
          last_updated: new Date().toISOString(),
          tag_status: 'active',
        }));
        return json(res, 200, { count: all.length, next, previous: null, results });
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/v2/users/login/') {
      const creds = JSON.parse(body || '{}') as { username?: string; password?: string };
      if (creds.username === user.username && creds.password === user.password) return json(res, 200, { token });
      return json(res, 401, { detail: 'Incorrect authentication credentials.' });
    }
    const m = /^\/v2\/repositories\/([^/]+)\/$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      if (req.headers.authorization !== `JWT ${token}`) return json(res, 401, { detail: 'Authentication credentials were not provided.' });
      const page = Number(url.searchParams.get('page') ?? '1');
      const size = Math.min(Number(url.searchParams.get('page_size') ?? '10'), pageSize);
      const all = m[1] === user.username ? user.repositories : [];
      const slice = all.slice((page - 1) * size, page * size);
      // The real API's `next` is an absolute hub.docker.com URL.
      const next = page * size < all.length ? `https://hub.docker.com/v2/repositories/${m[1]}/?page=${page + 1}&page_size=${size}` : null;
      return json(res, 200, {
        count: all.length,
        next,
        previous: null,
        results: slice.map((r) => ({ name: r.name, namespace: m[1], repository_type: r.type ?? 'image', is_private: false })),
      });
    }
    json(res, 404, { detail: 'Not found.' });
  });
  return { url: `http://${host}`, host, requests, stop: stopper(server), failTags: (status) => void (failing = status) };
}

/** A registry host that also answers `/v1/search` (`n` per page, at most `pageSize`) and proxies the rest to `upstream`. */
export async function startSearchFront(upstream: string, names: string[], pageSize = 2): Promise<FakeService> {
  const [upHost, upPort] = upstream.split(':');
  const { server, host, requests } = await listen((req, res, body) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname === '/v1/search') {
      const q = url.searchParams.get('q') ?? '';
      const page = Number(url.searchParams.get('page') ?? '1');
      // `n` as the client asks (Docker Hub's default is 25), at most this front's page size
      const size = Math.min(Number(url.searchParams.get('n') ?? '25'), pageSize);
      const hits = names.filter((n) => n.includes(q));
      const pages = Math.max(1, Math.ceil(hits.length / size));
      return json(res, 200, {
        num_results: hits.length,
        num_pages: pages,
        page,
        page_size: size,
        query: q,
        results: hits.slice((page - 1) * size, page * size).map((name) => ({ name, description: '', star_count: 0, is_official: false })),
      });
    }
    const proxied = httpRequest({ host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: { ...req.headers, host: upstream } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    proxied.on('error', () => json(res, 502, { errors: [{ code: 'UNAVAILABLE' }] }));
    proxied.end(body);
  });
  return { url: `http://${host}`, host, requests, stop: stopper(server) };
}

/**
 * A small router for the listener: routes are plain objects (method, path pattern, handler),
 * so the webhook endpoints, the status API, /metrics and probes can each mount their own.
 * `:name` in a pattern matches one path segment, decoded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  /** The query string (`/list?type=active`). */
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The body, read up to the route's limit. */
  body: Buffer;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (e.g. Prometheus text); `headers['content-type']` says what it is (default plain text). */
  text?: string;
  /** `text` already encoded (a reply reused many times), or in parts written one after another; wins over `text`. */
  body?: Buffer | readonly Buffer[];
}

export interface Route {
  method: string;
  /** `/webhooks/distribution`, `/trigger/:task`. */
  path: string;
  handle(req: Request): Reply | Promise<Reply>;
  /** Largest body accepted (default 1 MiB); more gets 413. */
  maxBodyBytes?: number;
}

type Match = { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined;

export class Router {
  private readonly routes: Route[] = [];

  add(...routes: Route[]): this {
    this.routes.push(...routes);
    return this;
  }

  match(method: string, path: string): Match {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchPath(route.path, path);
      if (!params) continue;
      if (route.method === method) return { route, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { allowed } : undefined;
  }
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return undefined;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined; // malformed %-escape: no such route
      }
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}

export type { IncomingMessage, ServerResponse };

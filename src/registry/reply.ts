/**
 * The shapes one registry request and its answer have inside registry/, and the registry's
 * error answer as a user reads it. Shared by the client (client.ts) and its writes (write.ts).
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { RegistryError } from '../errors.js';
import { parseRetryAfter } from '../retry/policy.js';
import type { RegistryEndpoint } from './types.js';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** undici's stream, or EMPTY_BODY for a HEAD's answer (which has none). */
  body: Dispatcher.ResponseData['body'] | EmptyBody;
  url: string;
}

const DONE = Promise.resolve();

/**
 * The body of an answer that has none (a HEAD's): it reads as undici's stream reads an empty
 * body, without a stream made for nothing (connections.ts sends HEADs without one).
 */
export class EmptyBody {
  dump(): Promise<void> {
    return DONE;
  }

  text(): Promise<string> {
    return Promise.resolve('');
  }

  /** Fails as JSON.parse('') does, like undici's json() of an empty body. */
  json(): Promise<unknown> {
    return new Promise((resolve) => resolve(JSON.parse('')));
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(new ArrayBuffer(0));
  }
}

export const EMPTY_BODY = new EmptyBody();

/** The answer's body as a stream, for a reader that takes it on (a blob download: a GET, never a HEAD). */
export function bodyStream(r: Reply): Readable {
  if (r.body instanceof EmptyBody) throw new RegistryError(`${new URL(r.url).pathname}: the answer has no body to read`, r.url, r.status);
  return r.body;
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  /** The token scope this request needs, e.g. `repository:team/app:pull`. */
  scope: string;
  accept?: string;
  signal?: AbortSignal | undefined;
  /** More request headers (content-type, content-length). */
  headers?: Record<string, string>;
  /** A Buffer can be sent again after a challenge; a stream cannot, so its token must already be held. */
  body?: Buffer | Readable;
  /** Follow 3xx answers: registries send blob GETs to their storage (S3, GCS) this way. */
  followRedirects?: boolean;
}

/** What the read and write APIs build on (client.ts puts it together). */
export interface Transport {
  /** One request with authentication, scheme fallback and pooled connections (auth-session.ts). */
  call(ep: RegistryEndpoint, pathOrUrl: string, init: RegistryRequest): Promise<Reply>;
  /**
   * Runs `op` under the retry policy (retry.ts): again after a transient failure, from its
   * start, so an operation that streams (an upload) must open its streams inside `op`.
   */
  retrying<T>(ep: RegistryEndpoint, what: string, signal: AbortSignal | undefined, op: () => Promise<T>): Promise<T>;
}

export function header(headers: Reply['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A registry's error answer as a user reads it: status and the API's own error codes. */
export function fail(ep: RegistryEndpoint, r: Reply, text: string): never {
  let detail = '';
  try {
    const errors = (JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> }).errors ?? [];
    detail = errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    // Not the API's JSON error body: the status says enough.
  }
  const what = r.status === 401 ? 'unauthorized (check the credentials)' : r.status === 404 ? 'not found' : `HTTP ${r.status}`;
  const retryAfterMs = parseRetryAfter(header(r.headers, 'retry-after'), Date.now());
  throw new RegistryError(`${ep.registry}: ${new URL(r.url).pathname}: ${what}${detail ? ` (${detail})` : ''}`, r.url, r.status, { retryAfterMs });
}

/** `fail` after reading the answer's body (the API's error JSON), never failing on the read. */
export async function failWithBody(ep: RegistryEndpoint, r: Reply): Promise<never> {
  return fail(ep, r, await r.body.text().catch(() => ''));
}

/**
 * Ends a stream we will not read. A response body destroyed unread emits 'error' (undici: "Request
 * aborted"), and an 'error' nobody listens to ends the process: listen first.
 */
export function discard(stream: Readable): void {
  stream.on('error', () => undefined);
  if (!stream.destroyed) stream.destroy();
}

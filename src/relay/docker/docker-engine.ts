/**
 * The few Docker Engine API calls the Docker relay needs (ping, pull, tag, push, inspect,
 * remove), sent with undici over the daemon's socket or TCP port. The only module that talks
 * to a Docker Engine. Why not dockerode: it reads DOCKER_HOST / DOCKER_CERT_PATH from the
 * environment over the configured host, prints request headers (X-Registry-Auth, i.e. the
 * password) when DEBUG=modem is set, and pulls in gRPC, protobuf and ssh2 for six calls.
 */
import { Agent, request, type Dispatcher } from '../../http/undici.js';
import { untilAborted } from '../../abortable.js';
import { apiPathPrefix, parseDockerHost, type EngineAddress } from './docker-host.js';
import type { DockerCopyPlan } from './docker-plan.js';
import { engineErrorText, parseProgressLine, progressError, takeLines, type ProgressEvent } from './progress.js';

/** An Engine call failed: the daemon answered with an error, or could not be reached. */
export class EngineError extends Error {
  /** The HTTP status of an error answer; undefined for stream errors and unreachable daemons. */
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.status = status;
  }
}

export interface StreamCall {
  /** The X-Registry-Auth value (registry-auth-header.ts). */
  auth: string;
  signal?: AbortSignal | undefined;
  onEvent?: ((event: ProgressEvent) => void) | undefined;
}

export interface DockerEngine {
  /** Resolves with the Engine's highest API version (the `API-Version` header). */
  ping(signal: AbortSignal): Promise<{ apiVersion: string | undefined }>;
  pull(pull: DockerCopyPlan['pull'], call: StreamCall): Promise<ProgressEvent[]>;
  tag(ref: string, repo: string, tag: string, signal?: AbortSignal): Promise<void>;
  /** Pushes exactly one tag of `name`. */
  push(name: string, tag: string, call: StreamCall): Promise<ProgressEvent[]>;
  imageExists(ref: string, signal?: AbortSignal): Promise<boolean>;
  /** Removes one reference (the image goes with its last one); false when there was none. */
  removeImage(ref: string, signal?: AbortSignal): Promise<boolean>;
  close(): Promise<void>;
}

/** A long quiet stretch in a pull or push means a stuck daemon; normal progress is chattier. */
const STREAM_IDLE_TIMEOUT_MS = 10 * 60_000;

/** The characters of an image reference; anything else must not reach a URL path. */
const REF_PATTERN = /^[A-Za-z0-9._\-/:@[\]]+$/;

export function connectEngine(host: string, apiVersion: string): DockerEngine | { error: string } {
  const parsed = parseDockerHost(host);
  if ('error' in parsed) return parsed;
  const address: EngineAddress = parsed;
  const prefix = apiPathPrefix(apiVersion);
  if (prefix === undefined) return { error: `invalid docker api-version '${apiVersion}': expected e.g. 1.41` };
  const agent = new Agent({
    connections: 8,
    headersTimeout: STREAM_IDLE_TIMEOUT_MS,
    bodyTimeout: STREAM_IDLE_TIMEOUT_MS,
    connect: { timeout: 10_000, ...(address.socketPath !== undefined ? { socketPath: address.socketPath } : {}) },
  });

  async function send(method: Dispatcher.HttpMethod, path: string, opts: { query?: Record<string, string | undefined>; auth?: string; signal?: AbortSignal | undefined; versioned?: boolean } = {}) {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) query.set(k, v);
    const qs = query.size > 0 ? `?${query.toString()}` : '';
    try {
      const pending = request(agent, {
        origin: address.origin,
        path: `${opts.versioned === false ? '' : prefix}${path}${qs}`,
        method,
        headers: opts.auth !== undefined ? { 'x-registry-auth': opts.auth } : {},
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      // undici honours an abort only once connected: a tcp:// Engine that does not answer must not hold a shutdown.
      return await untilAborted(pending, opts.signal, (late) => void late.body.dump().catch(() => undefined));
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new EngineError(`cannot reach the Docker Engine at ${host}: ${causeText(e)}`, undefined, { cause: e });
    }
  }

  /** Throws EngineError for an error answer; otherwise leaves the body to the caller. */
  async function check(res: Dispatcher.ResponseData, ok: (status: number) => boolean = (s) => s < 300): Promise<Dispatcher.ResponseData> {
    if (ok(res.statusCode)) return res;
    const body = await res.body.text().catch(() => '');
    throw new EngineError(engineErrorText(res.statusCode, body), res.statusCode);
  }

  /** Reads a progress stream to its end; throws the first error event it carries. */
  async function readProgress(res: Dispatcher.ResponseData, onEvent: StreamCall['onEvent']): Promise<ProgressEvent[]> {
    const events: ProgressEvent[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    const take = (lines: string[]) => {
      for (const line of lines) {
        const event = parseProgressLine(line);
        events.push(event);
        onEvent?.(event);
      }
    };
    for await (const chunk of res.body) {
      const { lines, rest } = takeLines(buffer + decoder.decode(chunk as Uint8Array, { stream: true }));
      buffer = rest;
      take(lines);
    }
    take(takeLines(`${buffer}${decoder.decode()}\n`).lines);
    const failed = events.map(progressError).find((m) => m !== undefined);
    if (failed !== undefined) throw new EngineError(failed);
    return events;
  }

  function checkedRef(ref: string): string {
    if (!REF_PATTERN.test(ref)) throw new EngineError(`invalid image reference '${ref}'`);
    return ref;
  }

  return {
    async ping(signal) {
      const res = await check(await send('GET', '/_ping', { signal, versioned: false }));
      await res.body.dump();
      const v = res.headers['api-version'];
      return { apiVersion: typeof v === 'string' ? v : undefined };
    },
    async pull(pull, call) {
      const query = { fromImage: checkedRef(pull.fromImage), tag: checkedRef(pull.tagOrDigest), platform: pull.platform };
      const res = await check(await send('POST', '/images/create', { query, auth: call.auth, signal: call.signal }));
      return readProgress(res, call.onEvent);
    },
    async tag(ref, repo, tag, signal) {
      const res = await check(await send('POST', `/images/${checkedRef(ref)}/tag`, { query: { repo: checkedRef(repo), tag: checkedRef(tag) }, signal }));
      await res.body.dump();
    },
    async push(name, tag, call) {
      const res = await check(await send('POST', `/images/${checkedRef(name)}/push`, { query: { tag: checkedRef(tag) }, auth: call.auth, signal: call.signal }));
      return readProgress(res, call.onEvent);
    },
    async imageExists(ref, signal) {
      const res = await check(await send('GET', `/images/${checkedRef(ref)}/json`, { signal }), (s) => s < 300 || s === 404);
      await res.body.dump();
      return res.statusCode !== 404;
    },
    async removeImage(ref, signal) {
      const res = await check(await send('DELETE', `/images/${checkedRef(ref)}`, { signal }), (s) => s < 300 || s === 404);
      await res.body.dump();
      return res.statusCode !== 404;
    },
    close: () => agent.close(),
  };
}

/** undici wraps socket errors (`connect ENOENT /var/run/docker.sock`) in a cause. */
function causeText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? e.cause.message : undefined;
  return cause && !e.message.includes(cause) ? `${e.message} (${cause})` : e.message;
}

/**
 * The HTTP listener (node:http): one server, a pluggable router with the webhook routes, the
 * status API (and picture-book's shapes), the probes, `/metrics` and the status page mounted.
 * It answers every request, whatever happens in a handler (a bug becomes a 500, never a crash),
 * reads bodies up to a limit, and can move to another address when a reload asks it to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvironmentError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Listener, ListenerSettings, PushSink } from '../service/service.js';
import type { ServiceControl } from '../service/status.js';
import { apiRoutes, type ApiContext } from './api-routes.js';
import { describeAddress, isLoopbackHost, parseListenAddress } from './listen-address.js';
import { pageRoutes } from './page-routes.js';
import { pictureBookRoutes } from './picture-book-routes.js';
import { probeRoutes } from './probe-routes.js';
import { RecentIds } from './recent-ids.js';
import { Router, type Reply } from './router.js';
import { webhookRoutes } from './webhook-routes.js';

const DEFAULT_MAX_BODY = 1 << 20;
/** Registries retry for minutes at most; 10,000 ids cover that at hundreds of events a second. */
const RECENT_IDS = 10_000;
const RECENT_TTL_MS = 10 * 60_000;

export interface ServiceListener extends Listener {
  /** Where other endpoints (status API, metrics, probes) are mounted. */
  readonly router: Router;
}

export interface ServiceListenerOptions {
  service: PushSink & ServiceControl;
  logger: Logger;
  /** Takes out what must not leave in a reply (credentials, tokens). */
  redactor: Redactor;
  /** Served at /metrics, and told of webhook events. */
  metrics?: Metrics | undefined;
  version: string;
  now?: () => number;
}

export function createServiceListener(opts: ServiceListenerOptions): ServiceListener {
  const log = opts.logger.child({ component: 'listener' });
  const now = opts.now ?? Date.now;
  let settings: ListenerSettings = { address: undefined, webhookToken: undefined, api: { token: undefined, allowNoToken: false, stuckAfterMs: undefined } };
  const api = () => settings.api;
  const apiCtx: ApiContext = { service: opts.service, api, redactor: opts.redactor, info: () => ({ version: opts.version, listening: bound?.url }) };
  const router = new Router().add(
    ...webhookRoutes({ sink: opts.service, token: () => settings.webhookToken, recent: new RecentIds(RECENT_IDS, RECENT_TTL_MS, now), logger: log, observer: opts.metrics }),
    ...probeRoutes({ service: opts.service, api, metrics: opts.metrics, now }),
    ...apiRoutes(apiCtx),
    ...pictureBookRoutes(apiCtx),
    ...pageRoutes({ ...apiCtx, now }),
  );
  let server: Server | undefined;
  let bound: { wanted: string; url: string } | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://listener');
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (!match) return send(res, { status: 404, json: { error: 'not found' } });
    if ('allowed' in match) return send(res, { status: 405, headers: { allow: match.allowed.join(', ') }, json: { error: 'method not allowed' } });
    const limit = match.route.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) tooBig = true;
      else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooBig) return send(res, { status: 413, json: { error: `body larger than ${limit} bytes` } });
      Promise.resolve()
        .then(() => match.route.handle({ method: req.method ?? 'GET', path: url.pathname, params: match.params, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) }))
        .then(
          (reply) => send(res, reply),
          (e: unknown) => {
            log.error(`${req.method ?? ''} ${url.pathname}: ${errorMessage(e)}`);
            send(res, { status: 500, json: { error: 'internal error' } });
          },
        );
    });
  };

  const close = async () => {
    const s = server;
    server = undefined;
    bound = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  };

  return {
    router,
    address: () => bound?.url,
    async apply(next) {
      settings = next;
      const address = next.address;
      if (address === bound?.wanted) return;
      await close();
      if (address === undefined) return;
      const parsed = parseListenAddress(address);
      if (!parsed.ok) throw new Error(parsed.message);
      const s = createServer({ keepAliveTimeout: 65_000 }, handle);
      await new Promise<void>((resolve, reject) => {
        s.once('error', (e) => reject(new EnvironmentError(`cannot listen on ${address}: ${errorMessage(e)}`)));
        s.listen({ port: parsed.port, ...(parsed.host !== undefined ? { host: parsed.host } : {}) }, () => resolve());
      });
      s.on('error', (e) => log.error(`listener: ${errorMessage(e)}`));
      server = s;
      const info = s.address() as AddressInfo;
      bound = { wanted: address, url: describeAddress(info.address, info.port) };
      opts.metrics?.served();
      log.info(`listening on ${bound.url}`);
      if (next.api.token === undefined && isLoopbackHost(parsed.host)) log.info('the status API has no token (DREGSY_API_TOKEN): open to this machine only');
      else if (next.api.token === undefined) log.warn('the status API has no token (DREGSY_API_TOKEN): open to anyone who reaches this address (api.allow-no-token)');
    },
    close,
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  // Encoded once: a status page or a scrape of 1,000 tasks is half a megabyte.
  const body = reply.body ?? Buffer.from(reply.text ?? (reply.json === undefined ? '' : `${JSON.stringify(reply.json)}\n`), 'utf8');
  const parts: readonly Buffer[] = Buffer.isBuffer(body) ? [body] : body;
  const type = reply.text !== undefined || reply.body !== undefined ? 'text/plain; charset=utf-8' : 'application/json';
  let length = 0;
  for (const p of parts) length += p.length;
  res.writeHead(reply.status, { 'content-type': type, 'content-length': length, ...reply.headers });
  // Parts go to the socket as they are (one writev while corked): joining them first would
  // cost a fresh buffer of the whole size per reply.
  res.cork();
  for (const p of parts) res.write(p);
  res.end();
}

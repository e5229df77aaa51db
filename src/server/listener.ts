/**
 * The HTTP listener (node:http): one server, a pluggable router, the webhook routes mounted.
 * It answers every request, whatever happens in a handler (a bug becomes a 500, never a crash),
 * reads bodies up to a limit, and can move to another address when a reload asks it to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvironmentError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Listener, PushSink } from '../service/service.js';
import { describeAddress, parseListenAddress } from './listen-address.js';
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

export function createServiceListener(opts: { sink: PushSink; logger: Logger; now?: () => number }): ServiceListener {
  const log = opts.logger.child({ component: 'listener' });
  let token: string | undefined;
  const router = new Router().add(...webhookRoutes({ sink: opts.sink, token: () => token, recent: new RecentIds(RECENT_IDS, RECENT_TTL_MS, opts.now ?? Date.now), logger: log }));
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
        .then(() => match.route.handle({ method: req.method ?? 'GET', path: url.pathname, params: match.params, headers: req.headers, body: Buffer.concat(chunks) }))
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
    async apply(address, newToken) {
      token = newToken;
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
      log.info(`listening on ${bound.url}`);
    },
    close,
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  const body = reply.text ?? (reply.json === undefined ? '' : `${JSON.stringify(reply.json)}\n`);
  const type = reply.text !== undefined ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(reply.status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...reply.headers });
  res.end(body);
}

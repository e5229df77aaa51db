/**
 * A reverse proxy on 127.0.0.1 in front of one test registry that fails requests the way
 * registries in the field do: 500, 503, 429 with `Retry-After`, a connection reset (before the
 * answer, or halfway through its body) and a stall. Clients use the proxy's `host` as the
 * registry's name; the Host header is passed on unchanged, so the registry's upload Locations
 * point back through the proxy.
 *
 * Deterministic: which request gets which fault comes from a seeded generator, one draw per
 * request in arrival order. Rules fail matching requests every time (a target that refuses
 * uploads), and a window answers every request 429 (a rate limit).
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const FAULTS = ['500', '503', '429', 'reset', 'stall'] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultRule {
  method?: string;
  /** Matched against the path with its query. */
  path?: RegExp;
  /** Matched against the User-Agent (e.g. only the Docker Engine's requests). */
  userAgent?: RegExp;
  fault: Fault;
  /** Fail only the first this many matching requests (a registry that recovers); default: all. */
  times?: number;
}

export interface FaultProxyOptions {
  /** The registry's port on 127.0.0.1. */
  upstreamPort: number;
  /** Seed of the draws; the same seed fails the same requests (by arrival order). */
  seed?: number;
  /** Share of requests that get a random fault (0..1); default 0. */
  rate?: number;
  /** The faults drawn from, equally likely; default all of FAULTS. */
  faults?: readonly Fault[];
  /** `Retry-After` of a 429, in seconds; default 1. */
  retryAfterSeconds?: number;
  /** How long a stalled request waits before it is passed on; default 5000. */
  stallMs?: number;
  rules?: FaultRule[];
}

export interface ProxiedRequest {
  /** ms since the proxy started. */
  at: number;
  method: string;
  path: string;
  fault: Fault | undefined;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`: the registry name clients use. */
  host: string;
  port: number;
  /** Every request, in arrival order. */
  requests: ProxiedRequest[];
  /** Changes the random fault share from now on (0: a fault-free run through the same name). */
  setRate(rate: number): void;
  setRules(rules: FaultRule[]): void;
  /**
   * Answers every request 429 with `Retry-After: retryAfterSeconds` for `ms`, from the next
   * request on (or from the first that `opensAt` accepts). Returns when it opened and closed.
   */
  rateLimitFor(ms: number, retryAfterSeconds: number, opensAt?: (method: string, path: string) => boolean): { window(): { from: number; to: number } | undefined };
  /** ms since the proxy started, on the clock of `requests[].at`. */
  now(): number;
  stop(): Promise<void>;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const errorBody = (code: string, message: string) => JSON.stringify({ errors: [{ code, message }] });

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const random = seeded(opts.seed ?? 1);
  const kinds = opts.faults ?? FAULTS;
  let rate = opts.rate ?? 0;
  let rules = opts.rules ?? [];
  let limitedUntil = 0;
  let limitRetryAfter = 1;
  /** A rate-limit window armed by rateLimitFor, opened by the next request `opens` accepts. */
  let armed: { ms: number; opens: (method: string, path: string) => boolean } | undefined;
  let opened: { from: number; to: number } | undefined;
  const started = Date.now();
  const now = () => Date.now() - started;
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const upstream = new Agent({ keepAlive: true, maxSockets: 64 });

  function choose(req: IncomingMessage): Fault | undefined {
    const path = req.url ?? '/';
    const ua = req.headers['user-agent'] ?? '';
    const rule = rules.find((r) => (!r.method || r.method === req.method) && (!r.path || r.path.test(path)) && (!r.userAgent || r.userAgent.test(ua)) && (r.times ?? 1) > 0);
    if (rule) {
      if (rule.times !== undefined) rule.times--;
      return rule.fault;
    }
    if (armed !== undefined && armed.opens(req.method ?? '', path)) {
      limitedUntil = now() + armed.ms;
      opened = { from: now(), to: limitedUntil };
      armed = undefined;
    }
    if (now() < limitedUntil) return '429';
    // One draw for "whether" and one for "which", every request, so the sequence stays aligned.
    const hit = random() < rate;
    const which = kinds[Math.floor(random() * kinds.length)] ?? '500';
    return hit ? which : undefined;
  }

  function answer(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
    // Read what the client sends before answering, so it sees the answer, not a broken pipe.
    req.resume();
    const send = () => res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers }).end(req.method === 'HEAD' ? undefined : body);
    if (req.readableEnded) send();
    else req.once('end', send);
  }

  function forward(req: IncomingMessage, res: ServerResponse, resetHalfway: boolean): void {
    const out = httpRequest(
      { host: '127.0.0.1', port: opts.upstreamPort, method: req.method, path: req.url, headers: req.headers, agent: upstream },
      (up) => {
        const length = Number(up.headers['content-length'] ?? 0);
        if (resetHalfway && (req.method === 'HEAD' || !(length > 1))) {
          up.resume();
          req.socket.destroy();
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.rawHeaders);
        if (!resetHalfway) {
          up.pipe(res);
          return;
        }
        // Half the body, then the connection goes away: the client holds a broken stream.
        const half = Math.floor(length / 2);
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          if (sent >= half) return;
          const part = chunk.subarray(0, half - sent);
          sent += part.length;
          res.write(part);
          if (sent >= half) {
            up.destroy();
            // Once what was written is on its way: the client sees half a body, then a reset.
            setTimeout(() => req.socket.destroy(), 20);
          }
        });
      },
    );
    out.on('error', () => req.socket.destroy());
    req.pipe(out);
  }

  const server = createServer((req, res) => {
    const fault = choose(req);
    requests.push({ at: now(), method: req.method ?? '', path: req.url ?? '', fault });
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    switch (fault) {
      case '500':
        return answer(req, res, 500, {}, errorBody('UNKNOWN', 'injected fault: internal server error'));
      case '503':
        return answer(req, res, 503, {}, errorBody('UNAVAILABLE', 'injected fault: service unavailable'));
      case '429': {
        const seconds = now() < limitedUntil ? limitRetryAfter : (opts.retryAfterSeconds ?? 1);
        return answer(req, res, 429, { 'retry-after': String(seconds) }, errorBody('TOOMANYREQUESTS', 'injected fault: too many requests'));
      }
      case 'reset':
        return forward(req, res, true);
      case 'stall':
        void sleep(opts.stallMs ?? 5_000).then(() => {
          if (!req.socket.destroyed) forward(req, res, false);
        });
        return;
      default:
        return forward(req, res, false);
    }
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    port,
    requests,
    setRate(r) {
      rate = r;
    },
    setRules(r) {
      rules = r;
    },
    rateLimitFor(ms, retryAfterSeconds, opensAt) {
      armed = { ms, opens: opensAt ?? (() => true) };
      opened = undefined;
      limitRetryAfter = retryAfterSeconds;
      return { window: () => opened };
    },
    now,
    stop() {
      for (const s of sockets) s.destroy();
      upstream.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

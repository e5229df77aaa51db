/**
 * A plain-HTTP reverse proxy in front of a test registry that can hold blob downloads: with
 * `stall` on, every `GET …/blobs/…` waits (never answered) until the proxy stops or `stall`
 * is turned off, so a copy is reliably caught in the middle (skopeo running, authfiles on
 * disk) while manifest and tag requests pass. Everything else is forwarded as it is.
 */
import { EventEmitter } from 'node:events';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface StallProxy {
  /** '127.0.0.1:PORT', to use as a registry host. */
  host: string;
  /** Hold blob downloads from now on (true), or let them and the held ones through (false). */
  stall(on: boolean): void;
  /** Resolves when a blob download is being held. */
  stalled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStallProxy(targetPort: number): Promise<StallProxy> {
  let stalling = false;
  const held: Array<() => void> = [];
  const events = new EventEmitter();
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  const server = createServer((req, res) => {
    if (stalling && req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')) {
      held.push(() => forward(req, res));
      events.emit('stalled');
      return;
    }
    forward(req, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // skopeo tries TLS first on an http registry; the parser's error for that is expected.
  server.on('clientError', (_e, socket: Socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    stall(on) {
      stalling = on;
      if (!on) for (const release of held.splice(0)) release();
    },
    stalled: () => (held.length > 0 ? Promise.resolve() : new Promise((resolve) => events.once('stalled', () => resolve()))),
    async stop() {
      held.length = 0;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

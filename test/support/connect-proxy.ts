/**
 * An HTTP proxy on 127.0.0.1 that answers `CONNECT host:port` by tunnelling to a local port,
 * so names that do not resolve here (`<acct>.dkr.ecr.<region>.amazonaws.com`, `eu.gcr.io`,
 * `public.ecr.aws`) reach registries on loopback. skopeo (Go) and dregsy's registry client
 * both honour `HTTPS_PROXY`, so neither knows it is not talking to the real host; TLS runs
 * end to end through the tunnel (use `skip-tls-verify`, the test certificates name 127.0.0.1).
 * A mapping can be changed while running (a registry "rotating" its password).
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ConnectProxy {
  /** `http://127.0.0.1:PORT`, for HTTPS_PROXY. */
  url: string;
  /**
   * Routes `CONNECT host:port` (port defaults to 443) to 127.0.0.1:`localPort`. Replacing a
   * route closes the open tunnels for that host, as a restarted server would.
   */
  route(host: string, localPort: number): void;
  /** `host:port` of every CONNECT seen, in order. */
  connects: string[];
  stop(): Promise<void>;
}

export async function startConnectProxy(routes: Record<string, number> = {}): Promise<ConnectProxy> {
  const table = new Map<string, number>();
  const key = (host: string) => (host.includes(':') ? host : `${host}:443`);
  for (const [host, port] of Object.entries(routes)) table.set(key(host), port);
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const tunnels = new Map<string, Set<Socket>>();

  const server: Server = createServer((_req, res) => {
    // Only tunnels: plain-HTTP proxying is not needed, and refusing it shows up clearly.
    res.writeHead(405, { 'content-type': 'text/plain' });
    res.end('this test proxy only does CONNECT\n');
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push(target);
    sockets.add(client);
    const open = tunnels.get(target) ?? new Set<Socket>();
    tunnels.set(target, open);
    open.add(client);
    client.on('close', () => {
      sockets.delete(client);
      open.delete(client);
    });
    client.on('error', () => client.destroy());
    const port = table.get(target);
    if (port === undefined) {
      client.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\n\r\nno route for ${target}\n`);
      return;
    }
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    route(host, localPort) {
      table.set(key(host), localPort);
      for (const s of tunnels.get(key(host)) ?? []) s.destroy();
    },
    connects,
    stop() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

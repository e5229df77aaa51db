/**
 * A stand-in for the GCE/GKE metadata server on 127.0.0.1, speaking its real protocol for what
 * google-auth-library asks: every request must carry `Metadata-Flavor: Google` and every answer
 * does; `GET /computeMetadata/v1/instance` (the "am I on GCE" probe) and
 * `GET /computeMetadata/v1/instance/service-accounts/default/token` →
 * `{access_token, expires_in, token_type}`. Anything else is 404, as on GCE for unknown keys.
 * The library reaches it through `GCE_METADATA_HOST`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGceMetadata {
  /** `127.0.0.1:PORT`, for GCE_METADATA_HOST. */
  host: string;
  /** `METHOD path` of every request; requests without the flavor header are marked `!flavor`. */
  requests: string[];
  /** Tokens handed out so far. */
  tokens: string[];
  stop(): Promise<void>;
}

export async function startFakeGceMetadata(opts: { token: () => string; expiresInSeconds?: number }): Promise<FakeGceMetadata> {
  const requests: string[] = [];
  const tokens: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://metadata');
    const flavored = req.headers['metadata-flavor'] === 'Google';
    requests.push(`${req.method} ${url.pathname}${flavored ? '' : ' !flavor'}`);
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'metadata-flavor': 'Google', 'content-type': type });
      res.end(body);
    };
    if (!flavored) return send(403, 'Missing Metadata-Flavor:Google header.', 'text/html');
    if (url.pathname === '/computeMetadata/v1/instance' || url.pathname === '/computeMetadata/v1/instance/') {
      return send(200, 'attributes/\nhostname\nservice-accounts/\n', 'application/text');
    }
    if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
      const token = opts.token();
      tokens.push(token);
      return send(200, JSON.stringify({ access_token: token, expires_in: opts.expiresInSeconds ?? 3599, token_type: 'Bearer' }));
    }
    send(404, 'Not Found', 'text/html');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    tokens,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

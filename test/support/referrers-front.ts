/**
 * A registry with the OCI 1.1 referrers API, for tests: docker-registry 2.8 has none, so this
 * reverse proxy in front of one answers `GET /v2/<name>/referrers/<digest>` itself, as the
 * spec says (200 and an image index, empty when nothing refers to the digest), from what the
 * test registered, and passes every other request on unchanged (the Host header too, so
 * upload Locations point back through it).
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Descriptor } from './referrers.js';

export interface ReferrersFront {
  /** `127.0.0.1:PORT`: the registry name clients use. */
  host: string;
  /** Lists `referrer` as referring to `subject` in repository `repo`. */
  add(repo: string, subject: string, referrer: Descriptor): void;
  /** Referrers API requests answered, as `repo@digest`. */
  asked: string[];
  stop(): Promise<void>;
}

const API = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})(?:\?.*)?$/;

export async function startReferrersFront(upstreamPort: number): Promise<ReferrersFront> {
  const listed = new Map<string, Descriptor[]>();
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const api = req.method === 'GET' ? API.exec(req.url ?? '') : null;
    if (api) {
      const key = `${api[1]}@${api[2]}`;
      asked.push(key);
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
      res.end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: listed.get(key) ?? [] }));
      return;
    }
    const upstream = httpRequest({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    add(repo, subject, referrer) {
      const key = `${repo}@${subject}`;
      listed.set(key, [...(listed.get(key) ?? []), referrer]);
    },
    asked,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What a real distribution registry on loopback cannot show: a blob GET redirected to storage
 * on another host (S3, GCS do this), and a mount the registry declines. A small server speaks
 * those parts of the distribution API; the client under test is the real one.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { silentLogger } from '../log/logger.js';
import { createRegistryClient } from './client.js';
import type { RegistryEndpoint } from './types.js';

const BASIC = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
const seen: Array<{ server: 'registry' | 'storage'; method: string; url: string; authorization: string | undefined; body: string }> = [];
let registry: Server;
let storage: Server;
let ep: RegistryEndpoint;
const client = createRegistryClient({ logger: silentLogger(), userAgent: 'dregsy-test' });

function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => handler(req, res, body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const portOf = (s: Server) => (s.address() as AddressInfo).port;

before(async () => {
  storage = await listen((req, res, body) => {
    seen.push({ server: 'storage', method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('bytes from storage');
  });
  registry = await listen((req, res, body) => {
    seen.push({ server: 'registry', method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
    if (req.headers.authorization !== BASIC) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="test"', 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/v2/app/blobs/sha256:away') {
      res.writeHead(307, { location: `http://127.0.0.1:${portOf(storage)}/bucket/blob?X-Amz-Signature=abc` }).end();
    } else if (req.method === 'GET' && url.pathname === '/v2/app/blobs/sha256:here') {
      res.writeHead(307, { location: '/v2/app/blobs/sha256:here/data' }).end();
    } else if (req.method === 'GET' && url.pathname === '/v2/app/blobs/sha256:here/data') {
      res.writeHead(200).end('bytes from the registry');
    } else if (req.method === 'POST' && url.searchParams.get('mount') === 'sha256:mountable') {
      res.writeHead(201, { location: `/v2/app/blobs/sha256:mountable` }).end();
    } else if (req.method === 'POST' && url.pathname === '/v2/app/blobs/uploads/') {
      // Declined mount or plain upload: a session whose Location already carries a query.
      res.writeHead(202, { location: `http://127.0.0.1:${portOf(registry)}/v2/app/blobs/uploads/u1?_state=s%3D1` }).end();
    } else if (req.method === 'PUT' && url.pathname === '/v2/app/blobs/uploads/u1') {
      res.writeHead(201).end();
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] }));
    }
  });
  ep = { registry: `127.0.0.1:${portOf(registry)}`, skipTlsVerify: true, certsDir: '/nonexistent', credentials: { username: 'alice', password: 's3cret' } };
});

after(async () => {
  await client.close();
  registry.closeAllConnections();
  storage.closeAllConnections();
  await Promise.all([new Promise((r) => registry.close(r)), new Promise((r) => storage.close(r))]);
});

const text = async (r: Readable) => {
  let s = '';
  for await (const chunk of r) s += (chunk as Buffer).toString();
  return s;
};
const blob = (digest: string, content: string) => ({ digest, size: Buffer.byteLength(content), open: async () => Readable.from([Buffer.from(content)]) });

test('a blob GET redirected to another host follows it without our credentials', async () => {
  seen.length = 0;
  assert.equal(await text(await client.getBlob(ep, 'app', 'sha256:away')), 'bytes from storage');
  const atStorage = seen.filter((s) => s.server === 'storage');
  assert.equal(atStorage.length, 1);
  assert.equal(atStorage[0]!.url, '/bucket/blob?X-Amz-Signature=abc');
  assert.equal(atStorage[0]!.authorization, undefined);
});

test('a redirect within the registry keeps the credentials', async () => {
  seen.length = 0;
  assert.equal(await text(await client.getBlob(ep, 'app', 'sha256:here')), 'bytes from the registry');
  assert.equal(seen.at(-1)!.url, '/v2/app/blobs/sha256:here/data');
  assert.equal(seen.at(-1)!.authorization, BASIC);
});

test('a mount the registry accepts is one request and sends no bytes', async () => {
  seen.length = 0;
  let opened = false;
  const how = await client.mountBlob(ep, 'app', { ...blob('sha256:mountable', 'x'), open: async () => ((opened = true), Readable.from([])) }, 'other/app');
  assert.equal(how, 'mounted');
  assert.equal(opened, false);
  assert.deepEqual(seen.filter((s) => s.authorization === BASIC).map((s) => `${s.method} ${s.url}`), ['POST /v2/app/blobs/uploads/?mount=sha256%3Amountable&from=other%2Fapp']);
});

test('a declined mount (202) continues as an upload to the session it opened', async () => {
  seen.length = 0;
  const how = await client.mountBlob(ep, 'app', blob('sha256:declined', 'layer bytes'), 'other/app');
  assert.equal(how, 'uploaded');
  const put = seen.find((s) => s.method === 'PUT');
  assert.equal(put?.url, '/v2/app/blobs/uploads/u1?_state=s%3D1&digest=sha256%3Adeclined');
  assert.equal(put?.body, 'layer bytes');
  assert.equal(seen.filter((s) => s.method === 'POST').length, 1, 'no second POST');
});

test("registry errors carry the API's code", async () => {
  await assert.rejects(client.getBlob(ep, 'app', 'sha256:missing'), /not found \(BLOB_UNKNOWN: blob unknown to registry\)/);
});

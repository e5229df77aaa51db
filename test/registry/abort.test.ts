/**
 * A shutdown aborts registry requests at every stage, at once: while connecting (undici by
 * itself waits for a connect in progress, up to its 15 s timeout), while a second request waits
 * for the first to find the registry's scheme, and while waiting before a retry. The Docker
 * Engine and Docker Hub API clients do not wait for a connect either.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { createDockerHubClient } from '../../src/registry/docker-hub.js';
import { connectEngine } from '../../src/relay/docker/docker-engine.js';
import type { RegistryEndpoint } from '../../src/registry/types.js';

/** Accepts connections and never says a word: a TLS handshake with it never ends. */
let silent: Server;
const sockets = new Set<Socket>();
/** Answers every request 503 without Retry-After. */
let unavailable: HttpServer;
/** Takes requests and never answers them; tells of each HEAD and keeps its open connections. */
let mute: HttpServer;
const muteSockets = new Set<Socket>();
let onMuteHead: (() => void) | undefined;
const client = createRegistryClient({ logger: silentLogger(), userAgent: 'dregsy-test', retry: { attempts: 10, baseDelayMs: 5_000, maxDelayMs: 20_000 } });

const port = (s: Server | HttpServer) => (s.address() as AddressInfo).port;
const ep = (registry: string, skipTlsVerify = false): RegistryEndpoint => ({ registry, skipTlsVerify, certsDir: '/nonexistent', credentials: undefined });

before(async () => {
  silent = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  unavailable = createHttpServer((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE"}]}'));
  mute = createHttpServer((req) => {
    if (req.method === 'HEAD') onMuteHead?.();
  });
  mute.on('connection', (s: Socket) => {
    muteSockets.add(s);
    s.on('close', () => muteSockets.delete(s));
  });
  await Promise.all([new Promise<void>((r) => silent.listen(0, '127.0.0.1', r)), new Promise<void>((r) => unavailable.listen(0, '127.0.0.1', r)), new Promise<void>((r) => mute.listen(0, '127.0.0.1', r))]);
});

after(async () => {
  await client.close();
  for (const s of sockets) s.destroy();
  unavailable.closeAllConnections();
  mute.closeAllConnections();
  await Promise.all([new Promise((r) => silent.close(r)), new Promise((r) => unavailable.close(r)), new Promise((r) => mute.close(r))]);
});

/** How long `work` takes to reject after `signal` aborts, which it does `afterMs` from now. */
async function rejectsWithin(work: (signal: AbortSignal) => Promise<unknown>, afterMs: number): Promise<number> {
  const controller = new AbortController();
  const pending = work(controller.signal);
  await new Promise((r) => setTimeout(r, afterMs));
  const aborted = Date.now();
  controller.abort();
  await assert.rejects(pending);
  return Date.now() - aborted;
}

test('a request still connecting ends as soon as it is aborted', async () => {
  const ms = await rejectsWithin((signal) => client.listTags(ep(`127.0.0.1:${port(silent)}`), 'app', signal), 200);
  assert.ok(ms < 1_000, `ended ${ms} ms after the abort`);
});

test('a request waiting for another to find the scheme ends as soon as it is aborted', async () => {
  const registry = `localhost:${port(silent)}`;
  const first = new AbortController();
  const probing = client.listTags(ep(registry, true), 'app', first.signal).catch(() => undefined);
  const ms = await rejectsWithin((signal) => client.listTags(ep(registry, true), 'other', signal), 200);
  assert.ok(ms < 1_000, `ended ${ms} ms after the abort`);
  first.abort();
  await probing;
});

test('a wait before a retry ends as soon as it is aborted', async () => {
  const ms = await rejectsWithin((signal) => client.headManifest(ep(`127.0.0.1:${port(unavailable)}`, true), 'app', 'latest', signal), 500);
  assert.ok(ms < 1_000, `ended ${ms} ms after the abort`);
});

// A HEAD goes without a response stream (http/undici.ts requestBodiless): the abort must still
// reach undici, which then drops the request's connection instead of waiting for the answer.
test('a HEAD sent and not yet answered ends as soon as it is aborted, and its connection is closed', async () => {
  const registry = `127.0.0.1:${port(mute)}`;
  const controller = new AbortController();
  const arrived = new Promise<void>((resolve) => (onMuteHead = resolve));
  // https first (skip-tls-verify): the plain HTTP server answers the TLS hello with a 400 and closes; then http.
  const pending = client.headManifest(ep(registry, true), 'app', 'latest', controller.signal);
  await arrived;
  const aborted = Date.now();
  controller.abort();
  await assert.rejects(pending, { name: 'AbortError' });
  assert.ok(Date.now() - aborted < 1_000);
  for (let waited = 0; muteSockets.size > 0 && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  assert.equal(muteSockets.size, 0, 'the connection of the aborted HEAD is still open');
});

test('a Docker Engine or Docker Hub API that never answers the connect does not hold an abort', async () => {
  const engine = connectEngine(`tcp://127.0.0.1:${port(silent)}`, '1.41');
  assert.ok(!('error' in engine));
  const hub = createDockerHubClient({ baseUrl: `https://127.0.0.1:${port(silent)}`, userAgent: 'dregsy-test', logger: silentLogger() });
  try {
    // tcp:// without TLS answers nothing either: the silent server never writes.
    assert.ok((await rejectsWithin((signal) => engine.ping(signal), 200)) < 1_000);
    assert.ok((await rejectsWithin((signal) => hub.listUserRepositories({ username: 'u', password: 'p' }, 10, signal), 200)) < 1_000);
  } finally {
    await Promise.all([engine.close(), hub.close()]);
  }
});

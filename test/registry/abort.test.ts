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
const client = createRegistryClient({ logger: silentLogger(), userAgent: 'dregsy-test', retry: { attempts: 10, baseDelayMs: 5_000, maxDelayMs: 20_000 } });

const port = (s: Server | HttpServer) => (s.address() as AddressInfo).port;
const ep = (registry: string, skipTlsVerify = false): RegistryEndpoint => ({ registry, skipTlsVerify, certsDir: '/nonexistent', credentials: undefined });

before(async () => {
  silent = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  unavailable = createHttpServer((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE"}]}'));
  await Promise.all([new Promise<void>((r) => silent.listen(0, '127.0.0.1', r)), new Promise<void>((r) => unavailable.listen(0, '127.0.0.1', r))]);
});

after(async () => {
  await client.close();
  for (const s of sockets) s.destroy();
  unavailable.closeAllConnections();
  await Promise.all([new Promise((r) => silent.close(r)), new Promise((r) => unavailable.close(r))]);
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

/**
 * Which credentials and certificates our registry client sends where, against real registries
 * (token and Basic auth, TLS, mutual TLS) and, for what a real registry on loopback cannot do
 * (redirect to storage, a realm on its own origin), small servers speaking that part of the API:
 *
 * - a token won with one user's credentials never serves a request with other credentials or
 *   none (tokens are cached per identity, not only per scope);
 * - Basic credentials reach a token realm only over https, or over http for a plain-http
 *   registry with skip-tls-verify;
 * - the registry's client certificate never goes to another host (a realm, blob storage).
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createRegistryClient } from '../../src/registry/client.js';
import type { RegistryEndpoint } from '../../src/registry/types.js';
import { tlsMaterial } from '../support/certs.js';
import { makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function client() {
  const c = createRegistryClient({ logger: silentLogger(), userAgent: 'dregsy-test', retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 } });
  cleanups.push(() => c.close());
  return c;
}

const endpoint = (reg: TestRegistry, credentials?: { username: string; password: string }): RegistryEndpoint => ({
  registry: reg.host,
  skipTlsVerify: reg.tls === 'none',
  certsDir: reg.certsDir ?? '/nonexistent',
  credentials,
});

describe('tokens are kept per identity', () => {
  let reg: TestRegistry;
  const alice = { username: 'alice', password: 'alice-Pa55' };
  const bob = { username: 'bob', password: 'bob-Pa55' };
  before(async () => {
    // alice may do anything; bob may only pull public/*.
    reg = await startRegistry({ auth: 'token', users: { alice: alice.password, bob: bob.password }, grants: { bob: [[/^public\//, ['pull']]] } });
    cleanups.push(() => reg.stop());
    await pushTags(reg, 'team/app', ['1.0']);
  });

  test("after alice's request, no credentials, a wrong password or bob's are not served with her token", async () => {
    const c = client();
    const seen = reg.tokenRequests().length;
    assert.deepEqual(await c.listTags(endpoint(reg, alice), 'team/app'), ['1.0']);
    assert.ok(await c.headManifest(endpoint(reg, alice), 'team/app', '1.0'));
    const others: Array<[string, { username: string; password: string } | undefined]> = [
      ['anonymous', undefined],
      ['a wrong password', { username: 'alice', password: 'wrong' }],
      ['bob, who may not pull team/app', bob],
    ];
    for (const [who, credentials] of others) {
      await assert.rejects(c.listTags(endpoint(reg, credentials), 'team/app'), /unauthorized/, who);
      await assert.rejects(c.headManifest(endpoint(reg, credentials), 'team/app', '1.0'), /unauthorized/, who);
    }
    // alice's token is still hers.
    assert.deepEqual(await c.listTags(endpoint(reg, alice), 'team/app'), ['1.0']);
    const ours = reg.tokenRequests().slice(seen);
    assert.equal(ours.filter((r) => r.user === 'alice' && r.authenticated).length, 1, 'one token for alice, reused');
    assert.equal(ours.filter((r) => r.user === undefined).length, 2, 'the anonymous requests sent no credentials');
  });
});

describe('Basic credentials go to a token realm only over https', () => {
  test('a TLS registry naming a plain-http realm: the credentials are not sent, and the error says why', async () => {
    const reg = await startRegistry({ tls: 'tls', auth: 'token', users: { carol: 'carol-Pa55' } });
    cleanups.push(() => reg.stop());
    await pushTags(reg, 'team/app', ['1.0']);
    const seen = reg.tokenRequests().length;
    await assert.rejects(client().listTags(endpoint(reg, { username: 'carol', password: 'carol-Pa55' }), 'team/app'), /token realm http:\/\/127\.0\.0\.1:\d+\/token is not https; credentials are not sent there/);
    assert.deepEqual(reg.tokenRequests().slice(seen), [], 'no request reached the realm');
  });

  test('a plain-http registry with skip-tls-verify may use a plain-http realm', async () => {
    const reg = await startRegistry({ auth: 'token', users: { dave: 'dave-Pa55' } });
    cleanups.push(() => reg.stop());
    await pushTags(reg, 'team/app', ['1.0']);
    assert.deepEqual(await client().listTags(endpoint(reg, { username: 'dave', password: 'dave-Pa55' }), 'team/app'), ['1.0']);
  });

  test('mutual TLS with an https realm on another port: credentials go there, the client certificate does not', async () => {
    const reg = await startRegistry({ tls: 'mtls', auth: 'token', tokenRealm: 'https', users: { erin: 'erin-Pa55' } });
    cleanups.push(() => reg.stop());
    await pushTags(reg, 'team/app', ['1.0']);
    const seen = reg.tokenRequests().length;
    assert.deepEqual(await client().listTags(endpoint(reg, { username: 'erin', password: 'erin-Pa55' }), 'team/app'), ['1.0']);
    const ours = reg.tokenRequests().slice(seen);
    assert.ok(ours.length > 0);
    for (const r of ours) {
      assert.equal(r.authenticated, true);
      assert.equal(r.clientCertificate, false, 'no client certificate at the realm');
    }
  });
});

describe('what another host gets from an mTLS registry: neither its client certificate nor its credentials', () => {
  let registry: Server;
  let storage: Server;
  let ep: RegistryEndpoint;
  const atStorage: Array<{ clientCertificate: boolean; authorization: string | undefined }> = [];
  const listen = (s: Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const BEARER = 'Bearer same-origin-token';

  before(async () => {
    const m = await tlsMaterial();
    storage = createServer({ cert: m.serverCert, key: m.serverKey, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      atStorage.push({ clientCertificate: Object.keys(peer).length > 0, authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('bytes from storage');
    });
    const storagePort = await listen(storage);
    // The registry refuses any connection without the client certificate, its token endpoint included.
    registry = createServer({ cert: m.serverCert, key: m.serverKey, ca: m.clientCaCert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      const port = (registry.address() as AddressInfo).port;
      if (url.pathname === '/token') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'same-origin-token', expires_in: 300 }));
      if (req.headers.authorization !== BEARER) {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="https://127.0.0.1:${port}/token",service="test"`, 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      }
      res.writeHead(307, { location: `https://127.0.0.1:${storagePort}/bucket/blob?X-Amz-Signature=abc` }).end();
    });
    const port = await listen(registry);
    const certsDir = await makeTempDir('dregsy-mtls-elsewhere-');
    cleanups.push(async () => {
      registry.closeAllConnections();
      storage.closeAllConnections();
      await Promise.all([new Promise((r) => registry.close(r)), new Promise((r) => storage.close(r))]);
      await rm(certsDir, { recursive: true, force: true });
    });
    await mkdir(join(certsDir, '127.0.0.1'));
    await writeFile(join(certsDir, '127.0.0.1', 'ca.crt'), m.caCert);
    await writeFile(join(certsDir, '127.0.0.1', 'client.cert'), m.clientCert);
    await writeFile(join(certsDir, '127.0.0.1', 'client.key'), m.clientKey, { mode: 0o600 });
    ep = { registry: `127.0.0.1:${port}`, skipTlsVerify: false, certsDir, credentials: { username: 'frank', password: 'frank-Pa55' } };
  });

  test('a realm on the registry’s own origin keeps the certificate; blob storage elsewhere gets nothing of it', async () => {
    const blob = await client().getBlob(ep, 'app', 'sha256:away');
    let text = '';
    for await (const chunk of blob) text += (chunk as Buffer).toString();
    assert.equal(text, 'bytes from storage');
    assert.deepEqual(atStorage, [{ clientCertificate: false, authorization: undefined }]);
  });
});

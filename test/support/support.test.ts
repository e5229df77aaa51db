/**
 * Self-test of the test support library against the real docker-registry and the real skopeo:
 * every TLS/auth mode serves what we push, we read it back, and skopeo (the relay the e2e
 * tests drive) reads it too, through a certs dir and an authfile as dregsy passes them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { request, Agent } from 'undici';
import { clientOf, collectPages, header, parseChallenge } from './http.js';
import { listRepositories, listTags, makeTempDir, manifestDigest, pushImage, pushTags, startRegistry, type StartRegistryOptions, type TestRegistry } from './index.js';
import { runProgram } from './temp.js';

const sha256 = (s: string | Buffer) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function started(opts: StartRegistryOptions): Promise<TestRegistry> {
  const reg = await startRegistry(opts);
  cleanups.push(() => reg.stop());
  return reg;
}

/** skopeo's global options for this registry: certs dir or plain HTTP, and an authfile (never --creds). */
async function skopeoOptions(reg: TestRegistry, hostDir: string): Promise<string[]> {
  const dir = await makeTempDir('dregsy-support-skopeo-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [user, password] = Object.entries(reg.users)[0] ?? [];
  const auth = user ? { auth: Buffer.from(`${user}:${password}`).toString('base64') } : undefined;
  const auths = auth ? { [reg.host]: auth, [`localhost:${reg.port}`]: auth } : {};
  const authfile = join(dir, 'auth.json');
  await writeFile(authfile, JSON.stringify({ auths }), { mode: 0o600 });
  const tls = reg.certsDir ? [`--cert-dir=${join(reg.certsDir, hostDir)}`] : ['--tls-verify=false'];
  return [...tls, `--authfile=${authfile}`];
}

const skopeo = (args: string[]) => runProgram('skopeo', args);

const platforms = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];

const modes: Array<[string, StartRegistryOptions]> = [
  ['plain HTTP', {}],
  ['TLS', { tls: 'tls' }],
  ['mutual TLS', { tls: 'mtls' }],
  ['htpasswd', { auth: 'htpasswd', users: { alice: 'alice-Pa55' } }],
  ['token', { auth: 'token', users: { bob: 'bob-Pa55', eve: 'eve-Pa55' } }],
  ['TLS + htpasswd', { tls: 'tls', auth: 'htpasswd', users: { carol: 'carol-Pa55' } }],
];

describe('each TLS/auth mode', { concurrency: true }, () => {
  for (const [name, opts] of modes) {
    test(name, async () => {
      const reg = await started({ ...opts, accessLog: true });
      assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
      assert.equal(reg.tls, opts.tls ?? 'none');
      assert.equal(reg.certsDir !== undefined, reg.tls !== 'none');

      const single = await pushImage(reg, 'team/app', '1.0');
      const multi = await pushImage(reg, 'team/app', 'multi', { platforms });
      const list = await pushImage(reg, 'team/docker', 'list', { format: 'docker', platforms });
      assert.equal(single.mediaType, 'application/vnd.oci.image.manifest.v1+json');
      assert.deepEqual(single.childDigests, {});
      assert.equal(multi.mediaType, 'application/vnd.oci.image.index.v1+json');
      assert.deepEqual(Object.keys(multi.childDigests), ['linux/amd64', 'linux/arm/v7']);
      assert.equal(list.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');

      assert.deepEqual(await listTags(reg, 'team/app'), ['1.0', 'multi']);
      assert.deepEqual(await listTags(reg, 'team/missing'), []);
      assert.deepEqual(await listRepositories(reg), ['team/app', 'team/docker']);
      assert.equal(await manifestDigest(reg, 'team/app', '1.0'), single.digest);
      assert.equal(await manifestDigest(reg, 'team/app', 'multi'), multi.digest);
      // A Docker list read without the list type would come back as its amd64 child.
      assert.equal(await manifestDigest(reg, 'team/docker', 'list'), list.digest);
      for (const child of Object.values(multi.childDigests)) assert.equal(await manifestDigest(reg, 'team/app', child), child);
      assert.equal(await manifestDigest(reg, 'team/app', 'nope'), undefined);
      assert.equal(await reg.manifestPuts(), 1 + 3 + 3);

      // skopeo, as dregsy runs it: the raw index hashes to our digest, tags are listed.
      const sk = await skopeoOptions(reg, '127.0.0.1');
      const raw = await skopeo(['inspect', '--raw', ...sk, `docker://${reg.host}/team/app:multi`]);
      assert.equal(sha256(raw), multi.digest);
      const tags = JSON.parse(await skopeo(['list-tags', ...sk, `docker://${reg.host}/team/app`])) as { Tags: string[] };
      assert.deepEqual(tags.Tags.sort(), ['1.0', 'multi']);
      // skopeo picks the arm/v7 child of the Docker list and reads its config; note that its
      // "Digest" is that of the list the tag names, not of the child.
      const inspected = JSON.parse(await skopeo(['--override-arch=arm', '--override-variant=v7', 'inspect', ...sk, `docker://${reg.host}/team/docker:list`])) as {
        Digest: string;
        Architecture: string;
        Os: string;
        Labels: Record<string, string>;
      };
      assert.equal(inspected.Digest, list.digest);
      assert.equal(inspected.Architecture, 'arm');
      assert.equal(inspected.Os, 'linux');
      assert.ok(inspected.Labels['org.dregsy.test.label'], 'the label is in the config');
      if (reg.certsDir) {
        // The server certificate also names localhost, as the e2e tests address targets.
        const viaLocalhost = await skopeo(['inspect', '--raw', ...sk, `docker://localhost:${reg.port}/team/app:1.0`]);
        assert.equal(sha256(viaLocalhost), single.digest);
      }
      if (reg.auth !== 'none') {
        const anonymous = ['--no-creds', ...sk.filter((a) => !a.startsWith('--authfile'))];
        await assert.rejects(skopeo(['list-tags', ...anonymous, `docker://${reg.host}/team/app`]), /unauthorized|authentication required|401/i);
      }
    });
  }
});

test('skopeo copies a pushed multi-platform image and its blobs intact', async () => {
  const reg = await started({});
  const pushed = await pushImage(reg, 'src/app', 'v1', { platforms });
  await skopeo(['copy', '--all', '--src-tls-verify=false', '--dest-tls-verify=false', '--src-no-creds', '--dest-no-creds', `docker://${reg.host}/src/app:v1`, `docker://${reg.host}/dst/app:v1`]);
  assert.equal(await manifestDigest(reg, 'dst/app', 'v1'), pushed.digest);
});

test('skopeo copies between two mutual-TLS token-auth registries, the target named localhost', async () => {
  const [source, target] = await Promise.all([
    started({ tls: 'mtls', auth: 'token', users: { src: 'src-Pa55' } }),
    started({ tls: 'mtls', auth: 'token', users: { dst: 'dst-Pa55' }, accessLog: true }),
  ]);
  const pushed = await pushImage(source, 'team/app', 'v1', { platforms });
  const src = await skopeoOptions(source, '127.0.0.1');
  const dst = await skopeoOptions(target, '127.0.0.1');
  const as = (prefix: string, opts: string[]) => opts.map((o) => o.replace(/^--/, `--${prefix}-`));
  await skopeo(['copy', '--all', ...as('src', src), ...as('dest', dst), `docker://${source.host}/team/app:v1`, `docker://localhost:${target.port}/mirror/app:v1`]);
  assert.equal(await manifestDigest(target, 'mirror/app', 'v1'), pushed.digest);
  assert.equal(await target.manifestPuts(), 3, 'two children and the index');
});

test('pushTags gives every tag its own digest; catalog and tag pagination are followed', async () => {
  const reg = await started({});
  const pushed = await pushTags(reg, 'many/app', ['a', 'b', 'c']);
  assert.equal(new Set(Object.values(pushed).map((p) => p.digest)).size, 3);
  await pushImage(reg, 'other/app', 'x');
  // n=1 forces one entry per page, so the Link header must be followed.
  assert.deepEqual(await collectPages(clientOf(reg), '/v2/_catalog?n=1', 'repositories'), ['many/app', 'other/app']);
  assert.deepEqual((await collectPages(clientOf(reg), '/v2/many/app/tags/list?n=1', 'tags'))?.sort(), ['a', 'b', 'c']);
  assert.equal(await reg.accessLog(), '', 'no access log unless asked for');
  assert.equal(await reg.manifestPuts(), 0);
});

test('the same label gives the same digest, a different label a different one', async () => {
  const reg = await started({});
  const a = await pushImage(reg, 'l/app', 'a', { label: 'same' });
  const b = await pushImage(reg, 'l/app', 'b', { label: 'same' });
  const c = await pushImage(reg, 'l/app', 'c', { label: 'other' });
  assert.equal(a.digest, b.digest);
  assert.notEqual(a.digest, c.digest);
});

test('auth is enforced: no or wrong credentials are refused by the registry and the token server', async () => {
  const basicReg = await started({ auth: 'htpasswd', users: { alice: 'pw-a' } });
  const tokenReg = await started({ auth: 'token', users: { bob: 'pw-b' } });
  const client = clientOf(tokenReg);
  const challenge = await client.raw('GET', '/v2/team/app/tags/list');
  assert.equal(challenge.status, 401);
  const { scheme, params } = parseChallenge(header(challenge, 'www-authenticate') ?? '');
  assert.equal(scheme, 'bearer');
  const realm = `${params.realm}?service=${params.service}&scope=${params.scope}`;
  const basic = (user: string, pw: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });
  assert.equal((await client.raw('GET', realm)).status, 401);
  assert.equal((await client.raw('GET', realm, { headers: basic('bob', 'wrong') })).status, 401);
  const good = await client.raw('GET', realm, { headers: basic('bob', 'pw-b') });
  assert.equal(good.status, 200);
  const body = JSON.parse(good.body.toString()) as { token: string; access_token: string; expires_in: number };
  assert.equal(body.token, body.access_token);
  const claims = JSON.parse(Buffer.from(body.token.split('.')[1]!, 'base64url').toString()) as { sub: string; access: unknown };
  assert.equal(claims.sub, 'bob');
  assert.deepEqual(claims.access, [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
  // A token signed by us is accepted by the registry.
  assert.equal((await client.raw('GET', '/v2/team/app/tags/list', { headers: { authorization: `Bearer ${body.token}` } })).status, 404);
  assert.equal((await clientOf(basicReg).raw('GET', '/v2/')).status, 401);
  assert.equal((await clientOf(basicReg).raw('GET', '/v2/', { headers: basic('alice', 'nope') })).status, 401);
});

test('mutual TLS refuses a client without a certificate', async () => {
  const reg = await started({ tls: 'mtls' });
  const ca = await readFile(join(reg.certsDir!, '127.0.0.1', 'ca.crt'), 'utf8');
  const agent = new Agent({ connect: { ca } });
  try {
    await assert.rejects(request(`https://127.0.0.1:${reg.port}/v2/`, { dispatcher: agent }).then((r) => r.body.dump()));
  } finally {
    await agent.destroy();
  }
});

test('a taken fixed port rejects with the registry stderr; stop is safe twice and removes the dir', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(startRegistry({ port }), /address already in use/);
  } finally {
    blocker.close();
  }
  const reg = await startRegistry({ port });
  assert.equal(reg.port, port);
  await Promise.all([reg.stop(), reg.stop()]);
  await reg.stop();
  await assert.rejects(access(reg.dataDir));
});

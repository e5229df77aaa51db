import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Location } from '../config/schema.js';
import { silentLogger } from '../log/logger.js';
import { Redactor } from '../log/redact.js';
import { createCredentialSources } from './credential-sources.js';
import { resolveEndpoint } from './endpoint.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dregsy-endpoint-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { 'reg.example.com': { auth: b64('docker-user:docker-pw') } } }));
});
after(() => rm(dir, { recursive: true, force: true }));

function context(dockerConfig = true) {
  const redactor = new Redactor();
  const sources = createCredentialSources({
    logger: silentLogger(),
    dockerConfigDir: dockerConfig ? dir : undefined,
    baseDir: dir,
    authRefreshMs: () => undefined,
  });
  return { redactor, ctx: { certsDir: '/certs', redactor, sources } };
}

const loc = (l: Partial<Location>): Location => ({ registry: 'reg.example.com', ...l }) as Location;

test('auth, then auth-file, then the docker config; auth none stops the lookup', async () => {
  const { ctx, redactor } = context();
  const cases: Array<[Partial<Location>, unknown]> = [
    [{ auth: b64('cfg:cfg-pw') }, { username: 'cfg', password: 'cfg-pw' }],
    [{ auth: 'none' }, undefined],
    [{}, { username: 'docker-user', password: 'docker-pw' }],
    [{ registry: 'other.example.com' }, undefined],
  ];
  for (const [l, want] of cases) assert.deepEqual((await resolveEndpoint(loc(l), ctx)).credentials, want, JSON.stringify(l));
  assert.equal(redactor.redact('docker-pw cfg-pw'), '*** ***');
  const off = context(false);
  assert.equal((await resolveEndpoint(loc({}), off.ctx)).credentials, undefined, 'use-docker-config: false');
});

test('an auth-file is read at every resolve (rotation), relative to the config folder, and redacted', async () => {
  const { ctx, redactor } = context();
  await writeFile(join(dir, 'secret'), `  ${b64('file-user:first-pw')}\n`);
  assert.deepEqual((await resolveEndpoint(loc({ 'auth-file': 'secret' }), ctx)).credentials, { username: 'file-user', password: 'first-pw' });
  await writeFile(join(dir, 'secret'), b64(JSON.stringify({ username: 'file-user', password: 'second-pw' })));
  assert.deepEqual((await resolveEndpoint(loc({ 'auth-file': join(dir, 'secret') }), ctx)).credentials, { username: 'file-user', password: 'second-pw' });
  assert.equal(redactor.redact('first-pw second-pw'), '*** ***');

  await writeFile(join(dir, 'secret'), 'not base64 but-a-secret');
  await assert.rejects(resolveEndpoint(loc({ 'auth-file': 'secret' }), ctx), (e: Error) => /auth-file '.*secret': invalid Auth/.test(e.message) && !e.message.includes('but-a-secret'));
  await assert.rejects(resolveEndpoint(loc({ 'auth-file': 'missing' }), ctx), /cannot read auth-file '.*missing': no such file/);
  await writeFile(join(dir, 'secret'), '\n');
  await assert.rejects(resolveEndpoint(loc({ 'auth-file': 'secret' }), ctx), /auth-file '.*secret' is empty/);
});

test("public ECR's <account>[:<region>]@ prefix is not part of the host skopeo talks to", async () => {
  const { ctx } = context(false);
  const ep = await resolveEndpoint(loc({ registry: '123456789012:us-east-1@public.ecr.aws', 'skip-tls-verify': true }), ctx);
  assert.deepEqual(ep, { registry: 'public.ecr.aws', skipTlsVerify: true, certsDir: '/certs', credentials: undefined });
  assert.equal((await resolveEndpoint(loc({ registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com' }), ctx)).registry, '123456789012.dkr.ecr.eu-west-1.amazonaws.com');
});

test('the docker config is read once for many task runs, and again once its reuse time is over', async () => {
  const own = await mkdtemp(join(tmpdir(), 'dregsy-endpoint-reuse-'));
  try {
    const write = (user: string) => writeFile(join(own, 'config.json'), JSON.stringify({ auths: { 'reg.example.com': { auth: b64(`${user}:pw`) } } }));
    await write('first');
    let now = 1_000_000;
    const sources = createCredentialSources({ logger: silentLogger(), dockerConfigDir: own, baseDir: own, authRefreshMs: () => undefined, now: () => now });
    const user = async () => (await sources.dockerConfigCredentials('reg.example.com'))?.username;
    assert.equal(await user(), 'first');
    await write('second'); // `docker login` while dregsy runs
    now += 5_000;
    assert.equal(await user(), 'first', 'within the reuse time the file is not read again');
    now += 5_000;
    assert.equal(await user(), 'second', 'after it, the change is seen');
  } finally {
    await rm(own, { recursive: true, force: true });
  }
});

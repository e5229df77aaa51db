/**
 * Cloud registry credentials through the built CLI and the real skopeo: the real AWS SDK
 * against a local server speaking the ECR / ECR Public protocol, google-auth-library against a
 * local metadata server, and real registries with basic auth that accept exactly the tokens
 * those hand out. The cloud host names reach the local registries through a CONNECT proxy
 * (HTTPS_PROXY), as the names do not resolve here.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, test } from 'node:test';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { FAKE_AWS_KEY_ID, fakeAwsEnv, startFakeAws } from '../support/fake-aws.js';
import { startFakeGceMetadata } from '../support/fake-gce-metadata.js';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig, type CliResult } from './dregsy-cli.js';

const ECR_PW = 'Ecr-T0ken-Pw-9f3a1c';
const GCR_TOKEN = 'ya29.dregsy-test-access-token-7d2e';
const SRC_ECR = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
const DST_ECR = '222222222222.dkr.ecr.us-east-1.amazonaws.com';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await makeTempDir(prefix);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function registry(users: Record<string, string>): Promise<TestRegistry> {
  const reg = await startRegistry({ tls: 'tls', auth: 'htpasswd', users });
  cleanups.push(() => reg.stop());
  return reg;
}

async function proxy(): Promise<ConnectProxy> {
  const p = await startConnectProxy();
  cleanups.push(() => p.stop());
  return p;
}

/** Besides the hermetic defaults (dregsy-cli.ts): its own HOME, docker config, proxy. */
function isolatedEnv(home: string, p: ConnectProxy): Record<string, string> {
  return { HOME: home, DOCKER_CONFIG: `${home}/.docker`, HTTPS_PROXY: p.url, NO_PROXY: '127.0.0.1,localhost', GOOGLE_APPLICATION_CREDENTIALS: '' };
}

function assertNoSecret(r: CliResult, secrets: string[]): void {
  for (const s of secrets) {
    assert.ok(!r.stdout.includes(s), `stdout leaked a secret`);
    assert.ok(!r.stderr.includes(s), `stderr leaked a secret`);
  }
}

const forms = (user: string, pw: string) => [pw, `${user}:${pw}`, Buffer.from(`${user}:${pw}`).toString('base64')];

test('ECR: an ECR source listed through the AWS API, ECR and public ECR targets created on first push', async () => {
  const dir = await tempDir('dregsy-e2e-ecr-');
  const [src, dst, pub] = await Promise.all([registry({ AWS: ECR_PW }), registry({ AWS: ECR_PW }), registry({ AWS: ECR_PW })]);
  // One after another: the support client answers the registry's auth challenge per push.
  for (const [repo, tags] of [['team/a', ['1', '2']], ['team/b', ['1']], ['other/c', ['1']]] as const) await pushTags(src, repo, [...tags]);
  const aws = await startFakeAws({ password: ECR_PW, repositories: { '111111111111': ['team/a', 'team/b', 'other/c'], '222222222222': ['unrelated'] }, pageSize: 2, callerAccount: '333333333333' });
  cleanups.push(() => aws.stop());
  const p = await proxy();
  p.route(SRC_ECR, src.port);
  p.route(DST_ECR, dst.port);
  p.route('public.ecr.aws', pub.port);

  const file = await writeConfig(
    dir,
    `relay: skopeo
tasks:
  - name: private
    source: { registry: ${SRC_ECR}, auth-refresh: 10h, skip-tls-verify: true }
    target: { registry: ${DST_ECR}, auth-refresh: 10h, skip-tls-verify: true }
    mappings:
      - from: regex:team/.*
  - name: public
    source: { registry: ${SRC_ECR}, auth-refresh: 10h, skip-tls-verify: true }
    target: { registry: "333333333333:us-east-1@public.ecr.aws", auth-refresh: 10h, skip-tls-verify: true }
    mappings:
      - from: team/a
        to: dregsy-test/app
        tags: ['1']
`,
  );
  const r = await runDregsy([`-config=${file}`], { env: { ...isolatedEnv(dir, p), ...fakeAwsEnv(aws, dir) } });
  assert.equal(r.code, 0, r.stdout + r.stderr);

  assert.deepEqual(await listTags(dst, 'team/a'), ['1', '2']);
  assert.deepEqual(await listTags(dst, 'team/b'), ['1']);
  assert.deepEqual(await listTags(dst, 'other/c').catch(() => []), [], 'the regex does not select other/c');
  assert.deepEqual(await listTags(pub, 'dregsy-test/app'), ['1']);

  // The repositories did not exist: described, then created, once each (public: without the alias).
  assert.deepEqual([...aws.created].sort(), ['ecr-public:333333333333/app', 'ecr:222222222222/team/a', 'ecr:222222222222/team/b']);
  const listing = aws.calls.filter((c) => c.action === 'DescribeRepositories' && !c.body.repositoryNames);
  assert.equal(listing.length, 2, 'three repositories, pages of two: the lister followed nextToken');
  assert.ok(listing.every((c) => c.body.registryId === '111111111111' && c.region === 'eu-west-1'));
  const tokens = aws.calls.filter((c) => c.action === 'GetAuthorizationToken');
  assert.deepEqual([...new Set(tokens.map((c) => `${c.service}/${c.region}`))].sort(), ['ecr-public/us-east-1', 'ecr/eu-west-1', 'ecr/us-east-1']);
  assert.equal(tokens.filter((c) => c.service === 'ecr' && c.region === 'eu-west-1').length, 1, 'one token per registry, reused by both tasks');
  assert.ok(aws.calls.every((c) => c.accessKeyId === FAKE_AWS_KEY_ID), 'the SDK signed with the keys from the environment');
  assert.ok(p.connects.includes(`${DST_ECR}:443`) && p.connects.includes('public.ecr.aws:443'));
  assert.match(r.stdout, /created ECR repository 'team\/a'/);
  assertNoSecret(r, forms('AWS', ECR_PW));
});

test('GCR: a token from the metadata server as user oauth2accesstoken; without Google credentials, dregsy says why', async () => {
  const dir = await tempDir('dregsy-e2e-gcr-');
  const gcr = await registry({ oauth2accesstoken: GCR_TOKEN });
  const target = await startRegistry();
  cleanups.push(() => target.stop());
  await pushTags(gcr, 'my-project/app', ['v1', 'v2']);
  const metadata = await startFakeGceMetadata({ token: () => GCR_TOKEN });
  cleanups.push(() => metadata.stop());
  const p = await proxy();
  p.route('eu.gcr.io', gcr.port);

  const file = await writeConfig(
    dir,
    `relay: skopeo
tasks:
  - name: from-gcr
    source: { registry: eu.gcr.io, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: my-project/app
        to: mirror/app
`,
  );
  const r = await runDregsy([`-config=${file}`], { env: { ...isolatedEnv(dir, p), GCE_METADATA_HOST: metadata.host } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(await listTags(target, 'mirror/app'), ['v1', 'v2']);
  assert.ok(metadata.requests.includes('GET /computeMetadata/v1/instance/service-accounts/default/token'), metadata.requests.join('\n'));
  assert.ok(!metadata.requests.some((l) => l.endsWith('!flavor')), 'every request carried Metadata-Flavor: Google');
  assertNoSecret(r, forms('oauth2accesstoken', GCR_TOKEN));

  // No key file, no metadata server: the task fails with dregsy's reason, the next run may succeed.
  const none = await runDregsy([`-config=${file}`], { env: { ...isolatedEnv(dir, p), METADATA_SERVER_DETECTION: 'none' } });
  assert.equal(none.code, 1);
  assert.match(none.stdout, /no token for Google registry 'eu\.gcr\.io': neither GOOGLE_APPLICATION_CREDENTIALS set, nor a GCE instance/);
});

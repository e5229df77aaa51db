/**
 * Warm runs between private ECR registries read digests through the ECR API (DescribeImages,
 * paged) instead of one HEAD per tag: the real AWS SDK against a local server speaking ECR's
 * protocol, which answers from the real registries the ECR hosts are routed to (CONNECT proxy).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, test } from 'node:test';
import { startConnectProxy } from '../support/connect-proxy.js';
import { fakeAwsEnv, startFakeAws } from '../support/fake-aws.js';
import { listTags, makeTempDir, manifestDigest, pushImage, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

const ECR_PW = 'Ecr-T0ken-Pw-4b7e21';
const SRC_ECR = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
const DST_ECR = '222222222222.dkr.ecr.us-east-1.amazonaws.com';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const TAGS = ['1', '2', '3', '4', '5'];

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** What DescribeImages answers: the real registry's tags and digests. */
async function imagesOf(reg: TestRegistry, repo: string): Promise<Array<{ digest: string; tags: string[]; mediaType: string }>> {
  const tags = await listTags(reg, repo).catch(() => [] as string[]);
  const byDigest = new Map<string, string[]>();
  for (const tag of tags) {
    const digest = await manifestDigest(reg, repo, tag);
    if (digest) byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag]);
  }
  return [...byDigest].map(([digest, t]) => ({ digest, tags: t, mediaType: OCI_MANIFEST }));
}

/** dregsy's HEADs of manifests (the fake's own reads of the registry have another User-Agent). */
const manifestHeads = (log: string) => log.split('\n').filter((l) => /"HEAD \/v2\/[^"]*\/manifests\//.test(l) && /"dregsy"\s*$/.test(l)).length;

test('ECR to ECR: a warm run asks the ECR API for digests, sends no HEAD per tag, and still sees a changed tag', async () => {
  const dir = await makeTempDir('dregsy-e2e-ecr-digests-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [src, dst] = await Promise.all([0, 1].map(() => startRegistry({ tls: 'tls', auth: 'htpasswd', users: { AWS: ECR_PW }, accessLog: true })));
  cleanups.push(async () => void (await Promise.all([src!.stop(), dst!.stop()])));
  const pushed = await pushTags(src!, 'team/app', TAGS);
  const registries: Record<string, TestRegistry> = { '111111111111': src!, '222222222222': dst! };
  const aws = await startFakeAws({ password: ECR_PW, repositories: { '111111111111': ['team/app'], '222222222222': [] }, pageSize: 2, images: (account, repo) => imagesOf(registries[account]!, repo) });
  cleanups.push(() => aws.stop());
  const proxy = await startConnectProxy({ [SRC_ECR]: src!.port, [DST_ECR]: dst!.port });
  cleanups.push(() => proxy.stop());
  const env = { HOME: dir, DOCKER_CONFIG: `${dir}/.docker`, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1,localhost', ...fakeAwsEnv(aws, dir) };
  const file = await writeConfig(
    dir,
    `relay: skopeo
tasks:
  - name: ecr
    source: { registry: ${SRC_ECR}, auth-refresh: 10h, skip-tls-verify: true }
    target: { registry: ${DST_ECR}, auth-refresh: 10h, skip-tls-verify: true }
    mappings:
      - from: team/app
`,
  );
  const cold = await runDregsy([`-config=${file}`], { env });
  assert.equal(cold.code, 0, cold.stdout + cold.stderr);
  assert.deepEqual(await listTags(dst!, 'team/app'), TAGS);

  const heads = async () => manifestHeads(await src!.accessLog()) + manifestHeads(await dst!.accessLog());
  const before = await heads();
  const callsBefore = aws.calls.length;
  const warm = await runDregsy([`-config=${file}`], { env: { ...env, LOG_LEVEL: 'debug' } });
  assert.equal(warm.code, 0, warm.stdout + warm.stderr);
  assert.doesNotMatch(warm.stdout, /copied /);
  assert.equal((warm.stdout.match(/unchanged team\/app:/g) ?? []).length, TAGS.length, warm.stdout);
  assert.equal((await heads()) - before, 0, 'no HEAD per tag on either side');
  const described = aws.calls.slice(callsBefore).filter((c) => c.action === 'DescribeImages');
  // Five tags in pages of two: three calls per side, following nextToken.
  assert.deepEqual(described.map((c) => `${c.body.registryId as string}:${c.body.repositoryName as string}`).sort(), [
    ...Array(3).fill('111111111111:team/app'),
    ...Array(3).fill('222222222222:team/app'),
  ]);
  assert.ok(described.every((c) => (c.body.filter as { tagStatus?: string }).tagStatus === 'TAGGED'));

  // A changed source tag is seen through the listing, and only it is copied.
  const changed = await pushImage(src!, 'team/app', '3', { label: 'changed' });
  assert.notEqual(changed.digest, pushed['3']!.digest);
  const again = await runDregsy([`-config=${file}`], { env });
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.deepEqual([...again.stdout.matchAll(/copied (team\/app:\S+)/g)].map((m) => m[1]), ['team/app:3']);
  assert.equal(await manifestDigest(dst!, 'team/app', '3'), changed.digest);
});

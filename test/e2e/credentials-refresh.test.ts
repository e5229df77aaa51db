/**
 * A daemon keeps syncing across credential changes without a restart: an ECR token that
 * expires between two runs of a periodic task (fetched again from the AWS API, real SDK
 * against a local ECR server) and an `auth-file` whose content is rotated between two runs.
 * Between the runs both target "registries" change their password: the CONNECT proxy routes
 * the host names to new registries that accept only the new credentials, so a run with the
 * old credentials would fail. About 35 s: the shortest interval dregsy allows is 30 s.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startConnectProxy } from '../support/connect-proxy.js';
import { fakeAwsEnv, startFakeAws } from '../support/fake-aws.js';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { authOf, runDregsy, writeConfig } from './dregsy-cli.js';

const ECR = '222222222222.dkr.ecr.us-east-1.amazonaws.com';
const MIRROR = 'mirror.registry.test';
const ECR_PW = ['Ecr-First-Pw-1a2b3c', 'Ecr-Second-Pw-4d5e6f'] as const;
const FILE_PW = ['File-First-Pw-7a8b9c', 'File-Second-Pw-0d1e2f'] as const;

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function registry(users?: Record<string, string>): Promise<TestRegistry> {
  const reg = await startRegistry(users ? { tls: 'tls', auth: 'htpasswd', users } : {});
  cleanups.push(() => reg.stop());
  return reg;
}

/** Resolves once `check` holds, polling; rejects with `what` after `ms`. */
async function until(what: string, ms: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const hasApp = (reg: TestRegistry) => listTags(reg, 'team/app').then((t) => t.includes('1'), () => false);
const runsFinished = (stdout: string) => (stdout.match(/task run finished/g) ?? []).length;

test('an ECR token that expires and a rotated auth-file are renewed between two runs of a daemon', { timeout: 90_000 }, async () => {
  const dir = await makeTempDir('dregsy-e2e-refresh-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [source, ecr1, ecr2, mirror1, mirror2] = await Promise.all([
    registry(),
    registry({ AWS: ECR_PW[0] }),
    registry({ AWS: ECR_PW[1] }),
    registry({ deployer: FILE_PW[0] }),
    registry({ deployer: FILE_PW[1] }),
  ]);
  await pushTags(source, 'team/app', ['1']);
  // Tokens live 20 s: due for renewal well before the second run, 30 s after the first.
  const aws = await startFakeAws({ password: ECR_PW[0], expiresInSeconds: 20 });
  cleanups.push(() => aws.stop());
  const proxy = await startConnectProxy({ [ECR]: ecr1.port, [MIRROR]: mirror1.port });
  cleanups.push(() => proxy.stop());
  const secrets = join(dir, 'secrets');
  await mkdir(secrets);
  await writeFile(join(secrets, 'mirror'), `${authOf('deployer', FILE_PW[0])}\n`);

  const file = await writeConfig(
    dir,
    `relay: skopeo
tasks:
  - name: to-ecr
    interval: 30
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${ECR}, auth-refresh: 1h, skip-tls-verify: true }
    mappings: [{ from: team/app }]
  - name: to-mirror
    interval: 30
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${MIRROR}, auth-file: "\${SECRETS}/mirror", skip-tls-verify: true }
    mappings: [{ from: team/app }]
`,
  );
  let rotated = false;
  let failure: unknown;
  const env = { ...fakeAwsEnv(aws, dir), HOME: dir, DOCKER_CONFIG: join(dir, 'docker'), HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1,localhost', SECRETS: secrets };
  const r = await runDregsy([`-config=${file}`], {
    env,
    timeoutMs: 80_000,
    onSpawn: async (child, out) => {
      await (async () => {
        await until('the first runs', 20_000, async () => runsFinished(out.stdout()) >= 2 && (await hasApp(ecr1)) && (await hasApp(mirror1)));
        // The registries now accept only new passwords; AWS hands out the new one; the Secret is rotated.
        aws.setPassword(ECR_PW[1]);
        proxy.route(ECR, ecr2.port);
        await writeFile(join(secrets, 'mirror'), `${authOf('deployer', FILE_PW[1])}\n`);
        proxy.route(MIRROR, mirror2.port);
        rotated = true;
        await until('the second runs', 45_000, async () => runsFinished(out.stdout()) >= 4 && (await hasApp(ecr2)) && (await hasApp(mirror2)));
      })()
        .catch((e: unknown) => (failure = e))
        .finally(() => child.kill('SIGTERM'));
    },
  });
  assert.equal(failure, undefined, `${String(failure)}\n${r.stdout}${r.stderr}`);
  assert.ok(rotated);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(await listTags(ecr2, 'team/app'), ['1']);
  assert.deepEqual(await listTags(mirror2, 'team/app'), ['1']);

  const tokenCalls = aws.calls.filter((c) => c.action === 'GetAuthorizationToken');
  assert.equal(tokenCalls.length, 2, 'one token per run: the first expired before the second run (auth-refresh 1h alone would not renew)');
  assert.deepEqual(aws.created, [`ecr:222222222222/team/app`], 'created once; the second run found it');
  assert.doesNotMatch(r.stdout, /unauthorized|cannot compare digests|ERROR/i);
  for (const s of [...ECR_PW, ...FILE_PW]) {
    for (const form of [s, Buffer.from(`AWS:${s}`).toString('base64'), Buffer.from(`deployer:${s}`).toString('base64')]) {
      assert.ok(!r.stdout.includes(form) && !r.stderr.includes(form), 'a secret leaked into the output');
    }
  }
});

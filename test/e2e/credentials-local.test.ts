/**
 * Credentials a config does not hold itself, through the built CLI and the real skopeo:
 * the user's docker config.json (a static `auths` entry and a `credHelpers` helper script on
 * PATH, asked over stdin), the switch that turns that off, and `${VAR}` references.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { authOf, runDregsy, writeConfig, type CliResult } from './dregsy-cli.js';

const HELPER_PW = 'Helper-S3cret-4f8e2a';
const STATIC_PW = 'Static-S3cret-9c1d7b';
const ENV_PW = 'Env-S3cret-3e5a0f';

let dir: string;
let source: TestRegistry;
let target: TestRegistry;
let envTarget: TestRegistry;
let env: Record<string, string>;
before(async () => {
  dir = await makeTempDir('dregsy-e2e-credlocal-');
  [source, target, envTarget] = await Promise.all([
    startRegistry({ auth: 'htpasswd', users: { 'helper-user': HELPER_PW } }),
    startRegistry({ auth: 'htpasswd', users: { 'static-user': STATIC_PW } }),
    startRegistry({ auth: 'htpasswd', users: { 'env-user': ENV_PW } }),
  ]);
  await pushTags(source, 'team/app', ['1', '2']);

  // A credential helper as docker runs it: `docker-credential-test get`, server URL on stdin.
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const helper = join(bin, 'docker-credential-test');
  await writeFile(
    helper,
    `#!/bin/sh
read -r server
echo "$* $server" >> "${join(dir, 'helper.log')}"
if [ "$server" = "${source.host}" ]; then
  printf '{"ServerURL":"%s","Username":"helper-user","Secret":"%s"}\\n' "$server" "$HELPER_SECRET"
else
  echo "credentials not found in native keychain"
  exit 1
fi
`,
  );
  await chmod(helper, 0o755);
  const dockerDir = join(dir, 'docker');
  await mkdir(dockerDir);
  await writeFile(
    join(dockerDir, 'config.json'),
    JSON.stringify({
      auths: { [`http://${target.host}`]: { auth: Buffer.from(`static-user:${STATIC_PW}`).toString('base64') }, [source.host]: {} },
      credHelpers: { [source.host]: 'test' },
    }),
  );
  env = { HOME: dir, DOCKER_CONFIG: dockerDir, PATH: `${bin}:${process.env.PATH ?? ''}`, HELPER_SECRET: HELPER_PW };
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop(), envTarget?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

function assertNoSecret(r: CliResult): void {
  for (const [user, pw] of [['helper-user', HELPER_PW], ['static-user', STATIC_PW], ['env-user', ENV_PW]] as const) {
    for (const s of [pw, Buffer.from(`${user}:${pw}`).toString('base64'), authOf(user, pw)]) {
      assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), 'a secret leaked into the output');
    }
  }
}

const task = (name: string, head = '') => `${head}relay: skopeo
tasks:
  - name: ${name}
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: ${name}/app }]
`;

test('a location without auth uses the docker config: a credential helper and a static auths entry', async () => {
  const file = await writeConfig(dir, task('docker-config'), 'docker-config.yaml');
  const r = await runDregsy([`-config=${file}`], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(await listTags(target, 'docker-config/app'), ['1', '2']);
  const asked = (await readFile(join(dir, 'helper.log'), 'utf8')).trim().split('\n');
  assert.ok(asked.includes(`get ${source.host}`), `the helper got 'get' in argv and the server on stdin: ${asked.join(' | ')}`);
  assert.ok(!asked.some((l) => l.includes(target.host)), 'a registry without a helper of its own is not asked for (no credsStore)');
  assertNoSecret(r);
});

test("'use-docker-config: false' turns the lookup off: the same registries refuse anonymous access", async () => {
  const file = await writeConfig(dir, task('no-docker-config', 'use-docker-config: false\n'), 'no-docker-config.yaml');
  const r = await runDregsy([`-config=${file}`], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /unauthorized|authentication required/i);
  assert.deepEqual(await listTags(target, 'no-docker-config/app').catch(() => []), []);
});

test('${VAR} in the config takes values from the environment; an unset one is a config error with its line', async () => {
  const yaml = `relay: skopeo
tasks:
  - name: from-env
    source: { registry: "\${SRC}", skip-tls-verify: true }
    target: { registry: ${envTarget.host}, auth: "\${DST_AUTH}", skip-tls-verify: true }
    mappings: [{ from: team/app, to: env/app, tags: ['1'] }]
`;
  const file = await writeConfig(dir, yaml, 'env.yaml');
  const r = await runDregsy([`-config=${file}`], { env: { ...env, SRC: source.host, DST_AUTH: authOf('env-user', ENV_PW) }, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(await listTags(envTarget, 'env/app'), ['1']);
  assertNoSecret(r);

  const unset = await runDregsy([`-config=${file}`], { env: { ...env, SRC: source.host, DST_AUTH: undefined } });
  assert.equal(unset.code, 2, unset.stdout + unset.stderr);
  assert.ok(unset.stderr.includes(`${file}:5: tasks[0].target.auth: environment variable 'DST_AUTH' is not set`), unset.stderr);
  assert.doesNotMatch(unset.stdout, /task run started/);
});

/**
 * `auth: none` means anonymous, and the host's own credential files stay out of every copy
 * unless the config asks for them: skopeo 1.9 reads `~/.docker/config.json`,
 * `~/.config/containers/auth.json`, `$XDG_RUNTIME_DIR/containers/auth.json`, `$DOCKER_CONFIG`
 * and `$REGISTRY_AUTH_FILE` even when it is given an authfile. Each case puts credentials for
 * a password-protected target where skopeo would find them; the push must be refused (401)
 * through the built CLI and the real skopeo.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let source: TestRegistry; // anonymous
let target: TestRegistry; // htpasswd, user tester
let dir: string;

before(async () => {
  dir = await makeTempDir('dregsy-e2e-anon-');
  [source, target] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd' })]);
  await pushTags(source, 'team/app', ['1.0']);
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** An auth file in the format both docker and containers use, holding the target's real credentials. */
const authJson = () => JSON.stringify({ auths: { [target.host]: { auth: Buffer.from(`tester:${target.users.tester}`).toString('base64') } } });

async function put(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
}

/** Where skopeo would find credentials, as [case, files to write under the case's home, env]. */
const placements: Array<[string, (home: string) => Record<string, string>, (home: string) => Record<string, string>]> = [
  ['~/.docker/config.json', (h) => ({ [join(h, '.docker/config.json')]: authJson() }), () => ({})],
  ['~/.config/containers/auth.json', (h) => ({ [join(h, '.config/containers/auth.json')]: authJson() }), () => ({})],
  ['$XDG_RUNTIME_DIR/containers/auth.json', (h) => ({ [join(h, 'run/containers/auth.json')]: authJson() }), (h) => ({ XDG_RUNTIME_DIR: join(h, 'run') })],
  ['$REGISTRY_AUTH_FILE', (h) => ({ [join(h, 'elsewhere.json')]: authJson() }), (h) => ({ REGISTRY_AUTH_FILE: join(h, 'elsewhere.json') })],
  ['$DOCKER_CONFIG/config.json', (h) => ({ [join(h, 'docker-config/config.json')]: authJson() }), (h) => ({ DOCKER_CONFIG: join(h, 'docker-config') })],
];

describe("the host's credentials never reach a copy the config makes anonymous", () => {
  let n = 0;
  for (const [where, files, env] of placements) {
    for (const [what, targetYaml, head] of [
      ['auth: none', `{ registry: "\${TARGET}", skip-tls-verify: true, auth: none }`, ''],
      ['no auth with use-docker-config: false', `{ registry: "\${TARGET}", skip-tls-verify: true }`, 'use-docker-config: false\n'],
    ] as const) {
      test(`${what}, credentials in ${where}: the push is refused`, async () => {
        const home = join(dir, `home-${++n}`);
        for (const [file, content] of Object.entries(files(home))) await put(file, content);
        const repo = `case-${n}/app`;
        const config = await writeConfig(
          dir,
          `${head}relay: skopeo
tasks:
  - name: anonymous
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: ${targetYaml}
    mappings: [{ from: team/app, to: ${repo}, tags: ['1.0'] }]
`,
          `anon-${n}.yaml`,
        );
        const r = await runDregsy([`-config=${config}`], { env: { HOME: home, TARGET: target.host, ...env(home) } });
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(r.stdout, /copy .*team\/app:1\.0 → .* failed.*(401|unauthorized|authentication required)/i);
        assert.deepEqual(await listTags(target, repo), [], 'nothing arrived');
      });
    }
  }
});

test('the docker config still gives credentials when the config asks for it (no auth, use-docker-config on)', async () => {
  const home = join(dir, 'home-wanted');
  await put(join(home, '.docker/config.json'), authJson());
  const config = await writeConfig(
    dir,
    `relay: skopeo
tasks:
  - name: wanted
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/app, to: wanted/app, tags: ['1.0'] }]
`,
    'wanted.yaml',
  );
  const r = await runDregsy([`-config=${config}`], { env: { HOME: home } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(await listTags(target, 'wanted/app'), ['1.0']);
});

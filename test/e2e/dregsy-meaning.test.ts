/**
 * A dregsy config means here what it means to dregsy: `auth` JSON read as Go reads it, `${…}`
 * left to dregsy where dregsy gives it a meaning (regex replacements, comments), and no
 * warning about listers a config does not use. Through the built CLI, the real skopeo and
 * real registries.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { listRepositories, listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let locked: TestRegistry; // htpasswd, user tester
let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];

before(async () => {
  dir = await makeTempDir('dregsy-e2e-meaning-');
  locked = await startRegistry({ auth: 'htpasswd' });
  await pushTags(locked, 'team-x/app', ['1.0']);
  await pushTags(locked, 'team-y/db', ['1.0']);
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await locked?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function freshTarget(): Promise<TestRegistry> {
  const target = await startRegistry({ auth: 'htpasswd' });
  cleanups.push(() => target.stop());
  return target;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

test("auth JSON with keys in another case (Go's JSON matching ignores case) logs in on both sides", async () => {
  const target = await freshTarget();
  const file = await writeConfig(
    dir,
    `relay: skopeo
tasks:
  - name: cased
    source: { registry: ${locked.host}, skip-tls-verify: true, auth: ${b64(`{"Username": "tester", "Password": "${locked.users.tester}"}`)} }
    target: { registry: ${target.host}, skip-tls-verify: true, auth: ${b64(`{"USERNAME": "tester", "PASSWORD": "${target.users.tester}"}`)} }
    mappings: [{ from: team-x/app, tags: ['1.0'] }]
`,
    'cased.yaml',
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(await listTags(target, 'team-x/app'), ['1.0']);
});

test('${…} is dregsy\'s in regex replacements and nobody\'s in comments; ${NAME} elsewhere comes from the environment', async () => {
  const target = await freshTarget();
  const file = await writeConfig(
    dir,
    `# the target's auth comes from \${TARGET_AUTH}; \${NOT_SET_ANYWHERE} is only a comment
relay: skopeo
tasks:
  - name: groups # named \${ALSO_NOT_SET}
    source: { registry: ${locked.host}, skip-tls-verify: true, auth: ${b64(`{"username": "tester", "password": "${locked.users.tester}"}`)} }
    target: { registry: "\${TARGET_HOST}", skip-tls-verify: true, auth: "\${TARGET_AUTH}" }
    mappings:
      - from: regex:team-(x|y)/.*
        to: regex:/team-(?P<team>[a-z])/(.*),/copies/\${team}-\${2}
        tags: ['regex: 1\\.0|x\${NOT_SET_IN_TAGS}']
`,
    'groups.yaml',
  );
  // Variables named like the groups must not take their place.
  const env = { TARGET_HOST: target.host, TARGET_AUTH: b64(`{"username": "tester", "password": "${target.users.tester}"}`), team: 'WRONG' };
  const r = await runDregsy([`-config=${file}`], { env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(await listRepositories(target), ['copies/x-app', 'copies/y-db']);
  assert.deepEqual(await listTags(target, 'copies/x-app'), ['1.0']);
});

test('LOG_METHODS=true names the function and file of each log line, as dregsy (logrus ReportCaller)', async () => {
  const file = await writeConfig(dir, `tasks:\n  - name: methods\n    source: { registry: ${locked.host} }\n    target: { registry: ${locked.host} }\n`, 'methods.yaml');
  const text = await runDregsy([`-config=${file}`], { env: { LOG_METHODS: 'true' } });
  assert.equal(text.code, 0, text.stdout + text.stderr);
  assert.match(text.stdout, /\[methods\] task run started func=runTask file=src\/sync\/run-task\.ts:\d+/);
  const json = await runDregsy([`-config=${file}`], { env: { LOG_METHODS: 'TRUE', LOG_FORMAT: 'json' } });
  const started = json.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'task run started');
  assert.equal(started?.func, 'runTask');
  assert.match(String(started?.file), /^src\/sync\/run-task\.ts:\d+$/);
  const off = await runDregsy([`-config=${file}`]);
  assert.doesNotMatch(off.stdout, /func=/);
});

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

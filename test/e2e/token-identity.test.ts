/**
 * One registry with token auth and two users of different rights, read with one user's
 * credentials and written with other (or no) credentials in the same run: the writes must
 * never ride on the reader's token. The target is the source's own repository, so the target's
 * digest check asks for exactly the scope the source's token was granted: were tokens kept per
 * scope only, the check would find the image "already there" and the run would succeed.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { authOf, runDregsy, writeConfig } from './dregsy-cli.js';

let reg: TestRegistry;
let dir: string;

before(async () => {
  dir = await makeTempDir('dregsy-e2e-token-identity-');
  reg = await startRegistry({ auth: 'token', users: { alice: 'alice-Pa55', bob: 'bob-Pa55' }, grants: { bob: [[/^public\//, ['pull']]] } });
  await pushTags(reg, 'team/app', ['1.0', '2.0']);
});

after(async () => {
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const targets: Array<[string, string]> = [
  ['no credentials', 'auth: none'],
  ["alice's name with a wrong password", `auth: ${authOf('alice', 'wrong-Pa55')}`],
  ['bob, who may only pull public/*', `auth: ${authOf('bob', 'bob-Pa55')}`],
];

for (const [who, auth] of targets) {
  test(`read as alice, written as ${who}: refused, not served with alice's token`, async () => {
    const file = await writeConfig(
      dir,
      `relay: native
tasks:
  - name: two-identities
    source: { registry: ${reg.host}, skip-tls-verify: true, auth: ${authOf('alice', 'alice-Pa55')} }
    target: { registry: ${reg.host}, skip-tls-verify: true, ${auth} }
    mappings:
      - from: team/app
`,
      `${who.replace(/\W+/g, '-')}.yaml`,
    );
    const r = await runDregsy([`-config=${file}`]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /skipped=0 failed=2 /);
    assert.match(r.stdout, /unauthorized/);
    assert.doesNotMatch(r.stdout + r.stderr, /Pa55/, 'no password in the output');
  });
}

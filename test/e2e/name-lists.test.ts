/**
 * Allow and deny lists and the whole-registry `from: '*'` (issue 14 item 4) end to end, through
 * the built CLI and skopeo: each case asserts the exact set of repositories and tags that
 * arrives, worked out by hand from the lists (deny wins over allow; both on top of `tags`).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { listRepositories, listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];
const REPOS = ['team/app', 'team/db', 'team/secret', 'other/x'];

before(async () => {
  dir = await makeTempDir('dregsy-e2e-lists-');
  source = await startRegistry();
  for (const repo of REPOS) await pushTags(source, repo, ['1.0', '1.1-rc1', '2.0', 'latest']);
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await source?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function sync(name: string, mappings: string, top = ''): Promise<TestRegistry> {
  const target = await startRegistry();
  cleanups.push(() => target.stop());
  const file = await writeConfig(
    dir,
    `${top}tasks:
  - name: ${name}
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
${mappings}
`,
    `${name}.yaml`,
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return target;
}

async function contents(target: TestRegistry): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const repo of await listRepositories(target)) out[repo] = await listTags(target, repo);
  return out;
}

test('allow and deny lists on repositories and tags: deny wins, and both narrow a regex selection', async () => {
  const target = await sync(
    'lists',
    `      - from: regex:team/.*
        allow: { tags: ['1\\..*', 'latest'] }
        deny: { repos: [team/secret], tags: ['.*-rc.*', latest] }`,
  );
  assert.deepEqual(await contents(target), { 'team/app': ['1.0'], 'team/db': ['1.0'] });
});

test('lists also apply to a plain path and to verbatim tags', async () => {
  const target = await sync(
    'plain',
    `      - from: team/app
        tags: ['1.0', '2.0', 'latest']
        deny: { tags: ['2\\.0'] }
      - from: team/secret
        deny: { repos: ['team/sec.*'] }`,
  );
  // 2.0 is denied although the mapping names it.
  assert.deepEqual(await contents(target), { 'team/app': ['1.0', 'latest'] });
});

test("from: '*' mirrors every repository of the registry, under a prefix, with the lists applied", async () => {
  const target = await sync(
    'whole',
    `      - from: '*'
        to: mirror
        tags: [latest]
        deny: { repos: ['other/.*'] }`,
  );
  assert.deepEqual(await contents(target), { 'mirror/team/app': ['latest'], 'mirror/team/db': ['latest'], 'mirror/team/secret': ['latest'] });
});

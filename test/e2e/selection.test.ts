/**
 * Issue 3 end to end: dregsy's tag filters, regex image matching and the three listers,
 * through the built CLI and the real skopeo, against a real registry holding tags of every
 * shape. Each case asserts the exact set that arrives in the target. Expectations follow
 * dregsy's documented semantics (reference §A.5, §A.6), worked out by hand.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import {
  listRepositories,
  listTags,
  makeTempDir,
  manifestDigest,
  pushTags,
  startFakeDockerHub,
  startRegistry,
  startSearchFront,
  type PushedImage,
  type TestRegistry,
} from '../support/index.js';
import { authOf, runDregsy, writeConfig } from './dregsy-cli.js';

const TAGS = ['1.30.0', '1.31.0', '1.31.1-musl', 'v1.32.0', '2.0.0-rc1', 'latest', 'edge'];
let source: TestRegistry;
let dir: string;
const pushed: Record<string, Record<string, PushedImage>> = {};
const cleanups: Array<() => Promise<unknown>> = [];

before(async () => {
  dir = await makeTempDir('dregsy-e2e-select-');
  source = await startRegistry();
  for (const repo of ['lib/app', 'team-x/app', 'team-x/tools/cli', 'team-y/db', 'other/thing']) {
    pushed[repo] = await pushTags(source, repo, repo === 'lib/app' ? TAGS : ['1.0', 'latest']);
  }
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await source?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs one task from `source` (or `sourceHost`) into a fresh target; returns the target. */
async function sync(name: string, mappings: string, opts: { sourceYaml?: string; env?: Record<string, string> } = {}): Promise<TestRegistry> {
  const target = await startRegistry();
  cleanups.push(() => target.stop());
  const file = await writeConfig(
    dir,
    `
tasks:
  - name: ${name}
    source: ${opts.sourceYaml ?? `{ registry: ${source.host}, skip-tls-verify: true }`}
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
${mappings}
`,
    `${name}.yaml`,
  );
  const r = await runDregsy([`-config=${file}`], { env: opts.env ?? {} });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return target;
}

describe('tag filters select exactly what dregsy selects', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['semver range includes prereleases and v-prefixed tags', ['semver: >=1.31.0 <2.0.0'], ['1.31.0', '1.31.1-musl', '2.0.0-rc1', 'v1.32.0']],
    ['regex is anchored', ['regex: .*-musl'], ['1.31.1-musl']],
    ['regex with ! inverts', ['regex: !v?[0-9].*'], ['edge', 'latest']],
    ['semver and regex are ORed', ['semver: >=1.31.0 <1.31.9', 'regex: edge'], ['1.31.0', '1.31.1-musl', 'edge']],
    ['keep prunes the expanded set', ['semver: >=1.0.0', 'keep: .*-musl'], ['1.31.1-musl']],
    ['keep never prunes verbatim tags', ['latest', 'semver: >=1.31.0 <1.32.0', 'keep: !.*-musl'], ['1.31.0', 'latest']],
    ['keep: latest N keeps the highest semver tags', ['semver: >=1.0.0', 'keep: latest 2'], ['2.0.0-rc1', 'v1.32.0']],
    ['keep: latest N keeps non-semver tags; the last one given wins', ['latest', 'edge', 'semver: >=1.30.0 <1.32.0', 'keep: latest 3', 'keep: latest 1'], ['1.31.1-musl', 'edge', 'latest']],
    ['a set of only keep filters starts from all tags', ['keep: !v?[0-9].*'], ['edge', 'latest']],
    ['no tags: all tags', [], TAGS],
  ];
  for (const [name, tags, expected] of cases) {
    test(name, async () => {
      const mapping = tags.length ? `      - from: lib/app\n        tags:\n${tags.map((t) => `          - ${JSON.stringify(t)}`).join('\n')}` : '      - from: lib/app';
      const target = await sync(name.replace(/\W+/g, '-').slice(0, 40), mapping);
      assert.deepEqual(await listTags(target, 'lib/app'), [...expected].sort());
    });
  }

  test('digests: tag@digest pushes by tag, a bare digest by digest', async () => {
    const d1 = pushed['lib/app']!['1.30.0']!.digest;
    const d2 = pushed['lib/app']!['edge']!.digest;
    const target = await sync('digests', `      - from: lib/app\n        tags: ['pinned@${d1}', '${d2}']`);
    assert.deepEqual(await listTags(target, 'lib/app'), ['pinned']);
    assert.equal(await manifestDigest(target, 'lib/app', 'pinned'), d1);
    assert.equal(await manifestDigest(target, 'lib/app', d2), d2, 'the digest-only image is there, untagged');
  });
});

describe('regex image matching through the catalog lister', () => {
  test('from: regex with a plain to is a prefix; regex to rewrites with groups; no to keeps the path', async () => {
    const target = await sync(
      'regex-mapping',
      `      - from: regex:team-x/.*
        to: mirror
        tags: [latest]
      - from: regex:team-(x|y)/(app|db)
        to: regex:team-(.)/(.*),copies/$1-$2
        tags: ['1.0']
      - from: regex:other/.*
        tags: [latest]`,
    );
    assert.deepEqual(await listRepositories(target), ['copies/x-app', 'copies/y-db', 'mirror/team-x/app', 'mirror/team-x/tools/cli', 'other/thing']);
    assert.deepEqual(await listTags(target, 'copies/y-db'), ['1.0']);
    assert.equal(await manifestDigest(target, 'mirror/team-x/tools/cli', 'latest'), pushed['team-x/tools/cli']!['latest']!.digest);
  });
});

describe('the dockerhub and index listers, against local services that answer as those do', () => {
  test("dockerhub: logs in and lists the user's image repositories, all pages", async () => {
    const hub = await startFakeDockerHub({
      username: 'team-x',
      password: 'hub-Pa55',
      repositories: [{ name: 'app' }, { name: 'plugin', type: 'plugin' }, { name: 'tools/cli' }],
    });
    cleanups.push(() => hub.stop());
    const target = await sync('hub-lister', `      - from: regex:team-x/.*\n        tags: [latest]`, {
      sourceYaml: `{ registry: ${source.host}, skip-tls-verify: true, auth: ${authOf('team-x', 'hub-Pa55')}, lister: { type: dockerhub } }`,
      env: { DREGSY_DOCKERHUB_API_URL: hub.url },
    });
    assert.deepEqual(await listRepositories(target), ['team-x/app', 'team-x/tools/cli']);
    assert.ok(hub.requests.some((r) => r.includes('page=2')), 'followed the next page');
  });

  test('index: searches with the search term, all pages', async () => {
    const front = await startSearchFront(source.host, ['team-x/app', 'team-x/tools/cli', 'team-y/db', 'other/thing'], 1);
    cleanups.push(() => front.stop());
    const target = await sync('index-lister', `      - from: regex:team-.*\n        tags: [latest]`, {
      sourceYaml: `{ registry: ${front.host}, skip-tls-verify: true, lister: { type: index, search: team } }`,
    });
    assert.deepEqual(await listRepositories(target), ['team-x/app', 'team-x/tools/cli', 'team-y/db']);
    assert.ok(front.requests.some((r) => r.startsWith('GET /v1/search?q=team') && r.includes('page=3')));
  });
});

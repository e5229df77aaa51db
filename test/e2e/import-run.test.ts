/**
 * The original tool's intent, run through dregsy: a peer's config is imported with the built
 * CLI, the printed config is run by the built CLI with the real skopeo against real registries,
 * and the target must hold exactly the tags and digests the peer's documentation promises.
 * For skopeo sync, which is skopeo itself, the real `skopeo sync` runs the same file into a
 * second target and both targets must be the same, tag for tag and digest for digest.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listRepositories, listTags, makeTempDir, manifestDigest, pushImage, startRegistry, type PushedImage, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

const TWO = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
];
const THREE = [...TWO, { os: 'linux', architecture: 'arm', variant: 'v7' }];
const SYNCER = { user: 'syncer', password: 'Syncer-Pw-4711' };

let dir: string;
let source: TestRegistry;
const pushed: Record<string, PushedImage> = {};

async function push(repo: string, tags: string[], opts: { platforms?: typeof TWO; format?: 'oci' | 'docker' } = {}): Promise<void> {
  for (const tag of tags) pushed[`${repo}:${tag}`] = await pushImage(source, repo, tag, opts);
}

before(async () => {
  dir = await makeTempDir('dregsy-e2e-import-run-');
  source = await startRegistry();
  await push('app', ['1.0', '1.1', '2.0', 'latest']);
  await push('multi', ['v1'], { platforms: THREE });
  await push('multi', ['v2'], { platforms: TWO, format: 'docker' });
  await push('tools', ['1.13.1-alpine-perl', '1.13.2-alpine-perl', '1.13.3-alpine-perl', 'x1.13.1-alpine-perl']);
  await push('library/busybox', ['latest'], { platforms: TWO });
  await push('library/busybox', ['1.36']);
  await push('library/alpine', ['latest', 'edge', '3', '3.0', '3.1', '3.19', '30', '3a1', '3.1-rc']);
  await push('team-x/app', ['1.0', '2.0', '3.0']);
  await push('team-x/db', ['1']);
  await push('other/app', ['1.0']);
});

after(async () => {
  await source?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Imports with the built CLI, then runs what it printed; returns the import's stdout. */
async function importAndRun(args: string[], env: Record<string, string> = {}): Promise<string> {
  const imported = await runDregsy(['import', ...args]);
  assert.equal(imported.code, 0, `import: ${imported.stderr}`);
  const config = await writeConfig(dir, imported.stdout, `imported-${Date.now()}.yaml`);
  const run = await runDregsy([`-config=${config}`], { env: { ...env, HOME: dir } });
  assert.equal(run.code, 0, `run: ${run.stdout}\n${run.stderr}`);
  return imported.stdout;
}

/** Every tag of `repo` in `reg` with its digest. */
async function contents(reg: TestRegistry, repo: string): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const tag of await listTags(reg, repo)) out[tag] = await manifestDigest(reg, repo, tag);
  return out;
}

function digestsOf(repo: string, tags: string[]): Record<string, string> {
  return Object.fromEntries(tags.map((t) => [t, pushed[`${repo}:${t}`]!.digest]));
}

function skopeoSync(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its own HOME: skopeo must not read the host's docker config or containers auth.
    execFile('skopeo', ['--insecure-policy', 'sync', ...args], { env: { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir } }, (err, _out, stderr) => {
      if (err) reject(new Error(`skopeo sync failed: ${stderr}`));
      else resolve();
    });
  });
}

test('skopeo sync: tags, a digest, a whole repository and an unanchored tag regex, with --all: the same as real skopeo sync', async () => {
  const [ours, theirs] = await Promise.all([startRegistry(), startRegistry()]);
  try {
    const pinned = pushed['app:1.1']!.digest;
    const file = join(dir, 'sync.yml');
    await writeFile(
      file,
      `${source.host}:
  tls-verify: false
  images:
    app: ["1.0", "2.0", "${pinned}"]
    multi: []
  images-by-tag-regex:
    tools: '1\\.13\\.[12]-alpine'
`,
    );
    const flags = ['--src', 'yaml', '--dest', 'docker', '--dest-tls-verify=false', '--all'];
    const printed = await importAndRun(['--from', 'skopeo-sync', file, '--', ...flags, `${ours.host}/mirror`]);
    assert.match(printed, /platform: all/);
    await skopeoSync([...flags, file, `${theirs.host}/mirror`]);

    for (const repo of ['mirror/app', 'mirror/multi', 'mirror/tools']) {
      assert.deepEqual(await contents(ours, repo), await contents(theirs, repo), repo);
    }
    // and what skopeo-sync(1) says it copies: the listed tags, every tag, the tags the regex finds anywhere
    assert.deepEqual(await contents(ours, 'mirror/app'), digestsOf('app', ['1.0', '2.0']));
    assert.equal(await manifestDigest(ours, 'mirror/app', pinned), pinned);
    assert.equal(await manifestDigest(theirs, 'mirror/app', pinned), pinned);
    assert.deepEqual(await contents(ours, 'mirror/multi'), digestsOf('multi', ['v1', 'v2']));
    assert.deepEqual(await contents(ours, 'mirror/tools'), digestsOf('tools', ['1.13.1-alpine-perl', '1.13.2-alpine-perl', 'x1.13.1-alpine-perl']));
  } finally {
    await Promise.all([ours.stop(), theirs.stop()]);
  }
});

test('regsync: an image, a repository with allow and deny regexes, a registry through its catalog with repository allow and deny, as regsync documents them', async () => {
  const target = await startRegistry();
  try {
    const file = join(dir, 'regsync.yml');
    await writeFile(
      file,
      `version: 1
creds:
  - registry: ${source.host}
    tls: disabled
  - registry: ${target.host}
    tls: disabled
sync:
  - source: ${source.host}/library/busybox:latest
    target: ${target.host}/library/busybox:latest
    type: image
  - source: ${source.host}/library/alpine
    target: ${target.host}/library/alpine
    type: repository
    tags:
      allow: [latest, edge, "3", '3.\\d+']
      deny: ["3.0"]
  - source: ${source.host}
    target: ${target.host}
    type: registry
    repos:
      allow: ['team-x/.*']
      deny: ['team-x/d.*']
`,
    );
    await importAndRun(['--from', 'regsync', file]);
    // image: that one tag, every platform with the index (regsync copies the index unless a platform is named)
    assert.deepEqual(await contents(target, 'library/busybox'), digestsOf('library/busybox', ['latest']));
    // repository: allow regexes anchored (^3.\d+$ takes 3a1, not 30 or 3.1-rc), minus deny
    assert.deepEqual(await contents(target, 'library/alpine'), digestsOf('library/alpine', ['3', '3.1', '3.19', '3a1', 'edge', 'latest']));
    // registry: every repository the catalog lists that the allow regex matches and the deny regex does not, all tags
    assert.deepEqual(await listRepositories(target), ['library/alpine', 'library/busybox', 'team-x/app']);
    assert.deepEqual(await contents(target, 'team-x/app'), digestsOf('team-x/app', ['1.0', '2.0', '3.0']));
  } finally {
    await target.stop();
  }
});

test('image-syncer: several tags, an unanchored regex, one source to two destinations, a digest to a tag, credentials from auth.json', async () => {
  const target = await startRegistry({ auth: 'htpasswd', users: { [SYNCER.user]: SYNCER.password } });
  try {
    const sub = join(dir, 'image-syncer');
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, 'auth.json'), JSON.stringify({ [source.host]: { insecure: true }, [target.host]: { username: SYNCER.user, password: SYNCER.password, insecure: true } }));
    const pinned = pushed['team-x/app:3.0']!.digest;
    await writeFile(
      join(sub, 'images.json'),
      JSON.stringify({
        [`${source.host}/team-x/app:1.0,2.0`]: `${target.host}/is/app`,
        [`${source.host}/tools:/1\\.13\\.[12]/`]: `${target.host}/is/tools`,
        [`${source.host}/multi`]: [`${target.host}/is/multi-a`, `${target.host}/is/multi-b`],
        [`${source.host}/team-x/app@${pinned}`]: `${target.host}/is/pinned:stable`,
      }),
    );
    const name = `DREGSY_AUTH_${target.host.replace(/[^0-9A-Za-z]/g, '_')}`.toUpperCase();
    const printed = await importAndRun(['--from', 'image-syncer', join(sub, 'images.json'), join(sub, 'auth.json')], {
      // what the header asks for: base64 of user:password
      [name]: Buffer.from(`${SYNCER.user}:${SYNCER.password}`).toString('base64'),
    });
    assert.ok(printed.includes(`\${${name}}`));
    assert.ok(!printed.includes(SYNCER.password));
    assert.deepEqual(await contents(target, 'is/app'), digestsOf('team-x/app', ['1.0', '2.0']));
    assert.deepEqual(await contents(target, 'is/tools'), digestsOf('tools', ['1.13.1-alpine-perl', '1.13.2-alpine-perl', 'x1.13.1-alpine-perl']));
    assert.deepEqual(await contents(target, 'is/multi-a'), digestsOf('multi', ['v1', 'v2']));
    assert.deepEqual(await contents(target, 'is/multi-b'), digestsOf('multi', ['v1', 'v2']));
    assert.deepEqual(await contents(target, 'is/pinned'), { stable: pinned });
  } finally {
    await target.stop();
  }
});

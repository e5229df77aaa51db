/**
 * Issue 13 end to end: replicas split the work by rendezvous hashing of the target repository.
 * Three processes (shards 0/3, 1/3, 2/3, each told its index a different way: the flag, a
 * StatefulSet hostname, an Indexed Job's JOB_COMPLETION_INDEX) sync 60 repositories selected
 * through the catalog lister: every image arrives, each copied exactly once (the target's
 * manifest PUTs equal the number of images). Then four shards: nothing is written, and
 * repositories move only to the new shard, about a quarter of them. A shard index that cannot
 * be right is a usage error (exit 2) that copies nothing.
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listRepositories, makeTempDir, manifestDigest, pushTags, startRegistry, type PushedImage, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig, type CliResult } from './dregsy-cli.js';

const REPOS = 60;
const TAGS = ['1.0', '2.0'];
const IMAGES = REPOS * TAGS.length;

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
let config: string;
const pushed = new Map<string, Record<string, PushedImage>>();

interface ReportImage {
  target: string;
  action: string;
}
interface Report {
  tasks: { counts: { otherShards?: number; copied: number; skipped: number }; images: ReportImage[] }[];
}

before(async () => {
  dir = await makeTempDir('dregsy-e2e-shard-');
  [source, target] = await Promise.all([startRegistry(), startRegistry({ accessLog: true })]);
  const names = Array.from({ length: REPOS }, (_, i) => `fleet/svc-${String(i).padStart(2, '0')}`);
  for (let i = 0; i < names.length; i += 10) {
    await Promise.all(names.slice(i, i + 10).map(async (repo) => pushed.set(repo, await pushTags(source, repo, TAGS))));
  }
  config = await writeConfig(
    dir,
    `
lister: { maxItems: 500 }
tasks:
  - name: fleet
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: regex:fleet/.*
        to: mirror
`,
  );
});
after(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs one replica with a report; env picks the shard the way Kubernetes would. */
async function replica(name: string, args: string[], env: Record<string, string | undefined>): Promise<{ run: CliResult; report: Report }> {
  const reportFile = join(dir, `${name}.json`);
  // HOSTNAME is always set, so the machine's own name never decides a shard here.
  const run = await runDregsy([`-config=${config}`, `--report=${reportFile}`, ...args], { env: { HOSTNAME: 'test-host', DREGSY_SHARDS: undefined, JOB_COMPLETION_INDEX: undefined, ...env } });
  assert.equal(run.code, 0, `${name}: ${run.stdout}${run.stderr}`);
  return { run, report: JSON.parse(await readFile(reportFile, 'utf8')) as Report };
}

const repoOf = (image: ReportImage) => image.target.replace(/^[^/]+\//, '').replace(/:[^:/]+$/, '');

let owners3: Set<string>[] = [];

test('three shards: every image arrives, each copied exactly once', async () => {
  const runs = await Promise.all([
    replica('a0', ['--shard', '0/3'], {}),
    replica('a1', [], { DREGSY_SHARDS: '3', HOSTNAME: 'dregsy-1' }),
    replica('a2', [], { DREGSY_SHARDS: '3', JOB_COMPLETION_INDEX: '2', HOSTNAME: 'migrate-2-x8k2p' }),
  ]);
  assert.equal(await target.manifestPuts(), IMAGES, 'one manifest PUT per image');
  const expected = [...pushed.keys()].map((r) => `mirror/${r}`).sort();
  assert.deepEqual(await listRepositories(target), expected);
  for (const [repo, tags] of pushed) {
    for (const tag of TAGS) assert.equal(await manifestDigest(target, `mirror/${repo}`, tag), tags[tag]!.digest, `mirror/${repo}:${tag}`);
  }

  const copied = runs.flatMap(({ report }) => report.tasks[0]!.images.filter((i) => i.action === 'copied').map((i) => i.target));
  assert.equal(copied.length, IMAGES, 'the shards copied every image between them');
  assert.equal(new Set(copied).size, IMAGES, 'and none twice');
  owners3 = runs.map(({ report }) => new Set(report.tasks[0]!.images.map(repoOf)));
  runs.forEach(({ run, report }, i) => {
    const share = owners3[i]!.size;
    assert.ok(share > 0, `shard ${i} owns some repositories`);
    assert.equal(report.tasks[0]!.counts.otherShards, REPOS - share, `shard ${i}: the summary counts the other shards' repositories`);
    assert.match(run.stdout, new RegExp(`shard ${i}/3 \\(from `));
    assert.match(run.stdout, new RegExp(`task run finished.*copied=${share * TAGS.length}.*otherShards=${REPOS - share}`));
  });
  assert.match(runs[1]!.run.stdout, /shard 1\/3 \(from the StatefulSet ordinal in the hostname\)/);
  assert.match(runs[2]!.run.stdout, /shard 2\/3 \(from JOB_COMPLETION_INDEX\)/);
});

test('four shards: a rerun writes nothing, and repositories move only to the new shard', async (t) => {
  assert.equal(owners3.length, 3, 'runs after the three-shard test');
  const puts = await target.manifestPuts();
  const runs = await Promise.all([0, 1, 2, 3].map((i) => replica(`b${i}`, [], { DREGSY_SHARDS: '4', HOSTNAME: `dregsy-${i}` })));
  assert.equal(await target.manifestPuts(), puts, 'no manifest PUT');
  const seen = runs.flatMap(({ report }) => report.tasks[0]!.images);
  assert.equal(seen.length, IMAGES, 'the four shards checked every image between them, each once');
  assert.ok(seen.every((i) => i.action === 'skipped'));

  const owners4 = runs.map(({ report }) => new Set(report.tasks[0]!.images.map(repoOf)));
  for (let i = 0; i < 3; i++) {
    for (const repo of owners4[i]!) assert.ok(owners3[i]!.has(repo), `${repo} moved from one old shard to another (to ${i})`);
  }
  // Each shard's ownership changes by about a quarter of the repositories at most: the old
  // shards only lose what shard 3 takes, and shard 3 takes about 1/4 (binomial: 15 ± 3.4).
  for (let i = 0; i < 4; i++) {
    const before = owners3[i] ?? new Set<string>();
    const changed = [...before].filter((r) => !owners4[i]!.has(r)).length + [...owners4[i]!].filter((r) => !before.has(r)).length;
    assert.ok(changed <= Math.ceil(REPOS * 0.35), `shard ${i}: ${changed} of ${REPOS} repositories changed owner`);
  }
  const moved = owners4[3]!.size;
  t.diagnostic(`shares: 3 shards ${owners3.map((s) => s.size).join("/")}, 4 shards ${owners4.map((s) => s.size).join("/")}`);
  assert.ok(moved >= REPOS * 0.15 && moved <= REPOS * 0.35, `${moved} of ${REPOS} repositories moved to the new shard`);
});

test('a shard index that cannot be right is a usage error, and nothing is copied', async () => {
  const puts = await target.manifestPuts();
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['flag out of range', ['--shard', '3/3'], {}, /invalid --shard '3\/3': shard index 3 \(from --shard\) is out of range for 3 shards \(0\.\.2\)/],
    ['flag not INDEX/COUNT', ['--shard', 'two'], {}, /invalid --shard 'two': expected INDEX\/COUNT/],
    ['StatefulSet scaled past the count', [], { DREGSY_SHARDS: '3', HOSTNAME: 'dregsy-3' }, /shard index 3 \(the ordinal of hostname 'dregsy-3'\) is out of range for 3 shards/],
    ['Indexed Job with more completions than shards', [], { DREGSY_SHARDS: '4', JOB_COMPLETION_INDEX: '4' }, /shard index 4 \(JOB_COMPLETION_INDEX=4\) is out of range for 4 shards/],
    ['count without an index', [], { DREGSY_SHARDS: '3', HOSTNAME: 'laptop' }, /shard index is unknown: pass --shard INDEX\/3/],
    ['bad DREGSY_SHARDS', [], { DREGSY_SHARDS: '-1', HOSTNAME: 'dregsy-0' }, /invalid DREGSY_SHARDS '-1'/],
  ];
  for (const [name, args, env, message] of cases) {
    const r = await runDregsy([`-config=${config}`, ...args], { env: { HOSTNAME: 'test-host', JOB_COMPLETION_INDEX: undefined, DREGSY_SHARDS: undefined, ...env } });
    assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message, name);
  }
  assert.equal(await target.manifestPuts(), puts, 'no manifest PUT');
});

test('check, sharded: only this shard\'s images, and how many repositories are elsewhere', async () => {
  const r = await runDregsy(['check', `-config=${config}`, '--shard=1/3'], { env: { HOSTNAME: 'test-host' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const share = owners3[1]!.size;
  assert.match(r.stdout, new RegExp(`task fleet: ${share * TAGS.length} selected, 0 to copy, ${share * TAGS.length} in sync, 0 failed, ${REPOS - share} repositories on other shards`));
});

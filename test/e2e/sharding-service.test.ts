/**
 * Sharding in service mode, through the real CLI against real registries: one replica of two
 * (a StatefulSet pod `dregsy-1` with `shards: 2`) listening for push events.
 * - a push event is copied by the replica that receives it, whatever shard owns the repository;
 * - `POST /trigger/<task>` runs only this replica's share;
 * - a push folded into a triggered run is still copied, although another shard owns it;
 * - the shard is decided again at every reload: an impossible one is refused, a config
 *   without `shards` makes the next full run copy everything.
 * Which shard owns what comes from src/shard/rendezvous.ts (pinned by its own tests).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { ownerOf } from '../../src/shard/rendezvous.js';
import { listRepositories, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { startDregsy, waitForOutput, waitUntil, writeConfig, type RunningDregsy } from './dregsy-cli.js';

const TOKEN = 'shard-webhook-secret';
const INDEX = 1;
const REPOS = Array.from({ length: 12 }, (_, i) => `fleet/svc-${String(i).padStart(2, '0')}`);
const targetOf = (repo: string) => `mirror/${repo}`;
/** Sorted target repositories this replica owns with 2 shards, and the others. */
const own = REPOS.map(targetOf).filter((t) => ownerOf(t, 2) === INDEX);
const others = REPOS.map(targetOf).filter((t) => ownerOf(t, 2) !== INDEX);
const sourceOf = (target: string) => target.replace(/^mirror\//, '');

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
let configFile: string;
let dregsy: RunningDregsy;
let base: string;

const config = (shards: string) => `
${shards}
relay: native
lister: { maxItems: 500 }
tasks:
  - name: fleet
    webhook: true
    delay: 1500ms
    run-on-start: false
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - from: regex:fleet/.*
        to: mirror
`;

function post(path: string, body: unknown = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.docker.distribution.events.v1+json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
}

/** A Distribution notification of a push of `repo:1.0` at the source. */
function pushEvent(repo: string): Promise<Response> {
  const event = { id: `evt-${repo}-${Date.now()}`, timestamp: new Date().toISOString(), action: 'push', target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', repository: repo, tag: '1.0', digest: 'sha256:0' }, request: { host: source.host, method: 'PUT' } };
  return post('/webhooks/distribution', { events: [event] });
}

const finished = () => dregsy.count(/\[fleet\] task run finished/);
const started = () => dregsy.count(/\[fleet\] task run started/);
async function waitForRun(n: number): Promise<string> {
  await waitUntil(() => finished() >= n, 60_000, `run ${n} of fleet`);
  assert.equal(started(), n, 'one run per request batch');
  return dregsy.stdout().split('[fleet] task run started').at(-1) ?? '';
}

before(async () => {
  assert.ok(own.length >= 2 && others.length >= 3, `the repository names give both shards enough: ${own.length}/${others.length}`);
  dir = await makeTempDir('dregsy-e2e-shard-service-');
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  await Promise.all(REPOS.map((r) => pushTags(source, r, ['1.0'])));
  configFile = await writeConfig(dir, config('shards: 2'));
  dregsy = startDregsy([`-config=${configFile}`, '--listen', '127.0.0.1:0'], {
    env: { DREGSY_WEBHOOK_TOKEN: TOKEN, HOSTNAME: `dregsy-${INDEX}`, DREGSY_SHARDS: undefined, JOB_COMPLETION_INDEX: undefined },
    timeoutMs: 300_000,
  });
  await waitForOutput(dregsy.stdout, /listening on http:\/\/\S+/, 30_000);
  base = /listening on (http:\/\/\S+)/.exec(dregsy.stdout())![1]!;
});

after(async () => {
  const r = await dregsy?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
  assert.equal(r?.code, 0, r ? r.stdout + r.stderr : 'not started');
});

test('the shard is logged at start', () => {
  assert.match(dregsy.stdout(), /shard 1\/2 \(from the StatefulSet ordinal in the hostname\)/);
});

test("a push event is copied by this replica although another shard owns the repository", async () => {
  const foreign = others[0]!;
  assert.equal((await pushEvent(sourceOf(foreign))).status, 202);
  const run = await waitForRun(1);
  assert.match(run, /^ pushed=1/);
  assert.deepEqual(await listRepositories(target), [foreign]);
});

test("POST /trigger/<task> runs only this replica's share", async () => {
  assert.equal((await post('/trigger/fleet')).status, 202);
  const run = await waitForRun(2);
  assert.match(run, new RegExp(`task run finished.*copied=${own.length}.*otherShards=${others.length}`));
  assert.deepEqual(await listRepositories(target), [...own, others[0]!].sort());
});

test('a push folded into a triggered run is copied too, whatever shard owns it', async () => {
  const foreign = others[1]!;
  // Both wait for the task's quiet period (delay), so they fold into one full run.
  assert.equal((await pushEvent(sourceOf(foreign))).status, 202);
  assert.equal((await post('/trigger/fleet')).status, 202);
  const run = await waitForRun(3);
  assert.match(run, /task run finished.*copied=1.*skipped=/);
  assert.deepEqual(await listRepositories(target), [...own, others[0]!, foreign].sort(), 'the pushed image, and no other of the other shard');
});

test('a reload decides the shard again: an impossible one is refused, none copies everything', async () => {
  await writeConfig(dir, config('shards: 1'));
  dregsy.child.kill('SIGHUP');
  await waitForOutput(dregsy.stdout, /config refused: .*shard index 1 \(the ordinal of hostname 'dregsy-1'\) is out of range for 1 shard/, 20_000);

  await writeConfig(dir, config(''));
  dregsy.child.kill('SIGHUP');
  await waitForOutput(dregsy.stdout, /config reloaded \(unchanged: fleet\)/, 20_000);
  assert.equal((await post('/trigger/fleet')).status, 202);
  const run = await waitForRun(4);
  assert.doesNotMatch(run.split('\n').find((l) => l.includes('task run finished')) ?? '', /otherShards/);
  assert.deepEqual(await listRepositories(target), REPOS.map(targetOf).sort());
});

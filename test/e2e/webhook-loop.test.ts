/**
 * dregsy never triggers itself: a real docker-registry that is both a source and a target sends
 * its notifications to dregsy's listener, so every tag dregsy copies comes back as a push event.
 * - `loop` mirrors `team/.*` into `team/mirror/` on the same registry: its output matches its
 *   own source, so without the guards each copy's event copies it one level deeper, for ever;
 * - `ping` and `pong` copy into each other's sources: the same loop across two tasks, which only
 *   the write-set (the echo of a tag dregsy pushed starts no run) can tell;
 * - a push of `team/mirror/...` that dregsy did not make is still `loop`'s own output: skipped.
 * "Quiet" is proven by events, not by waiting: the echo is seen ignored in the log, then a run of
 * a sentinel task is asked for, and dregsy must be idle after it (no run pending anywhere).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { parseMetrics } from '../support/prometheus.js';
import { freePort, listRepositories, listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { startDregsy, waitForIdleAfter, waitForOutput, waitUntil, writeConfig, type RunningDregsy } from './dregsy-cli.js';

const TOKEN = 'webhook-loop-secret-for-tests';

let reg: TestRegistry; // source and target of loop, ping and pong; notifies dregsy
let quiet: TestRegistry; // the sentinel's; sends nothing
let dir: string;
let port: number;
let dregsy: RunningDregsy;
const url = (path: string) => `http://127.0.0.1:${port}${path}`;

function post(path: string, body: unknown): Promise<Response> {
  return fetch(url(path), {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.docker.distribution.events.v1+json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const runsOf = (task: string) => dregsy.count(new RegExp(`\\[${task}\\] task run started`));
const ignoredEcho = (image: string) => new RegExp(`ignored own write: ${escape(`${reg.host}/${image}`)}, pushed by task`);

/**
 * Resolves once nothing is left to run: a sentinel run is asked for, and dregsy says it is idle
 * after that run ended, which it says only when no task runs, waits out its delay or is queued.
 */
async function settled(): Promise<void> {
  const finished = /\[sentinel\] task run finished/;
  const before = dregsy.count(finished);
  assert.equal((await post('/trigger/sentinel', {})).status, 202);
  await waitUntil(() => dregsy.count(finished) > before, 60_000, 'the sentinel run');
  await waitForIdleAfter(dregsy.stdout, finished, 60_000);
}

before(async () => {
  dir = await makeTempDir('dregsy-e2e-webhook-loop-');
  port = await freePort();
  [reg, quiet] = await Promise.all([startRegistry({ notify: [{ url: url('/webhooks/distribution'), token: TOKEN }], accessLog: true }), startRegistry()]);
  await pushTags(quiet, 'sentinel/app', ['1']);
  const location = (r: TestRegistry) => `{ registry: ${r.host}, skip-tls-verify: true }`;
  const onPush = (name: string, from: string, to: string) => `
  - name: ${name}
    webhook: true
    delay: 300ms
    run-on-start: false
    source: ${location(reg)}
    target: ${location(reg)}
    mappings: [{ from: '${from}', to: ${to} }]`;
  const file = await writeConfig(
    dir,
    `
listen: 127.0.0.1:${port}
relay: native
tasks:${onPush('loop', 'regex:team/.*', 'team/mirror')}${onPush('ping', 'regex:ping/.*', 'pong')}${onPush('pong', 'regex:pong/.*', 'ping')}
  - name: sentinel
    webhook: true
    delay: 100ms
    run-on-start: false
    source: ${location(quiet)}
    target: ${location(quiet)}
    mappings: [{ from: sentinel/app, to: sentinel/copy }]
`,
  );
  dregsy = startDregsy([`-config=${file}`], { env: { DREGSY_WEBHOOK_TOKEN: TOKEN, LOG_LEVEL: 'debug' }, timeoutMs: 300_000 });
  await waitForOutput(dregsy.stdout, /listening on http:\/\/127\.0\.0\.1:\d+/, 30_000);
});

after(async () => {
  const r = await dregsy?.stop();
  if (process.env.E2E_DUMP) await import('node:fs/promises').then((fs) => fs.writeFile(process.env.E2E_DUMP!, r?.stdout ?? ''));
  await Promise.all([reg?.stop(), quiet?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
  assert.equal(r?.code, 0, r ? r.stdout + r.stderr : 'not started');
});

test('a same-registry mapping whose output matches its source copies a push once, then goes quiet', async () => {
  const putsBefore = await reg.manifestPuts();
  await pushTags(reg, 'team/app', ['v1']); // one manifest PUT
  // The echo of dregsy's copy comes back; without the guards it would start a second run.
  const echo = ignoredEcho('team/mirror/team/app:v1');
  await waitUntil(() => echo.test(dregsy.stdout()) || runsOf('loop') >= 2, 60_000, 'the echo of the copy, or a second run');
  assert.equal(runsOf('loop'), 1, 'the echo of its own copy started no run');
  await settled();
  assert.equal(runsOf('loop'), 1, 'still one run once everything settled');
  assert.deepEqual(await listTags(reg, 'team/mirror/team/app'), ['v1']);
  assert.deepEqual((await listRepositories(reg)).filter((r) => r.startsWith('team/mirror/team/mirror')), [], 'nothing nested deeper');
  assert.equal((await reg.manifestPuts()) - putsBefore, 2, 'the push and the one copy');
});

test('two tasks copying into each other’s sources: one copy, the echo starts neither', async () => {
  const putsBefore = await reg.manifestPuts();
  await pushTags(reg, 'ping/app', ['v1']);
  const echo = ignoredEcho('pong/ping/app:v1');
  await waitUntil(() => echo.test(dregsy.stdout()) || runsOf('pong') >= 1, 60_000, 'the echo of the copy, or a run of pong');
  assert.equal(runsOf('pong'), 0, 'the echo of ping’s copy did not start pong');
  await settled();
  assert.equal(runsOf('ping'), 1);
  assert.equal(runsOf('pong'), 0);
  assert.deepEqual(await listTags(reg, 'pong/ping/app'), ['v1']);
  assert.deepEqual(await listTags(reg, 'ping/pong/ping/app'), []);
  assert.equal((await reg.manifestPuts()) - putsBefore, 2, 'the push and the one copy');
});

test('a push into a mapping’s own output that dregsy did not make is skipped, with one warning', async () => {
  const runsBefore = runsOf('loop');
  const warning = /WARN.*\[loop\] a push of team\/mirror\/team\/lib is not copied by mapping 'regex:team\/\.\*': that is where the mapping copies team\/lib/;
  await pushTags(reg, 'team/mirror/team/lib', ['v1']); // by hand: not in the write-set
  await waitUntil(() => warning.test(dregsy.stdout()) || runsOf('loop') > runsBefore, 60_000, 'the warning, or a run');
  assert.equal(runsOf('loop'), runsBefore, 'the push started no run');
  await pushTags(reg, 'team/mirror/team/lib2', ['v1']);
  await waitForOutput(dregsy.stdout, /a push of team\/mirror\/team\/lib2 is not copied by mapping/, 60_000);
  await settled();
  assert.equal(runsOf('loop'), runsBefore, 'no run');
  assert.equal(dregsy.count(/WARN.*is not copied by mapping/), 1, 'warned once for the mapping');
  assert.deepEqual((await listRepositories(reg)).filter((r) => r.startsWith('team/mirror/team/mirror')), []);
});

test('the reply and the metrics tell the ignored events apart', async () => {
  const envelope = (id: string, digest?: string) => ({
    events: [{ id, action: 'push', target: { repository: 'team/mirror/team/app', tag: 'v1', ...(digest && { digest }) }, request: { host: reg.host, useragent: 'someone' } }],
  });
  // As the registry would say it again (another endpoint, or a retry under another id): dregsy's own write.
  const own = await post('/webhooks/distribution', envelope('hand-1'));
  assert.equal(own.status, 202);
  assert.deepEqual(await own.json(), { events: 1, repeated: 0, ignored: 0, ownWrites: 1, tasks: [] });
  // Another digest under that tag, after dregsy's write ended: someone else's push (then skipped as loop's own output).
  const theirs = await post('/webhooks/distribution', envelope('hand-2', `sha256:${'0'.repeat(64)}`));
  assert.deepEqual(await theirs.json(), { events: 1, repeated: 0, ignored: 0, ownWrites: 0, tasks: [] });
  const m = parseMetrics(await (await fetch(url('/metrics'))).text());
  const ignored = (reason: string) => m.value('dregsy_webhook_events_ignored_total', { endpoint: 'distribution', reason }) ?? 0;
  assert.ok(ignored('own-write') >= 3, `own-write: ${ignored('own-write')}`); // loop's and ping's echoes, and hand-1
  assert.ok(ignored('own-target') >= 3, `own-target: ${ignored('own-target')}`); // lib, lib2 and hand-2
});

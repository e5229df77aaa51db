/**
 * Mirror on push: a real docker-registry sends its notifications (`notifications:` endpoints) to
 * dregsy's listener; dregsy copies just the pushed tags, after the task's quiet period, folding
 * bursts into one run. Counted at the target through its access log (manifest PUTs).
 * The native relay copies here: it starts no process, so the latency measured is the service's
 * own (skopeo's start-up alone can take a second on a loaded machine; `make bench` measures both).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { freePort, listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { startDregsy, waitForIdleAfter, waitForOutput, waitUntil, writeConfig, type RunningDregsy } from './dregsy-cli.js';

const TOKEN = 'webhook-secret-for-tests';
const DELAY_MS = 1_000;
/** Pushing 50 images takes a few seconds on a loaded machine: the burst must fit in the quiet period. */
const BURST_DELAY_MS = 5_000;

let source: TestRegistry;
let quiet: TestRegistry; // a source that sends no notifications: events for it are posted by hand
let target: TestRegistry;
let dir: string;
let port: number;
let dregsy: RunningDregsy;
const url = (path: string) => `http://127.0.0.1:${port}${path}`;

const envelope = (host: string, repo: string, tag: string, id: string) => ({
  events: [
    {
      id,
      timestamp: new Date().toISOString(),
      action: 'push',
      target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', repository: repo, tag, digest: 'sha256:0' },
      request: { host, method: 'PUT' },
    },
  ],
});

/** `token: null` sends no Authorization header. */
function post(path: string, body: unknown, token: string | null = TOKEN): Promise<Response> {
  return fetch(url(path), {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.docker.distribution.events.v1+json', ...(token !== null ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

const runsOf = (task: string) => dregsy.count(new RegExp(`\\[${task}\\] task run started`));

before(async () => {
  dir = await makeTempDir('dregsy-e2e-webhooks-');
  port = await freePort();
  [source, quiet, target] = await Promise.all([
    startRegistry({ notify: [{ url: url('/webhooks/distribution'), token: TOKEN }] }),
    startRegistry(),
    startRegistry({ accessLog: true }),
  ]);
  const file = await writeConfig(
    dir,
    `
listen: 127.0.0.1:${port}
relay: native
tasks:
  - name: on-push
    webhook: true
    delay: ${DELAY_MS}ms
    run-on-start: false
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
      - { from: team/app, to: mirror/app, tags: ['regex: v.*'] }
  - name: burst
    webhook: true
    delay: ${BURST_DELAY_MS}ms
    run-on-start: false
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: 'regex:burst/.*', to: mirror }]
  - name: by-hand
    webhook: true
    delay: 200ms
    run-on-start: false
    source: { registry: ${quiet.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/quiet, to: mirror/quiet }]
`,
  );
  dregsy = startDregsy([`-config=${file}`], { env: { DREGSY_WEBHOOK_TOKEN: TOKEN, LOG_LEVEL: 'debug' }, timeoutMs: 300_000 });
  await waitForOutput(dregsy.stdout, /listening on http:\/\/127\.0\.0\.1:\d+/, 30_000);
});

after(async () => {
  const r = await dregsy?.stop();
  if (process.env.E2E_DUMP) await import('node:fs/promises').then((fs) => fs.writeFile(process.env.E2E_DUMP!, r?.stdout ?? ''));
  await Promise.all([source?.stop(), quiet?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
  assert.equal(r?.code, 0, r ? r.stdout + r.stderr : 'not started');
  assert.doesNotMatch(r?.stdout ?? '', new RegExp(TOKEN), 'the secret is never logged');
});

// The latency figure (≤ delay + 1 s) is measured by `make bench` (section service); here the
// bound is loose enough for a machine loaded by parallel suites, and still far below any poll.
test('a pushed tag reaches the target soon after the delay, and only that tag', async (t) => {
  await pushTags(source, 'team/app', ['v1']);
  const pushed = Date.now();
  await waitUntil(async () => (await listTags(target, 'mirror/app')).includes('v1'), 20_000, 'mirror/app:v1');
  const ms = Date.now() - pushed;
  t.diagnostic(`arrived ${ms} ms after the push (delay ${DELAY_MS} ms)`);
  assert.ok(ms <= DELAY_MS + 10_000, `arrived after ${ms} ms`);
  await waitForOutput(dregsy.stdout, /\[on-push\] task run finished/, 10_000);
  assert.match(dregsy.stdout(), /\[on-push\] task run started pushed=1/);
});

test('a burst of 50 pushes within the delay gives one run that copies all 50', async () => {
  const putsBefore = await target.manifestPuts();
  const tags = Array.from({ length: 50 }, (_, i) => `b${i}`);
  await pushTags(source, 'burst/one', tags);
  await waitUntil(async () => (await listTags(target, 'mirror/burst/one')).length === 50, 60_000, '50 tags at the target');
  await waitUntil(() => dregsy.count(/\[burst\] task run finished/) >= 1, 10_000, 'the run to finish');
  await waitForIdleAfter(dregsy.stdout, /\[burst\] task run finished/, 20_000); // a second run would be pending now
  assert.equal(runsOf('burst'), 1, 'exactly one run');
  assert.match(dregsy.stdout(), /\[burst\] task run started pushed=50/);
  assert.equal((await target.manifestPuts()) - putsBefore, 50, 'one manifest PUT per pushed tag');
});

test('a pushed tag the mapping does not select copies nothing', async () => {
  const runsBefore = runsOf('on-push');
  const putsBefore = await target.manifestPuts();
  await pushTags(source, 'team/app', ['nope-1']); // not `regex: v.*`
  await pushTags(source, 'team/other', ['v9']); // no mapping names the repository
  // a selected push after them, so we know the events above have been handled
  await pushTags(source, 'team/app', ['v2']);
  await waitUntil(async () => (await listTags(target, 'mirror/app')).includes('v2'), 20_000, 'mirror/app:v2');
  await waitUntil(() => dregsy.count(/\[on-push\] task run finished/) === runsBefore + 1, 10_000, 'the run to finish');
  assert.deepEqual(await listTags(target, 'mirror/app'), ['v1', 'v2']);
  assert.deepEqual(await listTags(target, 'team/other'), []);
  assert.equal((await target.manifestPuts()) - putsBefore, 1);
  assert.equal(runsOf('on-push'), runsBefore + 1);
});

test('a wrong or missing secret gets 401 and copies nothing; the right one copies', async () => {
  await pushTags(quiet, 'team/quiet', ['1.0']);
  const body = envelope(quiet.host, 'team/quiet', '1.0', 'evt-secret-1');
  for (const token of ['wrong', null, '', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
    const r = await post('/webhooks/distribution', body, token);
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.doesNotMatch(await r.text(), new RegExp(TOKEN));
  }
  assert.equal((await post('/trigger/by-hand', {}, 'wrong')).status, 401);
  // A 401 is answered before anything is asked of the scheduler.
  assert.deepEqual(await listTags(target, 'mirror/quiet'), [], 'nothing copied');
  assert.equal(runsOf('by-hand'), 0);
  const ok = await post('/webhooks/distribution', body);
  assert.equal(ok.status, 202);
  await waitUntil(async () => (await listTags(target, 'mirror/quiet')).includes('1.0'), 20_000, 'mirror/quiet:1.0');
});

test('a repeated event (a registry retry) is answered and does not copy again', async () => {
  await pushTags(quiet, 'team/quiet', ['2.0']);
  const body = envelope(quiet.host, 'team/quiet', '2.0', 'evt-retry-1');
  const putsBefore = await target.manifestPuts();
  const runsBefore = runsOf('by-hand');
  const first = await post('/webhooks/distribution', body);
  assert.equal(first.status, 202);
  assert.deepEqual(await first.json(), { events: 1, repeated: 0, ignored: 0, ownWrites: 0, tasks: ['by-hand'] });
  await waitUntil(async () => (await listTags(target, 'mirror/quiet')).includes('2.0'), 20_000, 'mirror/quiet:2.0');
  await waitUntil(() => dregsy.count(/\[by-hand\] task run finished/) === runsBefore + 1, 10_000, 'the run to finish');
  const again = await post('/webhooks/distribution', body);
  assert.equal(again.status, 202);
  assert.deepEqual(await again.json(), { events: 0, repeated: 1, ignored: 0, ownWrites: 0, tasks: [] }); // no task was asked to run
  assert.equal(runsOf('by-hand'), runsBefore + 1, 'no second run');
  assert.equal((await target.manifestPuts()) - putsBefore, 1, 'one copy');
});

test('layer pushes and pulls are ignored; a bad body is 400; unknown task 404; GET is 405', async () => {
  const r = await post('/webhooks/distribution', {
    events: [
      { id: 'l1', action: 'push', target: { mediaType: 'application/octet-stream', repository: 'team/quiet', digest: 'sha256:1' } },
      { id: 'p1', action: 'pull', target: { repository: 'team/quiet', tag: '1.0' }, request: { host: quiet.host } },
    ],
  });
  assert.equal(r.status, 202);
  assert.deepEqual(await r.json(), { events: 0, repeated: 0, ignored: 2, ownWrites: 0, tasks: [] });
  assert.equal((await post('/webhooks/distribution', { nope: true })).status, 400);
  assert.equal((await post('/trigger/no-such-task', {})).status, 404);
  assert.equal((await fetch(url('/webhooks/distribution'))).status, 405);
  assert.equal((await fetch(url('/nothing-here'))).status, 404);
});

test('POST /trigger/<task> runs the whole task after its delay', async () => {
  const runsBefore = runsOf('by-hand');
  const r = await post('/trigger/by-hand', {});
  assert.equal(r.status, 202);
  await waitUntil(() => dregsy.count(/\[by-hand\] task run finished/) === runsBefore + 1, 20_000, 'the triggered run');
  assert.match(dregsy.stdout().split('[by-hand] task run started').at(-1) ?? '', /task run finished .*skipped=2/);
});

test('--listen wins over listen:; a listener needs the secret; a webhook task needs a listener (exit 2)', async () => {
  const config = (listen: string) => `${listen}
tasks:
  - name: w
    webhook: true
    source: { registry: ${quiet.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: [{ from: team/none }]
`;
  const flagged = await writeConfig(dir, config('listen: 127.0.0.1:1'), 'flag.yaml');
  const d = startDregsy([`-config=${flagged}`, '--listen', '127.0.0.1:0'], { env: { DREGSY_WEBHOOK_TOKEN: TOKEN } });
  try {
    await waitForOutput(d.stdout, /listening on http:\/\/127\.0\.0\.1:(?!1\b)\d+/, 30_000);
  } finally {
    await d.stop();
  }
  const noToken = await startDregsy([`-config=${flagged}`], { env: { DREGSY_WEBHOOK_TOKEN: undefined, DREGSY_WEBHOOK_TOKEN_FILE: undefined } }).result;
  assert.equal(noToken.code, 2, noToken.stdout + noToken.stderr);
  assert.match(noToken.stderr, /listen: the webhook and trigger endpoints need a shared secret: set DREGSY_WEBHOOK_TOKEN or DREGSY_WEBHOOK_TOKEN_FILE/);
  const tokenFile = await writeConfig(dir, `${TOKEN}\n`, 'token');
  const fromFile = startDregsy([`-config=${flagged}`, '-listen=127.0.0.1:0'], { env: { DREGSY_WEBHOOK_TOKEN: undefined, DREGSY_WEBHOOK_TOKEN_FILE: tokenFile } });
  try {
    await waitForOutput(fromFile.stdout, /listening on (http:\/\/\S+)/, 30_000);
    const base = /listening on (http:\/\/\S+)/.exec(fromFile.stdout())![1]!;
    const r = await fetch(`${base}/trigger/w`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 202, 'the secret from the file is the one checked');
  } finally {
    await fromFile.stop();
  }
  const unheard = await startDregsy([`-config=${await writeConfig(dir, config(''), 'nolisten.yaml')}`], { env: { DREGSY_WEBHOOK_TOKEN: TOKEN } }).result;
  assert.equal(unheard.code, 2);
  assert.match(unheard.stderr, /tasks\[0\]\.webhook: task 'w' waits for push events, but nothing listens: set 'listen'/);
});

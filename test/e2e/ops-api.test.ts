/**
 * The status API through the built CLI's listener, with real registries (htpasswd auth) behind
 * the tasks: every endpoint, pause and resume against scheduled and triggered runs, run now,
 * a pause that outlives a reload, the config in force and the one refused, 401 for a wrong or
 * missing token (and nothing changed), `/metrics` after a run that copied 3 and skipped 2,
 * and the CLI's status/pause/resume/run. Every response body is kept and searched for the
 * registry password, its base64 `auth`, and both tokens.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { freePort, listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { parseMetrics } from '../support/prometheus.js';
import { authOf, runDregsy, startDregsy, waitForOutput, waitUntil, writeConfig, type RunningDregsy } from './dregsy-cli.js';

const PASSWORD = 'Registry-Pa55word-for-ops';
const USER = 'mirror-bot';
const AUTH = authOf(USER, PASSWORD);
const API_TOKEN = 'api-token-for-ops-tests-0123';
const WEBHOOK_TOKEN = 'webhook-token-for-ops-tests';

let source: TestRegistry;
let target: TestRegistry;
let dir: string;
let file: string;
let dregsy: RunningDregsy;
let base: string;
const bodies: string[] = [];

async function call(method: string, path: string, token: string | null = API_TOKEN): Promise<{ status: number; text: string; json: () => any; headers: Headers }> {
  const r = await fetch(`${base}${path}`, { method, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  const text = await r.text();
  bodies.push(`${method} ${path} → ${r.status}\n${text}`);
  return { status: r.status, text, json: () => JSON.parse(text), headers: r.headers };
}
const get = (path: string, token?: string | null) => call('GET', path, token);
const post = (path: string, token?: string | null) => call('POST', path, token);
const runsOf = (task: string) => dregsy.count(new RegExp(`\\[${task}\\] task run started`));

const config = (tickerSchedule: string, extra = '') => `
listen: 127.0.0.1:0
relay: native
tasks:
  - name: mirror
    interval: 3600
    source: { registry: ${source.host}, skip-tls-verify: true, auth: ${AUTH} }
    target: { registry: ${target.host}, skip-tls-verify: true, auth: ${AUTH} }
    mappings: [{ from: team/app, to: mirror/app }]
    hooks:
      after-sync: { cmd: /bin/true, env: { PUSH_PASSWORD: ${PASSWORD}, REGION: eu-1 }, args: ['--password=${PASSWORD}'] }
  - name: broken
    interval: 3600
    source: { registry: 127.0.0.1:${closedPort}, skip-tls-verify: true, auth: ${AUTH} }
    target: { registry: ${target.host}, skip-tls-verify: true, auth: ${AUTH} }
    mappings: [{ from: team/none }]
  - name: ticker
    schedule: "${tickerSchedule}"
    run-on-start: false
    source: { registry: ${source.host}, skip-tls-verify: true, auth: ${AUTH} }
    target: { registry: ${target.host}, skip-tls-verify: true, auth: ${AUTH} }
    mappings: [{ from: team/tick, to: mirror/tick }]
${extra}`;
let closedPort: number;

before(async () => {
  dir = await makeTempDir('dregsy-e2e-ops-api-');
  closedPort = await freePort();
  const users = { [USER]: PASSWORD };
  [source, target] = await Promise.all([startRegistry({ auth: 'htpasswd', users }), startRegistry({ auth: 'htpasswd', users })]);
  await pushTags(source, 'team/app', ['1', '2', '3', '4', '5']);
  await pushTags(source, 'team/tick', ['t']);
  // Two of the five are at the target already, with the source's digests: copied by a one-off run first.
  const seed = await writeConfig(
    dir,
    `relay: native\ntasks:\n  - name: seed\n    source: { registry: ${source.host}, skip-tls-verify: true, auth: ${AUTH} }\n    target: { registry: ${target.host}, skip-tls-verify: true, auth: ${AUTH} }\n    mappings: [{ from: team/app, to: mirror/app, tags: ['1', '2'] }]\n`,
    'seed.yaml',
  );
  const seeded = await runDregsy([`-config=${seed}`]);
  assert.equal(seeded.code, 0, seeded.stdout + seeded.stderr);
  file = await writeConfig(dir, config('*/2 * * * * *'));
  dregsy = startDregsy([`-config=${file}`], { env: { DREGSY_API_TOKEN: API_TOKEN, DREGSY_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, timeoutMs: 300_000 });
  await waitForOutput(dregsy.stdout, /listening on (http:\/\/\S+)/, 30_000);
  base = /listening on (http:\/\/\S+)/.exec(dregsy.stdout())![1]!;
  await waitUntil(() => dregsy.count(/\[(mirror|broken)\] task run finished/) === 2, 60_000, 'the start runs');
});

after(async () => {
  const r = await dregsy?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
  for (const secret of [PASSWORD, AUTH, API_TOKEN, WEBHOOK_TOKEN]) assert.ok(!(r?.stdout ?? '').includes(secret), 'no secret in the log');
});

test('GET /api/v1/tasks: every task with state, trigger, last run summary, next run and last error', async () => {
  const r = await get('/api/v1/tasks');
  assert.equal(r.status, 200);
  const { tasks } = r.json();
  assert.deepEqual(tasks.map((t: any) => t.name), ['mirror', 'broken', 'ticker']);
  const [mirror, broken, ticker] = tasks;
  assert.equal(mirror.lastRun.ok, true);
  assert.deepEqual(mirror.lastRun.counts, { selected: 5, checked: 5, copied: 3, skipped: 2, failed: 0 });
  assert.equal(mirror.trigger.interval, 3600);
  assert.ok(Date.parse(mirror.nextRunAt) > Date.now());
  assert.equal(mirror.nextTrigger, 'interval');
  assert.equal(broken.lastRun.ok, false);
  assert.match(broken.lastError, /cannot reach 127\.0\.0\.1/);
  assert.equal(ticker.trigger.schedule, '*/2 * * * * *');
  assert.deepEqual(await listTags(target, 'mirror/app'), ['1', '2', '3', '4', '5']);
});

test('/metrics after a run that copied 3 and skipped 2: counters by name and labels (parsed, not matched)', async () => {
  const r = await get('/metrics', null);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const m = parseMetrics(r.text);
  assert.equal(m.value('dregsy_images_total', { task: 'mirror', result: 'copied' }), 3);
  assert.equal(m.value('dregsy_images_total', { task: 'mirror', result: 'skipped' }), 2);
  assert.equal(m.value('dregsy_images_total', { task: 'mirror', result: 'failed' }), 0);
  assert.equal(m.value('dregsy_images_total', { task: 'broken', result: 'failed' }), 1);
  assert.equal(m.value('dregsy_task_runs_total', { task: 'mirror', outcome: 'ok' }), 1);
  assert.equal(m.value('dregsy_task_runs_total', { task: 'broken', outcome: 'failed' }), 1);
  const lastSuccess = m.value('dregsy_task_last_success_timestamp_seconds', { task: 'mirror' })!;
  assert.ok(Math.abs(lastSuccess - Date.now() / 1000) < 600, String(lastSuccess));
  assert.equal(m.value('dregsy_task_last_success_timestamp_seconds', { task: 'broken' }), undefined);
  assert.equal(m.sumCount('dregsy_task_run_duration_seconds', { task: 'mirror' })?.count, 1);
  assert.equal(m.value('dregsy_config_last_reload_successful'), 1);
  // the native relay's requests, counted by the runtime's RegistryHealth
  for (const registry of [source.host, target.host]) {
    assert.ok(m.value('dregsy_registry_requests_total', { registry, status_class: '2xx' })! > 0, `${registry}: requests answered 2xx`);
    assert.ok(m.value('dregsy_registry_requests_total', { registry, status_class: '4xx' })! > 0, `${registry}: the 401 that asks for credentials`);
    assert.equal(m.value('dregsy_registry_retries_total', { registry }), 0);
    assert.equal(m.value('dregsy_registry_slowdown', { registry, kind: 'none' }), 1);
  }
  assert.ok(m.value('dregsy_process_resident_memory_bytes')! > 0);
  assert.ok(m.names.every((n) => n.startsWith('dregsy_')), m.names.filter((n) => !n.startsWith('dregsy_')).join(' '));
});

test('GET /api/v1/tasks/<name>: the definition without secrets and the last run per image', async () => {
  const r = await get('/api/v1/tasks/mirror');
  assert.equal(r.status, 200);
  const d = r.json();
  assert.equal(d.definition.source.auth, '***');
  assert.equal(d.definition.hooks.afterSync.env.PUSH_PASSWORD, '***');
  assert.equal(d.definition.hooks.afterSync.env.REGION, 'eu-1');
  assert.deepEqual(d.definition.hooks.afterSync.args, ['--password=***']);
  const images = d.lastRunImages;
  assert.equal(images.length, 5);
  const copied = images.filter((i: any) => i.action === 'copied');
  assert.equal(copied.length, 3);
  for (const i of images) {
    assert.match(i.source, new RegExp(`^${source.host}/team/app:[1-5]$`));
    assert.match(i.target, new RegExp(`^${target.host}/mirror/app:[1-5]$`));
    // New tags are copied unchecked (the copy finds the digest), so digests are those of the checked ones.
    if (i.action === 'skipped') assert.match(i.sourceDigest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(typeof i.durationMs, 'number');
  }
  assert.equal(images.find((i: any) => i.action === 'skipped').targetDigest, images.find((i: any) => i.action === 'skipped').sourceDigest);
  const broken = (await get('/api/v1/tasks/broken')).json();
  assert.match(broken.lastRunImages[0].error, /cannot reach/);
  assert.equal((await get('/api/v1/tasks/nope')).status, 404);
});

test('pause stops scheduled and triggered runs, a run in flight finishes; resume restarts them', async () => {
  await waitUntil(() => runsOf('ticker') >= 1, 20_000, 'a scheduled ticker run');
  const paused = await post('/api/v1/tasks/ticker/pause');
  assert.equal(paused.status, 200);
  assert.equal(paused.json().paused, true);
  await waitUntil(async () => (await get('/api/v1/tasks/ticker')).json().state === 'paused', 10_000, 'the run in flight to finish');
  const before = runsOf('ticker');
  const trig = await fetch(`${base}/trigger/ticker`, { method: 'POST', headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } });
  assert.equal(trig.status, 202);
  const run = await post('/api/v1/tasks/ticker/run');
  assert.equal(run.status, 409, 'run now refuses a paused task');
  await new Promise((r) => setTimeout(r, 5_000)); // two schedule ticks and the trigger's delay
  assert.equal(runsOf('ticker'), before, 'no run while paused');
  const s = (await get('/api/v1/tasks/ticker')).json();
  assert.equal(s.active, false);
  assert.ok(s.pending, 'what came meanwhile is kept');
  assert.equal((await post('/api/v1/tasks/ticker/resume')).status, 200);
  await waitUntil(() => runsOf('ticker') >= before + 2, 20_000, 'runs after resume (the pending one, then the schedule)');
});

test('run now copies', async () => {
  await pushTags(source, 'team/app', ['6']);
  const r = await post('/api/v1/tasks/mirror/run');
  assert.equal(r.status, 202);
  await waitUntil(async () => (await listTags(target, 'mirror/app')).includes('6'), 30_000, 'mirror/app:6');
  await waitUntil(async () => (await get('/api/v1/tasks/mirror')).json().lastRun.counts.copied === 1, 10_000, 'the run to end');
  assert.equal((await post('/api/v1/tasks/nope/run')).status, 404);
});

test('a wrong or missing token gets 401 on every endpoint but probes and /metrics, and changes nothing', async () => {
  const protectedCalls: Array<[string, string]> = [
    ['GET', '/api/v1/tasks'],
    ['GET', '/api/v1/tasks/mirror'],
    ['POST', '/api/v1/tasks/mirror/pause'],
    ['POST', '/api/v1/tasks/broken/resume'],
    ['POST', '/api/v1/tasks/mirror/run'],
    ['GET', '/api/v1/config'],
    ['GET', '/list?type=configured'],
    ['GET', '/ops?sync=mirror&action=pause'],
    ['GET', '/ui/rows'],
  ];
  const runsBefore = runsOf('mirror');
  for (const token of ['wrong', null, `${API_TOKEN}x`, WEBHOOK_TOKEN]) {
    for (const [method, path] of protectedCalls) {
      const r = await call(method, path, token);
      assert.equal(r.status, 401, `${method} ${path} with ${token}`);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
  }
  for (const path of ['/healthz', '/readyz', '/metrics', '/']) assert.equal((await get(path, null)).status, 200, path);
  const page = (await get('/', null)).text;
  assert.ok(!page.includes('<tr class='), 'the page shows no task without the token');
  await new Promise((r) => setTimeout(r, 1_000));
  const mirror = (await get('/api/v1/tasks/mirror')).json();
  assert.equal(mirror.paused, false, 'not paused');
  assert.equal(runsOf('mirror'), runsBefore, 'no run');
});

test("picture-book's /list and /ops", async () => {
  const configured = await get('/list?type=configured');
  assert.deepEqual(configured.json().map((t: any) => t.name), ['mirror', 'broken', 'ticker']);
  const paused = await get('/ops?sync=broken&action=pause');
  assert.equal(paused.text.trim(), 'OK. broken has been paused.');
  const active = await get('/list?type=active');
  assert.deepEqual(Object.keys(active.json()), ['mirror', 'ticker']);
  const details = await get('/ops?sync=broken&action=details');
  assert.equal(details.json().paused, true);
  const resumed = await post('/ops?sync=broken&action=resume');
  assert.match(resumed.text, /^OK\. Syncer for broken is now running\. Next execution will be at \d{4}-/);
  assert.equal((await get('/ops?sync=nope&action=details')).status, 404);
  assert.equal((await get('/list')).status, 400);
});

test('the CLI: status exits 1 while a task fails; pause, resume and run; a wrong token is exit 1; a missing task argument exit 2', async () => {
  const env = { DREGSY_API: base, DREGSY_API_TOKEN: API_TOKEN };
  const status = await runDregsy(['status'], { env });
  assert.equal(status.code, 1, status.stderr);
  assert.match(status.stdout, /^TASK +STATE +LAST RUN/m);
  assert.match(status.stdout, /^broken +idle +FAILED/m);
  assert.match(status.stdout, /^mirror +idle +ok .* 1 +5 +0/m);
  const json = await runDregsy(['status', '--json'], { env });
  assert.deepEqual(JSON.parse(json.stdout).tasks.map((t: any) => t.name), ['mirror', 'broken', 'ticker']);
  const tokenFile = await writeConfig(dir, `${API_TOKEN}\n`, 'api-token');
  const pause = await runDregsy(['pause', 'mirror', '--api', base, '--token-file', tokenFile], { env: { DREGSY_API_TOKEN: undefined } });
  assert.equal(pause.code, 0, pause.stderr);
  assert.equal((await get('/api/v1/tasks/mirror')).json().paused, true);
  assert.equal((await runDregsy(['resume', 'mirror'], { env })).code, 0);
  assert.equal((await get('/api/v1/tasks/mirror')).json().paused, false);
  const waited = await runDregsy(['run', 'mirror', '--wait'], { env });
  assert.equal(waited.code, 0, waited.stderr);
  assert.match(waited.stdout, /mirror: ok: copied=0 skipped=6 failed=0/);
  const failing = await runDregsy(['run', 'broken', '--wait'], { env });
  assert.equal(failing.code, 1);
  const wrong = await runDregsy(['status'], { env: { ...env, DREGSY_API_TOKEN: 'nope' } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /refused the token/);
  assert.equal((await runDregsy(['pause', 'nope'], { env })).code, 1);
  assert.equal((await runDregsy(['pause'], { env })).code, 2);
});

test('a pause outlives a reload; /api/v1/config shows the config in force and the last one refused', async () => {
  const before = (await get('/api/v1/config')).json();
  assert.equal(before.lastRejected, null);
  assert.equal(before.ready, true);
  assert.equal((await post('/api/v1/tasks/ticker/pause')).status, 200);
  await writeFile(file, config('*/3 * * * * *'));
  dregsy.child.kill('SIGHUP');
  await waitForOutput(dregsy.stdout, /config reloaded \(changed: ticker/, 30_000);
  const ticker = (await get('/api/v1/tasks/ticker')).json();
  assert.equal(ticker.trigger.schedule, '*/3 * * * * *');
  assert.equal(ticker.paused, true, 'still paused with its new definition');
  const reloaded = (await get('/api/v1/config')).json();
  assert.ok(Date.parse(reloaded.loadedAt) > Date.parse(before.loadedAt));
  await writeFile(file, config('*/3 * * * * *', '  - name: bad\n    interval: 5\n'));
  dregsy.child.kill('SIGHUP');
  await waitForOutput(dregsy.stdout, /keeping the config loaded at/, 30_000);
  const refused = (await get('/api/v1/config')).json();
  assert.equal(refused.loadedAt, reloaded.loadedAt, 'the good one stays in force');
  assert.ok(refused.lastRejected.problems.some((p: string) => /minimum task interval is 30 seconds/.test(p)));
  const m = parseMetrics((await get('/metrics', null)).text);
  assert.equal(m.value('dregsy_config_reloads_total', { result: 'failure' }), 1);
  assert.equal(m.value('dregsy_config_reloads_total', { result: 'success' }), 1);
  assert.equal(m.value('dregsy_config_last_reload_successful'), 0);
  assert.equal(m.value('dregsy_task_paused', { task: 'ticker' }), 1);
});

test('no response body holds the registry password, its auth, or a token', () => {
  assert.ok(bodies.length > 40, `${bodies.length} bodies`);
  for (const body of bodies) {
    for (const secret of [PASSWORD, AUTH, API_TOKEN, WEBHOOK_TOKEN]) assert.ok(!body.includes(secret), `a secret in:\n${body.slice(0, 500)}`);
  }
});

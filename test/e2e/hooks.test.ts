/**
 * After-sync hooks through the CLI: a hook script records its stdin, environment and working
 * directory; it runs after a run that copied, not after a no-op run; a hook past its timeout is
 * ended and logged, and the daemon goes on. Also: push events that arrive while a task is busy
 * (here, while its hook runs) fold into exactly one follow-up run.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

/** Every process's command line, arguments joined by spaces (a process gone meanwhile is skipped). */
async function processArgs(): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  const lines = await Promise.all(pids.map((p) => readFile(`/proc/${p}/cmdline`, 'utf8').then((c) => c.split('\0').filter(Boolean).join(' '), () => '')));
  return lines.filter(Boolean);
}
import { freePort, listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { startDregsy, waitForIdleAfter, waitForOutput, waitUntil, writeConfig, type RunningDregsy } from './dregsy-cli.js';

const TOKEN = 'hook-test-secret';
let source: TestRegistry;
let target: TestRegistry;
let dir: string;
let out: string;
let work: string;
let port: number;
let dregsy: RunningDregsy;

const records = async (kind: string) => (await readdir(out)).filter((f) => f.startsWith(kind)).sort();
const runsOf = (task: string) => dregsy.count(new RegExp(`\\[${task}\\] task run started`));

before(async () => {
  dir = await makeTempDir('dregsy-e2e-hooks-');
  out = join(dir, 'out');
  work = join(dir, 'work');
  await Promise.all([mkdir(out), mkdir(work)]);
  port = await freePort();
  [source, target] = await Promise.all([startRegistry({ notify: [{ url: `http://127.0.0.1:${port}/webhooks/distribution`, token: TOKEN }] }), startRegistry()]);
  await pushTags(source, 'team/app', ['1.0']);
  await pushTags(source, 'fold/app', ['0']);
  await pushTags(source, 'hang/app', ['1']);
  const script = join(dir, 'record.sh');
  await writeConfig(
    dir,
    `#!/bin/sh
# one record per call; calls of one task never overlap, so the count is safe
n=$(ls "$OUT_DIR" | grep -c '^stdin-')
cat > "$OUT_DIR/stdin-$n.json"
env > "$OUT_DIR/env-$n.txt"
pwd > "$OUT_DIR/pwd-$n.txt"
`,
    'record.sh',
  );
  await chmod(script, 0o755);
  const loc = `source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }`;
  const file = await writeConfig(
    dir,
    `
listen: 127.0.0.1:${port}
relay: native
tasks:
  - name: hanging
    ${loc}
    mappings: [{ from: hang/app }]
    hooks:
      after-sync: { cmd: /bin/sh, args: ['-c', 'sleep 29.317; :'], timeout: 1s, when: always }
  - name: hooked
    webhook: true
    delay: 300ms
    ${loc}
    mappings: [{ from: team/app, to: h/app }]
    hooks:
      after-sync:
        cmd: ${script}
        workdir: ${work}
        env: { OUT_DIR: ${out}, HOOK_MARK: from-config }
        timeout: 20s
  - name: folding
    webhook: true
    delay: 300ms
    ${loc}
    mappings: [{ from: fold/app, to: f/app }]
    hooks:
      # keeps the task busy until the test opens the gate
      after-sync: { cmd: /bin/sh, args: ['-c', 'while [ ! -e "$GATE" ]; do sleep 0.05; done'], env: { GATE: ${join(dir, 'gate')} }, when: always }
`,
  );
  // debug: the listener logs each notification it queues, which the folding test waits for
  dregsy = startDregsy([`-config=${file}`], { env: { DREGSY_WEBHOOK_TOKEN: TOKEN, SECRET_OF_HOST: 'kept', LOG_LEVEL: 'debug' }, timeoutMs: 300_000 });
  await waitForOutput(dregsy.stdout, /listening on/, 30_000);
});

after(async () => {
  const r = await dregsy?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
  assert.equal(r?.code, 0, r ? r.stdout + r.stderr : 'not started');
});

test('a hook past its timeout is ended and logged, with its children; the daemon goes on', async () => {
  await waitForOutput(dregsy.stdout, /\[hanging\] after-sync hook '\/bin\/sh' ran past its timeout \(1s\) and was ended/, 20_000);
  assert.equal(dregsy.child.exitCode, null);
  // the shell's child goes with it: the hook runs in a process group of its own, ended whole
  await waitUntil(async () => !(await processArgs()).some((a) => a === 'sleep 29.317'), 10_000, "the hook's 'sleep' ended too");
});

test('the hook gets the run as JSON on stdin, its env and workdir, once per run that copied', async () => {
  await waitUntil(async () => (await records('pwd-')).length === 1, 20_000, 'the first hook call');
  const input = JSON.parse(await readFile(join(out, 'stdin-0.json'), 'utf8')) as Record<string, unknown> & { counts: { copied: number }; images: Array<{ action: string; target: string }> };
  assert.equal(input.task, 'hooked');
  assert.equal(input.ok, true);
  assert.equal(input.scope, 'full');
  // the registry may deliver the notification of the push before dregsy started (it retries) in time to fold in
  assert.ok((input.triggers as string[]).includes('start'), String(input.triggers));
  assert.equal(input.counts.copied, 1);
  assert.deepEqual(input.images.map((i) => [i.action, i.target]), [['copied', `${target.host}/h/app:1.0`]]);
  const env = await readFile(join(out, 'env-0.txt'), 'utf8');
  assert.match(env, /^OUT_DIR=/m);
  assert.match(env, /^HOOK_MARK=from-config$/m);
  assert.match(env, /^DREGSY_TASK=hooked$/m);
  assert.match(env, /^SECRET_OF_HOST=kept$/m, "dregsy's own environment is passed on");
  assert.doesNotMatch(env, /DREGSY_WEBHOOK_TOKEN|hook-test-secret/, 'but not the webhook secret');
  assert.equal((await readFile(join(out, 'pwd-0.txt'), 'utf8')).trim(), work);

  // a run that copies nothing: no hook
  const runs = runsOf('hooked');
  const r = await fetch(`http://127.0.0.1:${port}/trigger/hooked`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(r.status, 202);
  await waitUntil(() => dregsy.count(/\[hooked\] task run finished/) === runs + 1, 20_000, 'the triggered run');
  await waitForOutput(dregsy.stdout, /\[hooked\] after-sync hook not run \(when: copied\)/, 20_000);
  assert.equal((await records('stdin-')).length, 1, 'no hook after a no-op run');

  // a push that copies: the hook again, told it was a webhook run
  await pushTags(source, 'team/app', ['2.0']);
  await waitUntil(async () => (await records('pwd-')).length === 2, 20_000, 'the second hook call');
  const second = JSON.parse(await readFile(join(out, 'stdin-1.json'), 'utf8')) as { triggers: string[]; scope: string; counts: { copied: number } };
  assert.deepEqual(second.triggers, ['webhook']);
  assert.equal(second.scope, 'pushed');
  assert.equal(second.counts.copied, 1);
});

test('push events while the task is busy fold into exactly one follow-up run', async () => {
  // the start run copies fold/app:0, then its hook keeps the task busy until the gate opens
  await waitForOutput(dregsy.stdout, /\[folding\] after-sync hook started/, 30_000);
  const runs = runsOf('folding');
  await pushTags(source, 'fold/app', ['1', '2', '3', '4', '5']);
  const notified = () => [...dregsy.stdout().matchAll(/distribution webhook: (\d+) push\(es\) for folding .*images=\S*fold\/app:[1-5]/g)].reduce((n, m) => n + Number(m[1]), 0);
  await waitUntil(() => notified() >= 5, 20_000, 'the five notifications');
  assert.equal(dregsy.count(/\[folding\] after-sync hook finished/), 0, 'still busy');
  await writeFile(join(dir, 'gate'), '');
  await waitUntil(async () => (await listTags(target, 'f/app')).length === 6, 30_000, 'all six tags at the target');
  await waitUntil(() => dregsy.count(/\[folding\] after-sync hook finished/) >= 2, 30_000, 'the follow-up run and its hook');
  await waitForIdleAfter(dregsy.stdout, /\[folding\] after-sync hook finished/, 20_000);
  assert.equal(runsOf('folding'), runs + 1, 'exactly one follow-up run');
  assert.match(dregsy.stdout(), /\[folding\] task run started pushed=5/);
});

/**
 * Credentials never appear in any process's argv (other users of the machine can read
 * /proc/PID/cmdline) nor in the logs, even at LOG_LEVEL=trace, on success and on failure.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { after, test } from 'node:test';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { authOf, runDregsy, writeConfig } from './dregsy-cli.js';

const SRC_PW = 'Src-S3cret-pw-4711';
const DST_PW = 'Dst-S3cret-pw-0815';
const WRONG_PW = 'Wrong-S3cret-pw-1234';
const regs: TestRegistry[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(regs.map((r) => r.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Every secret form a leak could take: the password, user:pass, and their base64. */
function forms(user: string, pw: string): string[] {
  return [pw, `${user}:${pw}`, Buffer.from(`${user}:${pw}`).toString('base64'), authOf(user, pw)];
}

/** Reads every process's argv, again and again, until stopped. */
function watchCmdlines() {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const pid of await readdir('/proc').catch(() => [] as string[])) {
        if (!/^\d+$/.test(pid)) continue;
        const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmd) seen.add(cmd.split('\0').join(' '));
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...seen];
    },
  };
}

test('no credential in any argv or log line during a run at trace level', async () => {
  const dir = await makeTempDir('dregsy-e2e-secrets-');
  dirs.push(dir);
  const source = await startRegistry({ auth: 'htpasswd', users: { srcuser: SRC_PW } });
  const target = await startRegistry({ auth: 'htpasswd', users: { dstuser: DST_PW } });
  const broken = await startRegistry({ auth: 'htpasswd', users: { dstuser: DST_PW } });
  regs.push(source, target, broken);
  await pushTags(source, 'team/app', ['1', '2', '3', '4', '5', '6']);
  const file = await writeConfig(
    dir,
    `
tasks:
  - name: good
    verbose: true
    source: { registry: ${source.host}, skip-tls-verify: true, auth: ${authOf('srcuser', SRC_PW)} }
    target: { registry: ${target.host}, skip-tls-verify: true, auth: ${authOf('dstuser', DST_PW)} }
    mappings:
      - from: team/app
  - name: wrong-password
    verbose: true
    source: { registry: ${source.host}, skip-tls-verify: true, auth: ${authOf('srcuser', SRC_PW)} }
    target: { registry: ${broken.host}, skip-tls-verify: true, auth: ${authOf('dstuser', WRONG_PW)} }
    mappings:
      - from: team/app
        tags: ['1']
`,
  );
  const watcher = watchCmdlines();
  const r = await runDregsy([`-config=${file}`], { env: { LOG_LEVEL: 'trace' } });
  const cmdlines = await watcher.stop();

  assert.equal(r.code, 1, 'the wrong password fails its task');
  assert.deepEqual(await listTags(target, 'team/app'), ['1', '2', '3', '4', '5', '6']);
  // Only this test's copies: other test files (and their anonymous copies) run at the same time.
  // `skopeo copy` names both hosts; a batch's `skopeo sync` names the target (its source list is a file).
  const skopeoRuns = cmdlines.filter((c) => /skopeo .*(copy|sync)/.test(c) && (c.includes(source.host) || c.includes(target.host) || c.includes(broken.host)));
  assert.ok(skopeoRuns.length > 0, 'the watcher saw skopeo processes (else this test proves nothing)');
  assert.ok(skopeoRuns.every((c) => c.includes('--src-authfile=') && c.includes('--dest-authfile=')), skopeoRuns.join('\n'));
  const secrets = [...forms('srcuser', SRC_PW), ...forms('dstuser', DST_PW), ...forms('dstuser', WRONG_PW)];
  for (const s of secrets) {
    for (const c of cmdlines) assert.ok(!c.includes(s), `argv leaked a credential: ${c.replace(s, '<SECRET>')}`);
    assert.ok(!r.stdout.includes(s), 'stdout leaked a credential');
    assert.ok(!r.stderr.includes(s), 'stderr leaked a credential');
  }
  assert.match(r.stdout, /TRACE|DEBUG/, 'the log really was verbose');
  assert.match(r.stdout, /wrong-password.*(unauthorized|authentication required|401)/i, 'the failure is explained');
});

test('a one-character password does not garble the log: short secrets are not masked inside words', async () => {
  const dir = await makeTempDir('dregsy-e2e-short-pw-');
  dirs.push(dir);
  const [source, target] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd', users: { u: 'e' } })]);
  regs.push(source, target);
  await pushTags(source, 'team/app', ['1.0']);
  const file = await writeConfig(
    dir,
    `relay: skopeo
tasks:
  - name: short
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true, auth: ${authOf('u', 'e')} }
    mappings: [{ from: team/app, tags: ['1.0'] }]
`,
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[short\] task run finished/, r.stdout);
  assert.deepEqual(await listTags(target, 'team/app'), ['1.0']);
  for (const s of [authOf('u', 'e'), Buffer.from('u:e').toString('base64')]) assert.ok(!r.stdout.includes(s), 'the longer forms stay masked');
});

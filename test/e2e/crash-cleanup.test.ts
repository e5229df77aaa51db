/**
 * Credentials in temp files do not outlive the process, even one that is killed or crashes:
 * SIGKILL in the middle of a copy leaves the authfile folder, and the next start removes it
 * (but never the folder of a dregsy that still runs); an uncaught error ends the process with
 * one line, the report written and the folder removed; an unusable TMPDIR is one clear line.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listTags, makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { descendants, stillRunningAfter } from '../support/processes.js';
import { startStallProxy, type StallProxy } from '../support/stall-proxy.js';
import { authOf, runDregsy, waitForOutput, writeConfig } from './dregsy-cli.js';

let dir: string;
let source: TestRegistry;
let target: TestRegistry;
let proxy: StallProxy;
const TARGET_PW = 'crash-Secret-77';
/** What an authfile holds for the target: the credential that must not stay on disk. */
const AUTH_IN_FILE = Buffer.from(`pusher:${TARGET_PW}`).toString('base64');

before(async () => {
  dir = await makeTempDir('dregsy-e2e-crash-');
  [source, target] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd', users: { pusher: TARGET_PW } })]);
  await pushTags(source, 'team/app', ['1.0']);
  proxy = await startStallProxy(source.port);
});
after(async () => {
  await proxy?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every file under `root` whose content holds the credential. */
async function authFolders(tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((n) => n.startsWith('dregsy-auth-'));
}

async function filesHoldingCredential(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path, 'utf8').catch(() => '')).includes(AUTH_IN_FILE)) found.push(path);
  }
  return found;
}

const config = (sourceHost: string, repo: string, interval = '') => `relay: skopeo
tasks:
  - name: copy
${interval}    source: { registry: ${sourceHost}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true, auth: ${authOf('pusher', TARGET_PW)} }
    mappings: [{ from: team/app, to: ${repo}, tags: ['1.0'] }]
`;

test('SIGKILL in the middle of a copy leaves the authfile folder; the next start removes it, not a running one', async () => {
  const tmp = await makeTempDir('dregsy-e2e-tmp-');
  // Another dregsy runs all along (a shard on the same machine): its folder must survive every start.
  const daemonFile = await writeConfig(dir, config(source.host, 'running/app', '    interval: 30\n'), 'running.yaml');
  let daemon: ChildProcess | undefined;
  let daemonOut = () => '';
  const daemonDone = runDregsy([`-config=${daemonFile}`], {
    env: { TMPDIR: tmp },
    onSpawn: (child, out) => {
      daemon = child;
      daemonOut = out.stdout;
    },
  });
  try {
    await waitForOutput(() => daemonOut(), /\[copy\] task run finished/, 60_000);
    const daemonFolders = await authFolders(tmp);
    assert.equal(daemonFolders.length, 1, 'the running dregsy has its folder');

    const file = await writeConfig(dir, config(proxy.host, 'killed/app'), 'killed.yaml');
    proxy.stall(true);
    let orphans: number[] = [];
    let killedHeld: string[] = [];
    try {
      let readyError: unknown;
      const killed = await runDregsy([`-config=${file}`], {
        env: { TMPDIR: tmp },
        onSpawn: (child) => {
          proxy.stalled().then(
            async () => {
              orphans = await descendants(child.pid ?? 0);
              killedHeld = (await filesHoldingCredential(tmp)).filter((f) => !daemonFolders.some((d) => f.includes(d)));
              child.kill('SIGKILL');
            },
            (e: unknown) => (readyError = e),
          );
        },
      });
      if (readyError) throw readyError;
      assert.equal(killed.signal, 'SIGKILL');
      assert.equal(killedHeld.length, 1, 'while copying, the target credential was in an authfile of its own');
      // skopeo outlives a SIGKILLed parent (nothing can end it then); end it as an operator would.
      for (const pid of orphans) process.kill(pid, 'SIGKILL');
      assert.deepEqual(await stillRunningAfter(orphans, 5_000), []);
      assert.equal((await authFolders(tmp)).length, 2, 'the killed process could not clean up');
    } finally {
      proxy.stall(false);
    }

    const second = await runDregsy([`-config=${file}`], { env: { TMPDIR: tmp } });
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /removed authfile folder '.*dregsy-auth-.*': the dregsy that made it was killed/);
    assert.equal((second.stdout.match(/removed authfile folder/g) ?? []).length, 1, `only the killed one's: ${second.stdout}`);
    assert.deepEqual(await listTags(target, 'killed/app'), ['1.0'], 'the second start copied the image');
    assert.deepEqual(await authFolders(tmp), daemonFolders, "the running dregsy's folder is still there");
  } finally {
    daemon?.kill('SIGTERM');
  }
  const d = await daemonDone;
  assert.equal(d.code, 0, d.stdout + d.stderr);
  assert.deepEqual(await filesHoldingCredential(tmp), [], 'no credential file remains');
  assert.deepEqual(await readdir(tmp), []);
  await rm(tmp, { recursive: true, force: true });
});

test('an uncaught error (the log reader went away): one line, the report written, no authfile or process left, exit 1', async () => {
  const tmp = await makeTempDir('dregsy-e2e-tmp-');
  const report = join(tmp, 'report.json');
  const file = await writeConfig(dir, config(source.host, 'epipe/app', '    interval: 30\n'), 'epipe.yaml');
  let children: number[] = [];
  let foldersWhileRunning: string[] = [];
  const r = await runDregsy([`-config=${file}`, `--report=${report}`], {
    env: { TMPDIR: tmp },
    onSpawn: async (child, out) => {
      await waitForOutput(out.stdout, /\[copy\] task run finished/, 60_000);
      await waitForReport(report);
      foldersWhileRunning = await authFolders(tmp);
      children = await descendants(child.pid ?? 0);
      await rm(report);
      // Whoever read the log is gone: dregsy's next log line (for SIGHUP) fails with EPIPE.
      child.stdout?.destroy();
      child.kill('SIGHUP');
    },
  });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(foldersWhileRunning.length, 1);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^dregsy: unexpected error: write EPIPE\. This is a bug in dregsy, please report it; LOG_LEVEL=debug shows where it happened$/);
  const written = JSON.parse(await readFile(report, 'utf8')) as { tasks: Array<{ task: string }> };
  assert.deepEqual(
    written.tasks.map((t) => t.task),
    ['copy'],
    'the report was written on the way out',
  );
  assert.deepEqual(await stillRunningAfter(children, 2_000), []);
  assert.deepEqual(await authFolders(tmp), []);
  await rm(tmp, { recursive: true, force: true });
});

async function waitForReport(path: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await stat(path).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no report at ${path}`);
}

test('an unusable TMPDIR: one clear line, exit 1, no stack trace', async () => {
  const missing = join(dir, 'no-such-tmp');
  const file = await writeConfig(dir, config(source.host, 'tmpdir/app'), 'tmpdir.yaml');
  const r = await runDregsy([`-config=${file}`], { env: { TMPDIR: missing } });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.equal(r.stderr, `dregsy: cannot make a private folder for authfiles in '${missing}' (the temp folder): it does not exist. Set TMPDIR to a writable folder.\n`);
  assert.doesNotMatch(r.stdout + r.stderr, /^\s+at /m);
});

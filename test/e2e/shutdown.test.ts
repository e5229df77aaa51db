/**
 * SIGTERM at every moment, through the built CLI: while the config loads, while the Docker
 * Engine is awaited, while the relay starts, in the middle of a copy. Each time the process
 * ends promptly with a line that says why, and leaves no child process and no authfile
 * folder. Each run gets a TMPDIR of its own, so a leftover folder is seen, and only ours.
 */
import assert from 'node:assert/strict';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, pushTags, startRegistry, type TestRegistry } from '../support/index.js';
import { descendants, stillRunningAfter } from '../support/processes.js';
import { startStallProxy, type StallProxy } from '../support/stall-proxy.js';
import { authOf, runDregsy, waitForOutput, writeConfig, type CliResult } from './dregsy-cli.js';

let dir: string;
let source: TestRegistry;
let target: TestRegistry;
let proxy: StallProxy;
const TARGET_PW = 'target-Secret-42';

before(async () => {
  dir = await makeTempDir('dregsy-e2e-shutdown-');
  [source, target] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd', users: { pusher: TARGET_PW } })]);
  await pushTags(source, 'team/app', ['1.0']);
  proxy = await startStallProxy(source.port);
});
after(async () => {
  await proxy?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function authFolders(tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((n) => n.startsWith('dregsy-auth-'));
}

interface Stopped {
  result: CliResult;
  /** ms from the signal to the exit */
  afterSignal: number;
  /** the processes dregsy had started when it got the signal */
  children: number[];
}

/** Runs dregsy, sends `signal` once `ready` resolves (given its stdout), and times the exit. */
async function stopWhen(args: string[], env: Record<string, string>, ready: (stdout: () => string) => Promise<unknown>, signal: NodeJS.Signals = 'SIGTERM'): Promise<Stopped> {
  let sentAt = 0;
  let children: number[] = [];
  let readyError: unknown;
  const result = await runDregsy(args, {
    env,
    timeoutMs: 90_000,
    onSpawn: (child, out) => {
      ready(out.stdout).then(
        async () => {
          children = await descendants(child.pid ?? 0);
          sentAt = Date.now();
          child.kill(signal);
        },
        (e: unknown) => {
          readyError = e;
          child.kill('SIGKILL');
        },
      );
    },
  });
  if (readyError) throw readyError;
  assert.ok(sentAt > 0, `the signal was sent: ${result.stdout}${result.stderr}`);
  return { result, afterSignal: Date.now() - sentAt, children };
}

const mappings = `[{ from: team/app, to: mirror/app, tags: ['1.0'] }]`;

// The signal may come only once the read is done (it is mostly synchronous work): then while the
// relay starts, beside which a one-off run's tasks begin to list; no image is compared or copied.
test('SIGTERM while a large config is read: exit 1 at once, said, and no image handled', async () => {
  const tmp = await makeTempDir('dregsy-e2e-tmp-');
  const tasks = Array.from({ length: 1200 }, (_, i) =>
    [`  - name: t${i}`, `    source: { registry: ${source.host}, skip-tls-verify: true }`, `    target: { registry: ${target.host}, skip-tls-verify: true, auth: ${authOf('pusher', TARGET_PW)} }`, `    mappings: [{ from: team/app${i}, to: p/app${i}, tags: ['1.0', 'semver: >=1.0.0'] }]`].join('\n'),
  );
  const file = await writeConfig(dir, `relay: skopeo\ntasks:\n${tasks.join('\n')}\n`, 'large.yaml');
  const { result, afterSignal } = await stopWhen([`-config=${file}`], { TMPDIR: tmp, LOG_LEVEL: 'debug' }, (out) => waitForOutput(out, /reading config/, 30_000));
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /shutting down \(SIGTERM\)/);
  assert.match(result.stderr, /^dregsy: stopped by SIGTERM before the tasks ran\n$/);
  assert.doesNotMatch(result.stdout, /(checked|copied|skipped)=[1-9]/);
  assert.ok(afterSignal < 20_000, `ended ${afterSignal} ms after SIGTERM`);
  assert.deepEqual(await authFolders(tmp), []);
  await rm(tmp, { recursive: true, force: true });
});

test('SIGTERM while waiting for a Docker Engine that does not answer: exit 1 promptly, said, nothing left', async () => {
  const tmp = await makeTempDir('dregsy-e2e-tmp-');
  const file = await writeConfig(
    dir,
    `relay: docker
docker: { dockerhost: 'unix://${join(tmp, 'no-docker.sock')}' }
tasks:
  - name: t
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true, auth: ${authOf('pusher', TARGET_PW)} }
    mappings: ${mappings}
`,
    'docker-wait.yaml',
  );
  const { result, afterSignal } = await stopWhen([`-config=${file}`], { TMPDIR: tmp }, (out) => waitForOutput(out, /does not answer yet .* retrying in 10s/, 30_000));
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.equal(result.signal, null, 'ended by itself, not by the signal');
  assert.match(result.stdout, /shutting down \(SIGTERM\)/);
  assert.match(result.stderr, /stopped by SIGTERM before the tasks ran/);
  assert.ok(afterSignal < 5_000, `ended ${afterSignal} ms after SIGTERM, not after the 10 s wait`);
  assert.deepEqual(await readdir(tmp), [], 'no authfile folder: the Docker relay needs none');
  await rm(tmp, { recursive: true, force: true });
});

test('SIGTERM while the relay starts (skopeo does not answer): its process is ended too', async () => {
  const tmp = await makeTempDir('dregsy-e2e-tmp-');
  const pidFile = join(tmp, 'slow-skopeo.pid');
  const slowSkopeo = join(dir, 'slow-skopeo');
  await writeFile(slowSkopeo, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 300\n`);
  await chmod(slowSkopeo, 0o755);
  const file = await writeConfig(
    dir,
    `relay: skopeo
skopeo: { binary: '${slowSkopeo}' }
tasks:
  - name: t
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings: ${mappings}
`,
    'slow-skopeo.yaml',
  );
  const pidWritten = async () => {
    for (let i = 0; i < 600; i++) {
      const text = await readFile(pidFile, 'utf8').catch(() => '');
      if (text.trim() !== '') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the slow skopeo never started');
  };
  const { result, afterSignal, children } = await stopWhen([`-config=${file}`], { TMPDIR: tmp }, pidWritten);
  const skopeoPid = Number((await readFile(pidFile, 'utf8')).trim());
  assert.ok(children.includes(skopeoPid), 'skopeo --version was running when the signal came');
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /shutting down \(SIGTERM\)/);
  assert.ok(afterSignal < 5_000, `ended ${afterSignal} ms after SIGTERM`);
  assert.deepEqual(await stillRunningAfter(children, 2_000), [], 'no child process left');
  assert.deepEqual(await authFolders(tmp), []);
  await rm(tmp, { recursive: true, force: true });
});

test('SIGTERM in the middle of a copy: the copy gets its grace period, then is ended; no process, no authfile left', async () => {
  const tmp = await makeTempDir('dregsy-e2e-tmp-');
  const file = await writeConfig(
    dir,
    `relay: skopeo
tasks:
  - name: stalled
    source: { registry: ${proxy.host}, skip-tls-verify: true }
    target: { registry: ${target.host}, skip-tls-verify: true, auth: ${authOf('pusher', TARGET_PW)} }
    mappings: [{ from: team/app, to: mid-copy/app, tags: ['1.0'] }]
`,
    'mid-copy.yaml',
  );
  proxy.stall(true);
  try {
    const inCopy = async () => {
      await proxy.stalled();
      assert.equal((await authFolders(tmp)).length, 1, 'skopeo is copying with its authfiles');
    };
    const { result, afterSignal, children } = await stopWhen([`-config=${file}`, '--grace-period=1'], { TMPDIR: tmp }, inCopy);
    assert.ok(children.length > 0, 'skopeo was running');
    assert.match(result.stdout, /shutting down \(SIGTERM\): no new runs; running copies get 1s to finish/);
    assert.match(result.stdout, /ending running copies \(grace period over\)/);
    assert.match(result.stdout, /stopped by shutdown/);
    assert.equal(result.code, 1, 'the copy did not finish');
    assert.ok(afterSignal < 1_000 + 10_000, `ended ${afterSignal} ms after SIGTERM`);
    assert.deepEqual(await stillRunningAfter(children, 2_000), [], 'no child process left');
    assert.deepEqual(await authFolders(tmp), []);
  } finally {
    proxy.stall(false);
    await rm(tmp, { recursive: true, force: true });
  }
});

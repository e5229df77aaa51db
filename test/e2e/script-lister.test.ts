/**
 * The script lister (issue 14 item 2) end to end: the built CLI runs a real script each task
 * run and copies exactly what it prints (`repo`, `repo:tag`, `repo@digest`, the source's host in
 * front), skips blank lines and comments, reports a malformed line with its line number, and
 * fails only its own task when the script fails or hangs past its timeout (no process left).
 */
import assert from 'node:assert/strict';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listRepositories, listTags, makeTempDir, manifestDigest, pushTags, startRegistry, type PushedImage, type TestRegistry } from '../support/index.js';
import { runDregsy, writeConfig } from './dregsy-cli.js';

let source: TestRegistry;
let dir: string;
const pushed: Record<string, Record<string, PushedImage>> = {};
const cleanups: Array<() => Promise<unknown>> = [];

before(async () => {
  dir = await makeTempDir('dregsy-e2e-script-');
  source = await startRegistry();
  pushed['team/app'] = await pushTags(source, 'team/app', ['1.0', '2.0', 'latest']);
  pushed['team/db'] = await pushTags(source, 'team/db', ['1.0', '1.1']);
  pushed['other/x'] = await pushTags(source, 'other/x', ['1.0']);
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await source?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

async function freshTarget(): Promise<TestRegistry> {
  const target = await startRegistry();
  cleanups.push(() => target.stop());
  return target;
}

const task = (name: string, target: TestRegistry, lister: string, mapping = "      - from: regex:.*\n        to: mirror") => `
  - name: ${name}
    source:
      registry: ${source.host}
      skip-tls-verify: true
      lister: ${lister}
    target: { registry: ${target.host}, skip-tls-verify: true }
    mappings:
${mapping}`;

test('the images a script prints are copied, comments and blank lines ignored, a bad line reported by number', async () => {
  const pinned = pushed['team/app']!['2.0']!.digest;
  // Each argument arrives as written (no shell between): the script echoes them back as a comment.
  await script(
    'list.sh',
    `echo "# args: $1|$2"
echo "team/app:1.0"
echo ""
echo "team/app@${pinned}   # pinned by digest"
echo "${source.host}/team/db"
echo "Team/App:!!"
echo "team/db:1.1"`,
  );
  const target = await freshTarget();
  const file = await writeConfig(dir, `tasks:${task('listed', target, "{ type: script, cmd: ./list.sh, args: ['a b', '$HOME'] }")}\n`, 'listed.yaml');
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /script lister '\.\/list\.sh' line 6: 'Team\/App:!!'/);
  assert.deepEqual(await listRepositories(target), ['mirror/team/app', 'mirror/team/db']);
  assert.deepEqual(await listTags(target, 'mirror/team/app'), ['1.0']);
  // A whole repository line: every tag of the registry; the tag line adds nothing new.
  assert.deepEqual(await listTags(target, 'mirror/team/db'), ['1.0', '1.1']);
  assert.equal(await manifestDigest(target, 'mirror/team/app', pinned), pinned);
  assert.equal(await manifestDigest(target, 'mirror/team/app', '1.0'), pushed['team/app']!['1.0']!.digest);
});

test('a script that fails fails its task, not the others; the secrets in its env stay out of the log', async () => {
  await script('fail.sh', 'echo "team/app:1.0"\necho "cannot reach inventory with $INVENTORY_TOKEN" >&2\nexit 3');
  const target = await freshTarget();
  const other = await freshTarget();
  const secret = 'sup3r-s3cret-inventory-token';
  const file = await writeConfig(
    dir,
    `tasks:${task('failing', target, `{ type: script, cmd: ./fail.sh, env: { INVENTORY_TOKEN: ${secret} } }`)}
  - name: fine
    source: { registry: ${source.host}, skip-tls-verify: true }
    target: { registry: ${other.host}, skip-tls-verify: true }
    mappings:
      - from: other/x
`,
    'failing.yaml',
  );
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /script lister '\.\/fail\.sh' failed \(exit code 3\): cannot reach inventory with \*+/);
  assert.ok(!(r.stdout + r.stderr).includes(secret), 'the env value is redacted');
  assert.deepEqual(await listRepositories(target), []);
  assert.deepEqual(await listTags(other, 'other/x'), ['1.0']);
});

test('a script that hangs past its timeout is ended with everything it started, and its task fails', async () => {
  const pidFile = join(dir, 'sleep.pid');
  await script('hang.sh', `sleep 600 &\necho $! > ${pidFile}\necho "team/app:1.0"\nwait`);
  const target = await freshTarget();
  const file = await writeConfig(dir, `tasks:${task('hanging', target, '{ type: script, cmd: ./hang.sh, timeout: 1s }')}\n`, 'hanging.yaml');
  const started = Date.now();
  const r = await runDregsy([`-config=${file}`]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /script lister '\.\/hang\.sh' ran past its timeout \(1s\) and was ended/);
  assert.ok(Date.now() - started < 60_000, 'the run does not wait for the sleep');
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  assert.ok(pid > 0);
  assert.equal(await running(pid), false, "the script's child is gone too");
  assert.deepEqual(await listRepositories(target), []);
});

/** Whether the process runs (a zombie waiting for a reaper that never comes in a container does not). */
async function running(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return /^State:\s+[^Z]/m.test(status);
}

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { claimFolder, judgeMarker, ownerState, procFacts, removeOrphanedFolders, type OwnerMarker } from './authfile-owner.js';

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'dregsy-owner-test-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Another process claims `dir` as dregsy does, and runs until killed. */
async function claimInChild(dir: string) {
  const code = `const m = await import(${JSON.stringify(new URL('./authfile-owner.ts', import.meta.url).href)}); await m.claimFolder(${JSON.stringify(dir)}); process.stdout.write('claimed\\n'); setInterval(() => {}, 60000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('claimed') && resolve());
    child.once('exit', (c) => reject(new Error(`claiming child exited with ${String(c)}`)));
  });
  return child;
}

async function folder(name: string): Promise<string> {
  const dir = join(base, name);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

test('pure: a marker is judged only inside its own PID namespace, by pid and start time', () => {
  const marker: OwnerMarker = { pid: 42, start: '1000', pidns: 'pid:[1]' };
  assert.equal(judgeMarker(marker, { ownNamespace: 'pid:[1]', exists: true, start: '1000' }), 'alive');
  assert.equal(judgeMarker(marker, { ownNamespace: 'pid:[1]', exists: false, start: undefined }), 'gone');
  assert.equal(judgeMarker(marker, { ownNamespace: 'pid:[1]', exists: true, start: '2000' }), 'gone', 'the pid was reused');
  assert.equal(judgeMarker(marker, { ownNamespace: 'pid:[2]', exists: false, start: undefined }), 'unknown', 'another container: pids mean nothing here');
  assert.equal(judgeMarker({ pid: 42 }, { ownNamespace: undefined, exists: true, start: undefined }), 'alive', 'no /proc: only whether the pid exists');
});

test('a folder this process claimed is alive; one whose process was SIGKILLed is gone and swept', async () => {
  const mine = await folder('dregsy-auth-mine');
  const claim = await claimFolder(mine);
  const theirs = await folder('dregsy-auth-killed');
  const child = await claimInChild(theirs);
  await writeFile(join(theirs, 'auth-1.json'), '{"auths":{"h":{"auth":"c2VjcmV0"}}}', { mode: 0o600 });
  assert.equal(await ownerState(theirs), 'alive', 'while its process runs');
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.equal(await ownerState(theirs), 'gone');
  assert.equal(await ownerState(mine), 'alive');

  const swept = await removeOrphanedFolders(base);
  assert.deepEqual(swept.removed, [theirs]);
  await assert.rejects(stat(theirs), { code: 'ENOENT' });
  assert.ok((await stat(mine)).isDirectory(), 'a live owner keeps its folder');
  claim.release();
});

test('without a socket the marker decides: dead or reused pid removed, another namespace or no marker kept', async () => {
  const own = { pid: process.pid, start: await procFacts.startOf(process.pid), pidns: await procFacts.pidNamespace() };
  // a pid that surely ended: a child that exited
  const gone = spawn(process.execPath, ['-e', '']);
  await once(gone, 'exit');
  const cases: Array<[string, OwnerMarker | undefined, boolean]> = [
    ['dregsy-auth-live', own, true],
    ['dregsy-auth-dead', { ...own, pid: gone.pid ?? 0 }, false],
    ['dregsy-auth-reused', { ...own, start: own.start === undefined ? undefined : `${own.start}9` }, own.start === undefined],
    ['dregsy-auth-foreign', { ...own, pid: gone.pid ?? 0, pidns: 'pid:[0]' }, true],
    ['dregsy-auth-unmarked', undefined, true],
  ];
  const sub = await mkdtemp(join(base, 'markers-'));
  for (const [name, marker] of cases) {
    await mkdir(join(sub, name), { mode: 0o700 });
    if (marker) await writeFile(join(sub, name, 'owner.json'), JSON.stringify(marker));
  }
  // not ours to touch: other names, and a link (never followed) to a folder that looks stale
  await mkdir(join(sub, 'other-tool-x'));
  const outside = await mkdtemp(join(base, 'outside-'));
  await writeFile(join(outside, 'owner.json'), JSON.stringify({ ...own, pid: gone.pid }));
  await symlink(outside, join(sub, 'dregsy-auth-link'));

  const swept = await removeOrphanedFolders(sub);
  const left = (await readdir(sub)).sort();
  for (const [name, , kept] of cases) assert.equal(left.includes(name), kept, name);
  assert.ok(left.includes('other-tool-x') && left.includes('dregsy-auth-link'));
  assert.ok((await stat(join(outside, 'owner.json'))).isFile(), 'a link is not followed');
  assert.deepEqual(swept.kept.sort(), [join(sub, 'dregsy-auth-foreign'), join(sub, 'dregsy-auth-unmarked')]);
  assert.deepEqual(swept.failed, []);
});

test('a temp folder that cannot be read is not an error at start', async () => {
  const swept = await removeOrphanedFolders(join(base, 'missing'));
  assert.deepEqual(swept, { removed: [], kept: [], failed: [] });
});

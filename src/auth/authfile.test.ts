import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { EnvironmentError } from '../errors.js';
import { createAuthfileStore } from './authfile.js';

// Each test's store lives in this folder, so what a test leaves behind is seen (and no other test's).
let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'dregsy-authfile-test-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('authfiles are private, hold base64 user:pass per registry, and are removed on dispose', async () => {
  const store = await createAuthfileStore(base);
  const file = await store.fileFor('127.0.0.1:5000', { username: 'u', password: 'p:w' });
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await stat(dirname(file))).mode & 0o777, 0o700);
  const json = JSON.parse(await readFile(file, 'utf8')) as { auths: Record<string, { auth: string }> };
  assert.deepEqual(Object.keys(json.auths), ['127.0.0.1:5000']);
  assert.equal(Buffer.from(json.auths['127.0.0.1:5000']!.auth, 'base64').toString(), 'u:p:w');
  assert.equal(await store.fileFor('127.0.0.1:5000', { username: 'u', password: 'p:w' }), file, 'same credentials reuse the file');
  const anon = await store.fileFor('127.0.0.1:5000', undefined);
  assert.deepEqual(JSON.parse(await readFile(anon, 'utf8')), { auths: {} });
  await store.dispose();
  await assert.rejects(stat(dirname(file)), { code: 'ENOENT' });
});

test('Docker Hub aliases also get the docker.io key skopeo looks up', async () => {
  const store = await createAuthfileStore(base);
  try {
    const file = await store.fileFor('registry.hub.docker.com', { username: 'u', password: 'p' });
    const json = JSON.parse(await readFile(file, 'utf8')) as { auths: Record<string, unknown> };
    assert.deepEqual(Object.keys(json.auths).sort(), ['docker.io', 'registry.hub.docker.com']);
  } finally {
    await store.dispose();
  }
});

test('renewed credentials replace the file of that registry and user instead of adding one', async () => {
  const store = await createAuthfileStore(base);
  try {
    const first = await store.fileFor('1.dkr.ecr.eu-west-1.amazonaws.com', { username: 'AWS', password: 'token-1' });
    const second = await store.fileFor('1.dkr.ecr.eu-west-1.amazonaws.com', { username: 'AWS', password: 'token-2' });
    assert.equal(second, first, 'same path');
    const json = JSON.parse(await readFile(second, 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(Object.values(json.auths)[0]!.auth, 'base64').toString(), 'AWS:token-2');
    assert.equal((await stat(second)).mode & 0o777, 0o600);
    assert.deepEqual((await readdir(dirname(second))).filter((f) => f.startsWith('auth-')), ['auth-1.json'], 'no leftover files');
    const other = await store.fileFor('1.dkr.ecr.eu-west-1.amazonaws.com', { username: 'someone', password: 'x' });
    assert.notEqual(other, first, 'another user of the same registry has its own file');
  } finally {
    await store.dispose();
  }
});

test('the folder is made only when asked for, and removeNow() removes it synchronously', async () => {
  const own = await mkdtemp(join(base, 'lazy-'));
  const store = createAuthfileStore(own);
  assert.deepEqual(await readdir(own), [], 'nothing on disk before a relay needs it');
  await store.open();
  const [folder] = await readdir(own);
  assert.match(folder ?? '', /^dregsy-auth-/);
  const file = await store.fileFor('127.0.0.1:5000', { username: 'u', password: 'p' });
  assert.equal(dirname(file), join(own, folder!));
  store.removeNow();
  assert.deepEqual(await readdir(own), []);
  await store.dispose();
});

test('a store that was never opened leaves nothing and disposes quietly', async () => {
  const own = await mkdtemp(join(base, 'unused-'));
  const store = createAuthfileStore(own);
  await store.dispose();
  store.removeNow();
  assert.deepEqual(await readdir(own), []);
});

test('an unusable temp folder is one clear EnvironmentError that names it and says what to do', async () => {
  const missing = join(base, 'does-not-exist');
  await assert.rejects(createAuthfileStore(missing).open(), (e: unknown) => {
    assert.ok(e instanceof EnvironmentError);
    assert.equal(e.message, `cannot make a private folder for authfiles in '${missing}' (the temp folder): it does not exist. Set TMPDIR to a writable folder.`);
    return true;
  });
  const file = join(base, 'a-file');
  await writeFile(file, '');
  await assert.rejects(createAuthfileStore(file).open(), /in '.*a-file' \(the temp folder\): it is not a folder\./);
  if (process.getuid?.() !== 0) {
    // root writes anywhere: the permission case only means something for other users
    const locked = join(base, 'locked');
    await mkdir(locked, { mode: 0o500 });
    await assert.rejects(createAuthfileStore(locked).open(), /permission denied/);
    await chmod(locked, 0o700);
  }
  // fileFor() says the same, for a relay that did not open the store first
  await assert.rejects(createAuthfileStore(missing).fileFor('h:1', undefined), EnvironmentError);
});

test("the store's home for relay processes is private and empty, and goes with the store", async () => {
  const store = createAuthfileStore(base);
  const home = await store.home();
  assert.equal(await store.home(), home, 'one home per store');
  assert.equal((await stat(home)).mode & 0o777, 0o700);
  assert.deepEqual(await readdir(home), []);
  const file = await store.fileFor('127.0.0.1:5000', { username: 'u', password: 'p' });
  assert.equal(dirname(home), dirname(file), 'inside the private folder');
  assert.deepEqual(await readdir(home), [], 'authfiles are written elsewhere');
  await store.dispose();
  await assert.rejects(stat(home), { code: 'ENOENT' });
});

import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir } from '../../test/support/index.js';
import { cacheKey, codeCacheDir, openCodeCache } from './code-cache.js';

let root: string;
const uid = process.getuid?.();
before(async () => {
  root = await makeTempDir('dregsy-code-cache-test-');
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('where: DREGSY_CODE_CACHE, off, or a folder of this user in TMPDIR', () => {
  assert.equal(codeCacheDir({ env: {}, tmpdir: '/tmp', uid: 1000 }), '/tmp/dregsy-code-cache-1000');
  assert.equal(codeCacheDir({ env: { DREGSY_CODE_CACHE: '' }, tmpdir: '/tmp', uid: 1000 }), '/tmp/dregsy-code-cache-1000');
  assert.equal(codeCacheDir({ env: { DREGSY_CODE_CACHE: '/var/cache/dregsy' }, tmpdir: '/tmp', uid: 1000 }), '/var/cache/dregsy');
  assert.equal(codeCacheDir({ env: { DREGSY_CODE_CACHE: 'off' }, tmpdir: '/tmp', uid: 1000 }), undefined);
  assert.equal(codeCacheDir({ env: {}, tmpdir: '/tmp', uid: undefined }), undefined);
});

test('the key follows the bundle text (and this Node) and the path it is at', () => {
  assert.equal(cacheKey(Buffer.from('a'), '/opt/dregsy/dist/bundle/dregsy.cjs'), cacheKey(Buffer.from('a'), '/opt/dregsy/dist/bundle/dregsy.cjs'));
  assert.notEqual(cacheKey(Buffer.from('a'), '/x/dregsy.cjs'), cacheKey(Buffer.from('b'), '/x/dregsy.cjs'));
  assert.notEqual(cacheKey(Buffer.from('a'), '/x/dregsy.cjs'), cacheKey(Buffer.from('a'), '/y/dregsy.cjs'));
  assert.match(cacheKey(Buffer.from('a'), '/x/dregsy.cjs'), /^[0-9a-f]{16}-[0-9a-f]{32}$/);
  // the path's part comes first, the same for every bundle there
  assert.equal(cacheKey(Buffer.from('a'), '/x/dregsy.cjs').split('-')[0], cacheKey(Buffer.from('b'), '/x/dregsy.cjs').split('-')[0]);
});

test('written whole, read back; the folder is made private', async () => {
  const dir = join(root, 'own');
  const cache = openCodeCache(dir, 'k1', { uid, writable: true });
  assert.equal(cache.read(), undefined, 'nothing there yet');
  assert.equal(cache.write(Buffer.from('bytecode')), true);
  assert.deepEqual(cache.read(), Buffer.from('bytecode'));
  const { stat } = await import('node:fs/promises');
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(dir, 'k1.v8cache'))).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ['k1.v8cache'], 'no temporary file left');
});

test('a damaged or cut file is not given to V8', async () => {
  const dir = join(root, 'damaged');
  const cache = openCodeCache(dir, 'k', { uid, writable: true });
  cache.write(Buffer.alloc(4096, 7));
  const file = join(dir, 'k.v8cache');
  const whole = await readFile(file);
  const flipped = Buffer.from(whole);
  const at = flipped.length - 100;
  flipped.writeUInt8(flipped.readUInt8(at) ^ 1, at);
  await writeFile(file, flipped);
  assert.equal(cache.read(), undefined, 'one bit changed');
  await writeFile(file, whole.subarray(0, whole.length - 1));
  assert.equal(cache.read(), undefined, 'cut short');
  await writeFile(file, Buffer.concat([Buffer.from('something else'), whole.subarray(14)]));
  assert.equal(cache.read(), undefined, 'not ours');
  await writeFile(file, whole);
  assert.deepEqual(cache.read(), Buffer.alloc(4096, 7));
});

test('a folder others may write to, or a symlink, is neither read nor written', async () => {
  const open = join(root, 'open');
  const good = openCodeCache(open, 'k', { uid, writable: true });
  good.write(Buffer.from('x'));
  await chmod(open, 0o777);
  const cache = openCodeCache(open, 'k', { uid, writable: true });
  assert.equal(cache.read(), undefined);
  assert.equal(cache.write(Buffer.from('y')), false);
  await chmod(open, 0o700);
  const link = join(root, 'link');
  await symlink(open, link);
  const viaLink = openCodeCache(link, 'k', { uid, writable: true });
  assert.equal(viaLink.read(), undefined);
  assert.equal(viaLink.write(Buffer.from('z')), false);
});

test("someone else's folder is not used for writing; the build's folder may be anyone's, and is only read", async (t) => {
  if (uid !== 0) return t.skip('needs root to give a folder away');
  const theirs = join(root, 'theirs');
  await mkdir(theirs, { mode: 0o700 });
  const { chown } = await import('node:fs/promises');
  openCodeCache(theirs, 'k', { uid, writable: true }).write(Buffer.from('planted?'));
  await chown(theirs, 4242, 4242);
  assert.equal(openCodeCache(theirs, 'k', { uid, writable: true }).read(), undefined, 'not ours, not root');
  await chmod(theirs, 0o755);
  const built = openCodeCache(theirs, 'k', { uid, writable: false });
  assert.deepEqual(built.read(), Buffer.from('planted?'), 'the build folder: trusted as the bundle beside it');
  assert.equal(built.write(Buffer.from('new')), false);
});

test('a place where no folder can be made (a read-only file system): writing fails quietly', async () => {
  const file = join(root, 'a-file');
  await writeFile(file, '');
  const cache = openCodeCache(join(file, 'cache'), 'k', { uid, writable: true });
  assert.equal(cache.write(Buffer.from('x')), false);
  assert.equal(cache.read(), undefined);
});

test("a new cache replaces other bundles' and killed writers' leftovers at its path, not other paths' caches", async () => {
  const dir = join(root, 'tidy');
  openCodeCache(dir, 'p-old', { uid, writable: true }).write(Buffer.from('old'));
  openCodeCache(dir, 'q-other', { uid, writable: true }).write(Buffer.from('other path'));
  await writeFile(join(dir, 'p-new.v8cache.12345.tmp'), 'half');
  await writeFile(join(dir, '0123abcd.v8cache'), 'named before keys held the path');
  await writeFile(join(dir, 'unrelated.txt'), 'kept');
  openCodeCache(dir, 'p-new', { uid, writable: true }).write(Buffer.from('new'));
  assert.deepEqual((await readdir(dir)).sort(), ['p-new.v8cache', 'q-other.v8cache', 'unrelated.txt']);
});

import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { createAuthfileStore } from './authfile.js';

test('authfiles are private, hold base64 user:pass per registry, and are removed on dispose', async () => {
  const store = await createAuthfileStore();
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
  const store = await createAuthfileStore();
  try {
    const file = await store.fileFor('registry.hub.docker.com', { username: 'u', password: 'p' });
    const json = JSON.parse(await readFile(file, 'utf8')) as { auths: Record<string, unknown> };
    assert.deepEqual(Object.keys(json.auths).sort(), ['docker.io', 'registry.hub.docker.com']);
  } finally {
    await store.dispose();
  }
});

test('renewed credentials replace the file of that registry and user instead of adding one', async () => {
  const store = await createAuthfileStore();
  try {
    const first = await store.fileFor('1.dkr.ecr.eu-west-1.amazonaws.com', { username: 'AWS', password: 'token-1' });
    const second = await store.fileFor('1.dkr.ecr.eu-west-1.amazonaws.com', { username: 'AWS', password: 'token-2' });
    assert.equal(second, first, 'same path');
    const json = JSON.parse(await readFile(second, 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(Object.values(json.auths)[0]!.auth, 'base64').toString(), 'AWS:token-2');
    assert.equal((await stat(second)).mode & 0o777, 0o600);
    assert.deepEqual((await readdir(dirname(second))).length, 1, 'no leftover files');
    const other = await store.fileFor('1.dkr.ecr.eu-west-1.amazonaws.com', { username: 'someone', password: 'x' });
    assert.notEqual(other, first, 'another user of the same registry has its own file');
  } finally {
    await store.dispose();
  }
});

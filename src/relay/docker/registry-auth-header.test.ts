import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registryAuthHeader } from './registry-auth-header.js';

/** What the Engine does with the header: Go's padded URL alphabet, then JSON. */
function decodeLikeDocker(value: string): unknown {
  assert.match(value, /^[A-Za-z0-9_-]*={0,2}$/, 'URL alphabet only');
  assert.equal(value.length % 4, 0, 'padded');
  return JSON.parse(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
}

test('anonymous: e30= (`{}`), still sent because a push without the header is refused', () => {
  assert.equal(registryAuthHeader(undefined, 'r.example:5000'), 'e30=');
});

test('credentials: username, password and serveraddress in padded base64url', () => {
  const value = registryAuthHeader({ username: 'bob', password: 'pw' }, '127.0.0.1:5000');
  assert.deepEqual(decodeLikeDocker(value), { username: 'bob', password: 'pw', serveraddress: '127.0.0.1:5000' });
});

test('bytes that base64 writes as + and / come out as - and _ (else Docker pulls anonymously)', () => {
  // '>>>' and '???' encode to '+' and '/' in the standard alphabet
  const creds = { username: 'u>>>', password: 'p???ü' };
  const value = registryAuthHeader(creds, 'h');
  assert.ok(!/[+/]/.test(value));
  assert.ok(/[-_]/.test(value));
  assert.deepEqual(decodeLikeDocker(value), { ...creds, serveraddress: 'h' });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthDecodeError, decodeAuth } from './credentials.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('decodes dregsy auth values', () => {
  const cases: Array<[string | undefined, unknown]> = [
    [undefined, { kind: 'anonymous' }],
    ['', { kind: 'anonymous' }],
    ['none', { kind: 'none' }],
    // dregsy README example: {"username": "alex", "password": "secret"} plus a trailing newline
    ['eyJ1c2VybmFtZSI6ICJhbGV4IiwgInBhc3N3b3JkIjogInNlY3JldCJ9Cg==', { kind: 'basic', credentials: { username: 'alex', password: 'secret' } }],
    [b64('{"username":"u","password":"p\\"q"}'), { kind: 'basic', credentials: { username: 'u', password: 'p"q' } }],
    [b64('user:pa:ss'), { kind: 'basic', credentials: { username: 'user', password: 'pa:ss' } }],
  ];
  for (const [input, want] of cases) assert.deepEqual(decodeAuth(input), want, String(input));
});

test('bad values fail without echoing the value', () => {
  for (const bad of ['not base64!!', b64('{"username":1}'), b64('nocolon')]) {
    assert.throws(() => decodeAuth(bad), (e: unknown) => e instanceof AuthDecodeError && !e.message.includes(bad));
  }
});

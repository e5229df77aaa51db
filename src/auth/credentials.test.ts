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

test("JSON keys match as Go's encoding/json matches them: any case, later keys win, null and missing are empty", () => {
  const cases: Array<[string, unknown]> = [
    ['{"Username":"u","Password":"p"}', { kind: 'basic', credentials: { username: 'u', password: 'p' } }],
    ['{"USERNAME":"u","PASSWORD":"p"}', { kind: 'basic', credentials: { username: 'u', password: 'p' } }],
    ['{"userName":"u","passWord":"p","extra":1}', { kind: 'basic', credentials: { username: 'u', password: 'p' } }],
    // Unicode simple folding: long s and the Kelvin sign fold onto ASCII letters in Go
    ['{"u\u017fername":"u","pa\u017f\u017fword":"p"}', { kind: 'basic', credentials: { username: 'u', password: 'p' } }],
    ['{"username":"a","Username":"b","password":"p"}', { kind: 'basic', credentials: { username: 'b', password: 'p' } }],
    ['{"username":"a","Username":null,"password":"p"}', { kind: 'basic', credentials: { username: 'a', password: 'p' } }],
    ['{"username":"u"}', { kind: 'basic', credentials: { username: 'u', password: '' } }],
    // dregsy's Credentials.Empty(): no credentials at all
    ['{"username":"","password":""}', { kind: 'anonymous' }],
    ['{}', { kind: 'anonymous' }],
    ['null', { kind: 'anonymous' }],
  ];
  for (const [json, want] of cases) assert.deepEqual(decodeAuth(b64(json)), want, json);
});

test('JSON dregsy could not use is an error here, never credentials made of its pieces', () => {
  for (const [json, message] of [
    ['{"username":1,"password":"p"}', /"username" must be a string/],
    ['{"Password":true}', /"password" must be a string/],
    ['["u","p"]', /JSON must be an object/],
    ['{"username":"u","password":"p"', /not valid JSON/],
  ] as const) {
    assert.throws(() => decodeAuth(b64(json)), message, json);
  }
});

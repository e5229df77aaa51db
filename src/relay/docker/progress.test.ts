import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEvent, engineErrorText, hintFor, parseProgressLine, progressError, takeLines } from './progress.js';

test('lines split across chunks are taken only when complete', () => {
  assert.deepEqual(takeLines('{"a":1}\r\n{"b"'), { lines: ['{"a":1}'], rest: '{"b"' });
  assert.deepEqual(takeLines('{"b":2}\n\n'), { lines: ['{"b":2}'], rest: '' });
});

test('an error event of a pull or push stream (as Docker 20.10 sends it)', () => {
  const line = '{"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}';
  assert.equal(progressError(parseProgressLine(line)), 'unauthorized: authentication required');
  assert.equal(progressError(parseProgressLine('{"error":"only error"}')), 'only error');
  assert.equal(progressError(parseProgressLine('{"status":"Pulling fs layer","id":"abc"}')), undefined);
});

test('a line that is not JSON is kept as text, never thrown', () => {
  assert.deepEqual(parseProgressLine('  plain text '), { status: 'plain text' });
  assert.deepEqual(parseProgressLine('[1,2]'), { status: '[1,2]' });
});

test('status lines are described, progress-bar ticks are not', () => {
  assert.equal(describeEvent({ status: 'Pull complete', id: 'abc' }), 'abc: Pull complete');
  assert.equal(describeEvent({ status: 'Digest: sha256:x' }), 'Digest: sha256:x');
  assert.equal(describeEvent({ status: 'Downloading', id: 'abc', progressDetail: { current: 10, total: 20 } }), undefined);
  assert.equal(describeEvent({ error: 'boom' }), 'error: boom');
  assert.equal(describeEvent({}), undefined);
});

test("an Engine error answer: its message, else its text, else the status", () => {
  assert.equal(engineErrorText(404, '{"message":"No such image: x:1"}\n'), 'No such image: x:1');
  assert.equal(engineErrorText(500, 'page not found\nmore'), 'page not found');
  assert.equal(engineErrorText(502, ''), 'HTTP 502');
});

test('hints for what a user can fix', () => {
  assert.match(hintFor('unauthorized: authentication required') ?? '', /'auth' credentials/);
  assert.match(hintFor('Head "http://h/v2/a/manifests/1": no basic auth credentials') ?? '', /'auth'/);
  assert.match(hintFor('http: server gave HTTP response to HTTPS client') ?? '', /insecure-registries/);
  assert.match(hintFor('client version 1.41 is too new. Maximum supported API version is 1.40') ?? '', /api-version/);
  assert.equal(hintFor('manifest unknown'), undefined);
});

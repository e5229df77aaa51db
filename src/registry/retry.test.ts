import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RegistryError } from '../errors.js';
import { classifyRegistryFailure, FinalError } from './retry.js';

const status = (s: number, retryAfterMs?: number) => new RegistryError(`HTTP ${s}`, 'http://r/v2/', s, { retryAfterMs });
const network = (code: string) => new RegistryError('cannot reach r', 'http://r/v2/', undefined, { cause: Object.assign(new Error('boom'), { code }) });

test('statuses: 408, 429 and the gateway 5xx are transient; other answers are final', () => {
  for (const s of [408, 429, 500, 502, 503, 504]) assert.equal(classifyRegistryFailure(status(s)).retry, true, String(s));
  for (const s of [400, 401, 403, 404, 405, 409, 412, 501, 505]) assert.equal(classifyRegistryFailure(status(s)).retry, false, String(s));
  assert.deepEqual(classifyRegistryFailure(status(429, 2_000)), { retry: true, why: 'HTTP 429', afterMs: 2_000 });
});

test('lost connections and timeouts are transient, found anywhere in the cause chain; TLS and DNS failures are final', () => {
  for (const code of ['ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']) assert.equal(classifyRegistryFailure(network(code)).retry, true, code);
  for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'ENOTFOUND', 'ERR_TLS_CERT_ALTNAME_INVALID']) assert.equal(classifyRegistryFailure(network(code)).retry, false, code);
  // A body cut off while read: undici's "terminated", its socket error as the cause.
  assert.equal(classifyRegistryFailure(new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) })).retry, true);
});

test('what is refused on purpose, or was retried already, is final', () => {
  assert.equal(classifyRegistryFailure(new RegistryError('r: the token realm http://x is not https; credentials are not sent there', 'http://x')).retry, false);
  assert.equal(classifyRegistryFailure(new FinalError(status(503))).retry, false);
  assert.equal(classifyRegistryFailure(new DOMException('aborted', 'AbortError')).retry, false);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, delayFor, parseRetryAfter, type RetryPolicy } from './policy.js';

const policy: RetryPolicy = { attempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

test('backoff doubles per retry, stays within the max delay, and is jittered between a tenth and all of its step', () => {
  const cases: Array<[number, number, number]> = [
    // retry, random, expected
    [1, 0, 50],
    [1, 0.999999, 500],
    [2, 1 - 1e-9, 1_000],
    [3, 0.5, Math.round(2_000 * 0.55)],
    [7, 1 - 1e-9, 30_000],
    [20, 0, 3_000],
  ];
  for (const [retry, random, expected] of cases) assert.equal(backoffDelay(retry, policy, () => random), expected, `retry ${retry}, random ${random}`);
});

test('Retry-After: seconds or an HTTP date; anything else is not a wait', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('2', now), 2_000);
  assert.equal(parseRetryAfter(' 120 ', now), 120_000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0, 'a date in the past: now');
  for (const bad of [undefined, '', 'soon', '-1', '1.5']) assert.equal(parseRetryAfter(bad, now), undefined, String(bad));
});

test("a server's Retry-After wins over backoff, but only up to the max delay", () => {
  const random = () => 0;
  assert.equal(delayFor({ retry: true, why: '429', afterMs: 2_000 }, 1, policy, random), 2_000);
  assert.equal(delayFor({ retry: true, why: '429', afterMs: 60_000 }, 1, policy, random), undefined, 'asks for more than max-delay: not retried');
  assert.equal(delayFor({ retry: true, why: '503' }, 2, policy, random), 100);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRenewingCache, renewAt } from './renewal.js';

const H = 3_600_000;

test('renewal: after auth-refresh, or before the token expires, whichever is first', () => {
  const cases: Array<[Parameters<typeof renewAt>[0], number]> = [
    [{ fetchedAt: 0 }, Infinity],
    [{ fetchedAt: 0, refreshMs: H }, H],
    // ECR's 12h token with a 10h auth-refresh: the refresh comes first
    [{ fetchedAt: 0, refreshMs: 10 * H, expiresAt: 12 * H }, 10 * H],
    // a 12h token with auth-refresh 24h: 15 minutes before it expires
    [{ fetchedAt: 0, refreshMs: 24 * H, expiresAt: 12 * H }, 12 * H - 15 * 60_000],
    // a short-lived token: a quarter of its lifetime before expiry
    [{ fetchedAt: 1000, refreshMs: H, expiresAt: 21_000 }, 16_000],
    // already expired when fetched (clock skew): renew on next use
    [{ fetchedAt: 5000, refreshMs: H, expiresAt: 4000 }, 4000],
    [{ fetchedAt: 0, expiresAt: 2 * H }, 2 * H - 15 * 60_000],
  ];
  for (const [input, want] of cases) assert.equal(renewAt(input), want, JSON.stringify(input));
});

test('the cache fetches once, shares concurrent fetches, renews when due, and forgets failures', async () => {
  let clock = 0;
  const cache = createRenewingCache<string>(() => clock);
  let fetches = 0;
  const fetch = async () => {
    fetches++;
    await new Promise((r) => setTimeout(r, 5));
    return { value: `token-${fetches}`, renewAt: clock + 100 };
  };
  assert.deepEqual(await Promise.all([cache.get('k', fetch), cache.get('k', fetch)]), ['token-1', 'token-1']);
  clock = 99;
  assert.equal(await cache.get('k', fetch), 'token-1');
  clock = 100;
  assert.deepEqual(await Promise.all([cache.get('k', fetch), cache.get('k', fetch)]), ['token-2', 'token-2']);
  assert.equal(await cache.get('other', fetch), 'token-3', 'keys are separate');
  assert.equal(fetches, 3);

  clock = 1000;
  await assert.rejects(cache.get('k', () => Promise.reject(new Error('down'))), /down/);
  assert.equal(await cache.get('k', fetch), 'token-4', 'a failure is not cached');
});

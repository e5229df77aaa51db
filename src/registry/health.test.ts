import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from '../log/logger.js';
import { RegistryHealth, rateLimitValue } from './health.js';

/** A clock that moves only when something sleeps, and a logger that keeps its lines. */
function setup(budget = 100) {
  let now = 1_000_000;
  const lines: string[] = [];
  const log = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  const logger: Logger = { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), isLevelEnabled: () => true, child: () => logger };
  const health = new RegistryHealth({
    logger,
    budget,
    maxDelayMs: 30_000,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  });
  return { health, lines, clock: { now: () => now, advance: (ms: number) => (now += ms) } };
}
const ok = { status: 200, headers: {} };

test('a 429 pauses every request to that registry for its Retry-After, then lets one through at a time until one is not refused', async () => {
  const { health, lines, clock } = setup();
  const t0 = clock.now();
  health.record('reg', { status: 429, headers: { 'retry-after': '2' } });
  const first = await health.admit('reg');
  assert.equal(clock.now() - t0, 2_000, 'waited for Retry-After');
  let secondIn = false;
  const second = health.admit('reg').then((release) => ((secondIn = true), release));
  await new Promise((r) => setImmediate(r));
  assert.equal(secondIn, false, 'one at a time while it may still refuse');
  assert.equal((await health.admit('other'))(), undefined, 'other registries are not slowed');
  health.record('reg', ok);
  first();
  (await second)();
  assert.equal(secondIn, true);
  assert.equal(health.snapshot().find((s) => s.registry === 'reg')?.slowdown.kind, 'none');
  assert.deepEqual(
    lines.filter((l) => !l.startsWith('debug')).map((l) => l.replace(/[\d.]+s/g, 'Ns')),
    [
      'warn reg: answers 429 Too Many Requests: pausing all requests to it for Ns, then one at a time until it accepts them again',
      'info reg: back to full speed after Ns (answered without 429 again; 2 request(s) slowed so far)',
    ],
  );
});

test('slowdowns in quick succession are logged once; a later one is logged again', async () => {
  const { health, lines, clock } = setup();
  for (let i = 0; i < 3; i++) {
    health.record('reg', { status: 429, headers: {} });
    health.record('reg', ok);
    clock.advance(1_000);
  }
  clock.advance(120_000);
  health.record('reg', { status: 429, headers: {} });
  assert.equal(lines.filter((l) => l.startsWith('warn')).length, 2);
  assert.equal(health.snapshot()[0]!.slowdowns, 4);
});

test("Docker Hub's RateLimit-Remaining running low spaces requests over what is left of the window", async () => {
  const { health, lines, clock } = setup();
  health.record('hub', { status: 200, headers: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '50;w=21600' } });
  assert.equal(health.snapshot()[0]!.slowdown.kind, 'none', 'half left is not low');
  health.record('hub', { status: 200, headers: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '4;w=21600' } });
  assert.deepEqual({ ...health.snapshot()[0]!.slowdown, since: 0 }, { kind: 'allowance-low', since: 0, remaining: 4, spacingMs: 30_000 });
  const t0 = clock.now();
  (await health.admit('hub'))();
  (await health.admit('hub'))();
  assert.equal(clock.now() - t0, 30_000, 'the second waited one spacing');
  health.record('hub', { status: 200, headers: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '100;w=21600' } });
  assert.equal(health.snapshot()[0]!.slowdown.kind, 'none');
  assert.match(lines.find((l) => l.startsWith('warn'))!, /hub: rate limit running low \(4 of 100 left\): one request at a time, 30s apart/);
  assert.match(lines.find((l) => l.startsWith('info'))!, /hub: back to full speed .*its rate limit allows 100 more/);
});

test('retries are paid from the budget, successes earn them back; a spent budget is said once', () => {
  const { health, lines } = setup(2);
  assert.equal(health.spendRetry('reg'), true);
  assert.equal(health.spendRetry('reg'), true);
  assert.equal(health.spendRetry('reg'), false);
  assert.equal(health.spendRetry('reg'), false);
  health.record('reg', ok);
  assert.equal(health.spendRetry('reg'), true);
  assert.equal(lines.filter((l) => /retry budget \(2\) is spent/.test(l)).length, 1);
  const s = health.snapshot()[0]!;
  assert.deepEqual([s.retries, s.retriesRefused, s.budgetLeft], [3, 2, 0]);
});

test('requests are counted by status class, network failures apart', () => {
  const { health } = setup();
  for (const status of [200, 201, 307, 404, 401, 500, 503, 429]) health.record('reg', { status, headers: {} });
  health.record('reg', { error: new Error('reset') });
  assert.deepEqual(health.snapshot()[0]!.requests, { '2xx': 2, '3xx': 1, '4xx': 3, '5xx': 2, network: 1 });
});

test('RateLimit values: Docker Hub form and a bare count', () => {
  assert.deepEqual(rateLimitValue('76;w=21600'), { count: 76, windowSeconds: 21600 });
  assert.deepEqual(rateLimitValue('12'), { count: 12, windowSeconds: undefined });
  assert.equal(rateLimitValue('many'), undefined);
});

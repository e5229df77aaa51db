import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cronPeriod, durationPeriod } from './schedule.js';

test('Go durations → interval seconds: rounded up, raised to 30', () => {
  assert.deepEqual(durationPeriod('60m'), { ok: true, seconds: 3600 });
  assert.deepEqual(durationPeriod('1h30m'), { ok: true, seconds: 5400 });
  assert.deepEqual(durationPeriod('90500ms'), { ok: true, seconds: 91 });
  assert.deepEqual(durationPeriod('10s'), { ok: true, seconds: 30, raised: true });
  assert.equal(durationPeriod('0s').ok, false);
  assert.equal(durationPeriod('soon').ok, false);
});

test('cron expressions with a fixed period → interval, and what the period cannot keep', () => {
  const cases: [string, number, string | undefined][] = [
    ['*/1 * * * *', 60, undefined],
    ['* * * * *', 60, undefined],
    ['*/15 * * * *', 900, undefined],
    ['0 * * * *', 3600, 'at minute 0 of every hour'],
    ['30 */6 * * *', 21600, 'at minute 30 of every 6th hour from midnight'],
    ['15 01 * * *', 86400, 'at 01:15'],
    ['@every 90m', 5400, undefined],
    ['@hourly', 3600, 'at minute 0 of every hour'],
    ['@daily', 86400, 'at midnight'],
    ['CRON_TZ=Europe/Berlin 0 3 * * *', 86400, 'at 03:00'],
  ];
  for (const [expr, seconds, pinned] of cases) {
    const p = cronPeriod(expr);
    assert.ok(p.ok, expr);
    assert.equal(p.seconds, seconds, expr);
    assert.equal(p.pinned, pinned, expr);
  }
});

test('cron expressions without a fixed period do not convert', () => {
  for (const expr of ['0 3 * * 1', '0 0 1 * *', '*/7 * * * *', '0,30 * * * *', '@monthly', '0 3 * *', '5-10 * * * *']) {
    assert.equal(cronPeriod(expr).ok, false, expr);
  }
});

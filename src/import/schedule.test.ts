import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cronSchedule, durationPeriod } from './schedule.js';

test('Go durations → interval seconds: rounded up, raised to 30', () => {
  assert.deepEqual(durationPeriod('60m'), { ok: true, seconds: 3600 });
  assert.deepEqual(durationPeriod('1h30m'), { ok: true, seconds: 5400 });
  assert.deepEqual(durationPeriod('90500ms'), { ok: true, seconds: 91 });
  assert.deepEqual(durationPeriod('10s'), { ok: true, seconds: 30, raised: true });
  assert.equal(durationPeriod('0s').ok, false);
  assert.equal(durationPeriod('soon').ok, false);
});

test("robfig cron expressions → dregsy's schedule (checked by its parser); @every → interval", () => {
  assert.deepEqual(cronSchedule('15 01 * * *'), { ok: true, kind: 'schedule', text: '15 01 * * *' });
  assert.deepEqual(cronSchedule('0 3 * * 1'), { ok: true, kind: 'schedule', text: '0 3 * * 1' });
  assert.deepEqual(cronSchedule('@daily'), { ok: true, kind: 'schedule', text: '@daily' });
  assert.deepEqual(cronSchedule('*/1 * * * *', 'UTC'), { ok: true, kind: 'schedule', text: 'CRON_TZ=UTC */1 * * * *' });
  assert.deepEqual(cronSchedule('TZ=Europe/Berlin 0 3 * * *', 'UTC'), { ok: true, kind: 'schedule', text: 'TZ=Europe/Berlin 0 3 * * *' });
  assert.deepEqual(cronSchedule('@every 90m'), { ok: true, kind: 'interval', seconds: 5400, raised: undefined });
  assert.deepEqual(cronSchedule('@every 5s'), { ok: true, kind: 'interval', seconds: 30, raised: true });
});

test('what robfig would refuse, or dregsy cannot read, does not convert', () => {
  for (const expr of ['0 */5 * * * *', '0 3 * *', '61 * * * *', 'CRON_TZ=Mars/Olympus 0 3 * * *', '@every never']) {
    assert.equal(cronSchedule(expr).ok, false, expr);
  }
});

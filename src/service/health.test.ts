import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskStatus } from '../schedule/types.js';
import { assessHealth, TIMER_SLACK_MS } from './health.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();
const status = (s: Partial<TaskStatus<unknown>>): TaskStatus<unknown> => ({
  name: 't',
  state: 'idle',
  paused: false,
  runningSince: undefined,
  triggers: undefined,
  nextRunAt: undefined,
  nextTrigger: undefined,
  pending: undefined,
  lastRun: undefined,
  lastError: undefined,
  ...s,
});
const HOUR = 3_600_000;

test('healthy: idle with a timer ahead, running within the bound, queued behind others, paused or disabled whatever their times', () => {
  for (const s of [
    status({ nextRunAt: iso(60_000) }),
    status({ nextRunAt: iso(-TIMER_SLACK_MS + 1_000) }), // a loaded machine fires late
    status({ state: 'running', runningSince: iso(-5 * HOUR) }),
    status({ state: 'queued', nextRunAt: iso(-10 * HOUR) }),
    status({ state: 'paused', paused: true, nextRunAt: iso(-10 * HOUR) }),
    status({ state: 'running', paused: true, runningSince: iso(-100 * HOUR) }),
    status({ state: 'disabled' }),
  ]) {
    assert.deepEqual(assessHealth([s], NOW, 6 * HOUR), { ok: true, problems: [] }, JSON.stringify(s));
  }
});

test('stuck: a timer that did not fire, a run past the bound (unless the bound is off)', () => {
  const overdue = assessHealth([status({ name: 'late', nextRunAt: iso(-5 * 60_000) })], NOW, 6 * HOUR);
  assert.equal(overdue.ok, false);
  assert.match(overdue.problems[0]!, /task 'late': its next run was due 5m ago and has not started/);
  const debouncing = assessHealth([status({ state: 'debouncing', nextRunAt: iso(-2 * TIMER_SLACK_MS) })], NOW, undefined);
  assert.equal(debouncing.ok, false);
  const long = assessHealth([status({ name: 'copy', state: 'running', runningSince: iso(-7 * HOUR) })], NOW, 6 * HOUR);
  assert.deepEqual(long.problems, ["task 'copy': its run has gone on for 420m (api.stuck-after: 360m)"]);
  assert.equal(assessHealth([status({ state: 'running', runningSince: iso(-700 * HOUR) })], NOW, undefined).ok, true, 'stuck-after: 0');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flush, manualClock } from '../../test/support/manual-clock.js';
import { silentLogger } from '../log/logger.js';
import type { TaskTiming } from '../model/task.js';
import { Scheduler } from './scheduler.js';
import type { ScheduledTask, TriggerKind } from './types.js';

const timing = (t: Partial<TaskTiming> = {}): TaskTiming => ({ intervalMs: undefined, cron: undefined, webhook: false, runOnStart: true, delayMs: 1_000, disabled: false, ...t });
const task = (name: string, t: Partial<TaskTiming> = {}, version = 1): ScheduledTask => ({ name, index: 0, key: `${name}:v${version}`, timing: timing(t) });

function harness() {
  const clock = manualClock();
  const runs: string[] = [];
  const requests: Array<[string, TriggerKind, boolean]> = [];
  let release: (() => void) | undefined;
  const scheduler = new Scheduler<ScheduledTask, { ok: boolean }>({
    clock,
    logger: silentLogger(),
    concurrency: 1,
    graceMs: 1_000,
    run: (t) => {
      runs.push(t.name);
      return new Promise((resolve) => (release = () => resolve({ ok: true })));
    },
    onRequest: (t, kind, folded) => requests.push([t, kind, folded]),
  });
  const finish = async () => {
    release?.();
    release = undefined;
    await flush();
  };
  return { clock, runs, requests, scheduler, finish };
}

test('a pause outlives a reload that changes the task; a removed task forgets it', async () => {
  const h = harness();
  h.scheduler.setTasks([task('a', { intervalMs: 60_000, runOnStart: false })]);
  h.scheduler.pause('a');
  h.scheduler.setTasks([task('a', { intervalMs: 30_000, runOnStart: true }, 2)]); // changed: a new controller
  await flush();
  assert.equal(h.scheduler.status()[0]!.paused, true);
  assert.equal(h.scheduler.status()[0]!.state, 'paused');
  await h.clock.advance(120_000);
  assert.deepEqual(h.runs, [], 'neither the start run nor the ticks of a paused task run');
  h.scheduler.resume('a');
  await flush();
  assert.deepEqual(h.runs, ['a'], 'what was asked for meanwhile runs once at resume');
  await h.finish();
  h.scheduler.pause('a');
  h.scheduler.setTasks([]);
  h.scheduler.setTasks([task('a', { intervalMs: 30_000, runOnStart: true }, 3)]);
  await flush();
  assert.equal(h.scheduler.status()[0]!.paused, false, 'removed, then added again: a new task');
  h.scheduler.shutdown('test');
  await h.finish();
});

test('a run in flight finishes when its task is paused; status says since when it runs', async () => {
  const h = harness();
  h.scheduler.setTasks([task('a', { webhook: true })]);
  await flush();
  const running = h.scheduler.status()[0]!;
  assert.equal(running.state, 'running');
  assert.equal(running.runningSince, new Date(h.clock.now()).toISOString());
  h.scheduler.pause('a');
  assert.equal(h.scheduler.status()[0]!.state, 'running', 'still running');
  await h.finish();
  const after = h.scheduler.status()[0]!;
  assert.equal(after.lastRun?.ok, true);
  assert.equal(after.state, 'paused');
  assert.equal(after.runningSince, undefined);
  h.scheduler.shutdown('test');
});

test('requests are reported with whether they folded into work already waiting', async () => {
  const h = harness();
  h.scheduler.setTasks([task('w', { webhook: true, runOnStart: false })]);
  const img = (tag: string) => [{ mapping: 0, repo: 'app', tag }];
  h.scheduler.request('w', 'webhook', img('1'));
  h.scheduler.request('w', 'webhook', img('2'));
  h.scheduler.request('w', 'trigger');
  assert.deepEqual(h.requests, [
    ['w', 'webhook', false],
    ['w', 'webhook', true],
    ['w', 'trigger', true],
  ]);
  await h.clock.advance(1_000);
  assert.deepEqual(h.runs, ['w']);
  h.scheduler.request('w', 'webhook', img('3')); // during the run: the first of the follow-up run
  assert.deepEqual(h.requests.at(-1), ['w', 'webhook', false]);
  h.scheduler.shutdown('test');
  await h.finish();
});

test('the version goes up with every change a snapshot shows: requests, ticks, pause, resume, runs', async () => {
  const h = harness();
  h.scheduler.setTasks([task('a', { intervalMs: 60_000, runOnStart: false })]);
  const seen = () => ({ v: h.scheduler.version, s: JSON.stringify(h.scheduler.status()) });
  let last = seen();
  const step = async (what: string, act: () => unknown) => {
    await act();
    const now = seen();
    assert.ok(now.v > last.v, `${what}: version`);
    assert.notEqual(now.s, last.s, `${what}: the snapshot differs too`);
    last = now;
  };
  await step('pause', () => h.scheduler.pause('a'));
  await step('a tick while paused (pending, next run)', () => h.clock.advance(60_000));
  await step('resume (the pending run starts)', async () => {
    h.scheduler.resume('a');
    await flush();
  });
  await step('the run ends', () => h.finish());
  await step('a request during nothing', () => h.scheduler.request('a', 'manual'));
  h.scheduler.shutdown('test');
  await h.finish();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flush, manualClock } from '../../test/support/manual-clock.js';
import { silentLogger } from '../log/logger.js';
import type { TaskTiming } from '../model/task.js';
import { parseCron } from './cron.js';
import { Scheduler } from './scheduler.js';
import type { RunPlan, ScheduledTask } from './types.js';

const timing = (t: Partial<TaskTiming> = {}): TaskTiming => ({ intervalMs: undefined, cron: undefined, webhook: false, runOnStart: true, delayMs: 2_000, disabled: false, ...t });
const task = (name: string, index: number, t: Partial<TaskTiming> = {}, key = name): ScheduledTask => ({ name, index, key: `${key}:${JSON.stringify(t)}`, timing: timing(t) });

interface Recorded {
  name: string;
  plan: RunPlan;
  at: number;
}

/** A scheduler whose runs are held open until the test finishes them (or end at once). */
function harness(opts: { concurrency?: number; hold?: boolean; graceMs?: number } = {}) {
  const clock = manualClock();
  const runs: Recorded[] = [];
  const open: Array<{ name: string; finish: (ok?: boolean) => void; signals: { stop: AbortSignal; kill: AbortSignal } }> = [];
  let running = 0;
  let maxRunning = 0;
  const scheduler = new Scheduler<ScheduledTask, { ok: boolean }>({
    clock,
    logger: silentLogger(),
    concurrency: opts.concurrency ?? 1,
    graceMs: opts.graceMs ?? 1_000,
    run: (t, plan, ctx) => {
      runs.push({ name: t.name, plan, at: clock.now() });
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (!opts.hold) {
        running--;
        return Promise.resolve({ ok: true });
      }
      return new Promise((resolve) => {
        open.push({
          name: t.name,
          signals: ctx.signals,
          finish: (ok = true) => {
            running--;
            resolve({ ok });
          },
        });
      });
    },
  });
  const finishNext = async (ok = true) => {
    const r = open.shift();
    assert.ok(r, 'a run is open');
    r.finish(ok);
    await flush();
    return r.name;
  };
  return { clock, runs, scheduler, open, finishNext, maxRunning: () => maxRunning, names: () => runs.map((r) => r.name) };
}

test('tasks run one at a time in config order: one-off tasks first, then periodic ones (dregsy)', async () => {
  const h = harness({ hold: true });
  h.scheduler.setTasks([task('p0', 0, { intervalMs: 60_000 }), task('a', 1), task('b', 2), task('p3', 3, { intervalMs: 60_000 })]);
  await flush();
  assert.deepEqual(h.names(), ['a'], 'only one runs; the first one-off task first');
  await h.finishNext();
  assert.deepEqual(h.names(), ['a', 'b']);
  await h.finishNext();
  await h.finishNext();
  await h.finishNext();
  assert.deepEqual(h.names(), ['a', 'b', 'p0', 'p3']);
  assert.equal(h.maxRunning(), 1);
  h.scheduler.shutdown('test');
});

test('concurrency.tasks: N runs N tasks at once', async () => {
  const h = harness({ hold: true, concurrency: 2 });
  h.scheduler.setTasks([task('a', 0), task('b', 1), task('c', 2)]);
  await flush();
  assert.deepEqual(h.names(), ['a', 'b']);
  await h.finishNext();
  assert.deepEqual(h.names(), ['a', 'b', 'c']);
  assert.equal(h.maxRunning(), 2);
  await h.finishNext();
  await h.finishNext();
  await h.scheduler.whenDone();
});

test('done only once every run has ended, whatever order they end in, a replaced task\'s run in flight too', async () => {
  const h = harness({ hold: true, concurrency: 3 });
  h.scheduler.setTasks([task('a', 0), task('b', 1), task('c', 2)]);
  await flush();
  let done = false;
  void h.scheduler.whenDone().then(() => (done = true));
  // b changes while it runs: its run goes on as a leaving task, the new b runs after it
  h.scheduler.setTasks([task('a', 0), task('b', 1, {}, 'b2'), task('c', 2)]);
  const finish = async (name: string) => {
    const i = h.open.findIndex((r) => r.name === name);
    assert.ok(i >= 0, `${name} runs`);
    h.open.splice(i, 1)[0]!.finish();
    await flush();
  };
  await finish('a');
  assert.equal(done, false);
  await finish('c');
  assert.equal(done, false, 'the old b still runs');
  await finish('b');
  assert.deepEqual(h.names(), ['a', 'b', 'c', 'b']);
  assert.equal(done, false, 'the new b runs');
  await finish('b');
  assert.equal(done, true);
});

test('one-off tasks only: done once they ran; a webhook task keeps the scheduler alive', async () => {
  const h = harness();
  h.scheduler.setTasks([task('a', 0), task('b', 1)]);
  await h.scheduler.whenDone();
  assert.deepEqual(h.names(), ['a', 'b']);

  const w = harness();
  w.scheduler.setTasks([task('once', 0), task('hook', 1, { webhook: true, runOnStart: false })]);
  let done = false;
  void w.scheduler.whenDone().then(() => (done = true));
  await w.clock.advance(60_000);
  assert.equal(done, false, 'waits for push events');
  assert.deepEqual(w.names(), ['once']);
  w.scheduler.shutdown('test');
  await flush();
  assert.equal(done, true);
});

test('interval: runs at start and on a fixed grid; ticks missed while busy are dropped', async () => {
  const h = harness({ hold: true });
  h.scheduler.setTasks([task('p', 0, { intervalMs: 60_000 })]);
  await flush();
  assert.equal(h.runs.length, 1);
  await h.clock.advance(10_000);
  await h.finishNext(); // ends at 10 s
  await h.clock.advance(49_000);
  assert.equal(h.runs.length, 1, 'not before the tick at 60 s');
  await h.clock.advance(1_000);
  assert.equal(h.runs.length, 2);
  assert.equal(h.runs[1]!.at - h.runs[0]!.at, 60_000);
  assert.deepEqual(h.runs[1]!.plan.triggers, ['interval']);
  // this run overruns two ticks (120 s, 180 s): they fold into one pending request, which the
  // too-soon rule drops because it comes right after the run ended
  await h.clock.advance(150_000);
  await h.finishNext(); // ends at 210 s
  assert.equal(h.runs.length, 2, 'a tick right after the overrun is skipped as too soon');
  await h.clock.advance(30_000); // 240 s: the next tick on the grid
  assert.equal(h.runs.length, 3);
  assert.equal(h.runs[2]!.at - h.runs[0]!.at, 240_000);
  h.scheduler.shutdown('test');
  await h.finishNext();
});

test('too soon (dregsy): a tick delayed by another task runs, the next one within half an interval is skipped', async () => {
  const h = harness({ hold: true });
  h.scheduler.setTasks([task('slow', 0), task('p', 1, { intervalMs: 60_000 })]);
  await flush();
  assert.deepEqual(h.names(), ['slow']);
  await h.clock.advance(100_000); // p's start run and its tick at 60 s wait behind slow
  await h.finishNext();
  assert.deepEqual(h.names(), ['slow', 'p']);
  await h.clock.advance(5_000);
  await h.finishNext(); // p ends at 105 s
  await h.clock.advance(15_000); // tick at 120 s: 15 s after the end, less than half of 60 s
  assert.deepEqual(h.names(), ['slow', 'p'], 'skipped as too soon');
  await h.clock.advance(60_000); // tick at 180 s
  assert.deepEqual(h.names(), ['slow', 'p', 'p']);
  h.scheduler.shutdown('test');
  await h.finishNext();
});

test('cron with a seconds field fires at the scheduled times; run-on-start false waits for the first', async () => {
  const h = harness();
  const parsed = parseCron('*/15 * * * * *');
  assert.ok(parsed.ok);
  h.scheduler.setTasks([task('c', 0, { cron: parsed.schedule, runOnStart: false })]);
  const start = h.clock.now();
  await h.clock.advance(14_999);
  assert.equal(h.runs.length, 0);
  await h.clock.advance(46_000);
  assert.deepEqual(
    h.runs.map((r) => (r.at - start) / 1000),
    [15, 30, 45, 60],
  );
  assert.ok(h.runs.every((r) => r.plan.triggers.join() === 'schedule'));
  const s = h.scheduler.status()[0]!;
  assert.equal(s.nextRunAt, new Date(start + 75_000).toISOString());
  assert.equal(s.nextTrigger, 'schedule');
  h.scheduler.shutdown('test');
});

test('cron in a time zone: 03:00 Europe/Berlin is 02:00 UTC in winter', async () => {
  const h = harness();
  const parsed = parseCron('CRON_TZ=Europe/Berlin 0 3 * * *');
  assert.ok(parsed.ok);
  h.scheduler.setTasks([task('nightly', 0, { cron: parsed.schedule, runOnStart: false })]);
  await h.clock.advance(86_400_000);
  assert.deepEqual(h.runs.map((r) => new Date(r.at).toISOString()), ['2026-01-01T02:00:00.000Z']);
  h.scheduler.shutdown('test');
});

test('disable: never runs, takes no requests, shows as disabled', async () => {
  const h = harness();
  h.scheduler.setTasks([task('off', 0, { intervalMs: 60_000, disabled: true, webhook: true })]);
  await h.clock.advance(600_000);
  assert.equal(h.scheduler.request('off', 'trigger'), 'disabled');
  await h.clock.advance(10_000);
  assert.equal(h.runs.length, 0);
  assert.equal(h.scheduler.status()[0]!.state, 'disabled');
  assert.equal(h.scheduler.request('nope', 'trigger'), 'unknown');
  await h.scheduler.whenDone();
});

test('push events: a burst within the delay folds into one run of just those images', async () => {
  const h = harness();
  h.scheduler.setTasks([task('w', 0, { webhook: true, runOnStart: false, delayMs: 2_000 })]);
  for (let i = 0; i < 50; i++) {
    h.scheduler.request('w', 'webhook', [{ mapping: 0, repo: 'app', tag: `t${i}` }]);
    h.scheduler.request('w', 'webhook', [{ mapping: 0, repo: 'app', tag: `t${i}` }]); // a repeat folds too
    await h.clock.advance(20);
  }
  assert.equal(h.scheduler.status()[0]!.state, 'debouncing');
  await h.clock.advance(1_979); // the last event came 20 ms ago
  assert.equal(h.runs.length, 0, 'waits for 2 s of quiet');
  await h.clock.advance(1);
  assert.equal(h.runs.length, 1);
  assert.equal(h.runs[0]!.plan.full, false);
  assert.equal(h.runs[0]!.plan.images.length, 50);
  assert.deepEqual(h.runs[0]!.plan.triggers, ['webhook']);
  h.scheduler.shutdown('test');
});

test('a steady stream of events cannot postpone a run past 5 × delay', async () => {
  const h = harness();
  h.scheduler.setTasks([task('w', 0, { webhook: true, runOnStart: false, delayMs: 1_000 })]);
  for (let i = 0; i < 200; i++) {
    h.scheduler.request('w', 'webhook', [{ mapping: 0, repo: 'app', tag: `t${i}` }]);
    await h.clock.advance(100);
  }
  // 20 s of events every 100 ms: at most one run per 5 s, and at least one
  assert.equal(h.runs.length, 4);
  for (let i = 1; i < h.runs.length; i++) assert.ok(h.runs[i]!.at - h.runs[i - 1]!.at >= 1_000);
  h.scheduler.shutdown('test');
});

test('events during a run give exactly one follow-up run, after the run', async () => {
  const h = harness({ hold: true });
  h.scheduler.setTasks([task('w', 0, { webhook: true, delayMs: 2_000 })]);
  await flush();
  assert.equal(h.runs.length, 1, 'the start run');
  for (let i = 0; i < 10; i++) {
    h.scheduler.request('w', 'webhook', [{ mapping: 0, repo: 'app', tag: `t${i}` }]);
    await h.clock.advance(500);
  }
  assert.equal(h.runs.length, 1, 'no overlap');
  await h.finishNext();
  await h.clock.advance(2_000);
  assert.equal(h.runs.length, 2);
  assert.equal(h.runs[1]!.plan.images.length, 10);
  await h.finishNext();
  await h.clock.advance(60_000);
  assert.equal(h.runs.length, 2, 'exactly one follow-up');
  h.scheduler.shutdown('test');
});

test('a full request folds in pending images; POST /trigger is debounced, run-now is not', async () => {
  const h = harness();
  h.scheduler.setTasks([task('w', 0, { webhook: true, runOnStart: false, delayMs: 2_000 })]);
  h.scheduler.request('w', 'webhook', [{ mapping: 0, repo: 'app', tag: '1' }]);
  h.scheduler.request('w', 'trigger');
  await h.clock.advance(1_000);
  assert.equal(h.runs.length, 0);
  await h.clock.advance(1_000);
  assert.equal(h.runs.length, 1);
  assert.equal(h.runs[0]!.plan.full, true);
  assert.deepEqual(h.runs[0]!.plan.images, [{ mapping: 0, repo: 'app', tag: '1' }], 'kept for a sharded full run');
  h.scheduler.request('w', 'manual');
  await flush();
  assert.equal(h.runs.length, 2, 'run-now starts at once');
  h.scheduler.shutdown('test');
});

test('pause keeps events for after resume; status shows it', async () => {
  const h = harness();
  h.scheduler.setTasks([task('w', 0, { webhook: true, runOnStart: false, delayMs: 1_000 })]);
  h.scheduler.pause('w');
  h.scheduler.request('w', 'webhook', [{ mapping: 0, repo: 'app', tag: '1' }]);
  await h.clock.advance(10_000);
  assert.equal(h.runs.length, 0);
  const s = h.scheduler.status()[0]!;
  assert.equal(s.state, 'paused');
  assert.deepEqual(s.pending, { full: false, images: 1 });
  h.scheduler.resume('w');
  await h.clock.advance(1_000);
  assert.equal(h.runs.length, 1);
  const after = h.scheduler.status()[0]!;
  assert.equal(after.state, 'idle');
  assert.equal(after.lastRun?.ok, true);
  assert.deepEqual(after.lastRun?.triggers, ['webhook']);
  h.scheduler.shutdown('test');
});

test('reload: an unchanged task keeps its schedule and is not re-run; a changed one waits for its run, then starts; a removed one stops', async () => {
  const h = harness({ hold: true, concurrency: 3 });
  h.scheduler.setTasks([task('same', 0, { intervalMs: 60_000 }), task('edit', 1, { intervalMs: 60_000 }), task('gone', 2, { intervalMs: 60_000 })]);
  await flush();
  assert.deepEqual(h.names().sort(), ['edit', 'gone', 'same']);
  await h.finishNext(); // same
  await h.clock.advance(30_000);
  const diff = h.scheduler.setTasks([task('same', 0, { intervalMs: 60_000 }), task('edit', 1, { intervalMs: 60_000 }, 'edit-v2'), task('new', 2)]);
  assert.deepEqual(diff, { added: ['new'], changed: ['edit'], removed: ['gone'], kept: ['same'] });
  await flush();
  assert.deepEqual(h.names().slice(3), ['new'], 'the changed task waits for its old run to end');
  assert.equal(h.scheduler.status().find((s) => s.name === 'same')!.nextRunAt, new Date(h.runs[0]!.at + 60_000).toISOString());
  await h.finishNext(); // edit (old definition)
  assert.deepEqual(h.names().slice(3), ['new', 'edit']);
  await h.finishNext(); // gone: finishes, never runs again
  await h.finishNext(); // new
  await h.finishNext(); // edit (new definition)
  await h.clock.advance(30_000); // 60 s: 'same' ticks on its old grid
  assert.deepEqual(h.names().slice(5), ['same']);
  await h.clock.advance(300_000);
  assert.ok(!h.names().slice(6).includes('gone'));
  h.scheduler.shutdown('test');
  while (h.open.length > 0) await h.finishNext();
});

test('shutdown: running work gets the grace period, then is killed; nothing new starts', async () => {
  const h = harness({ hold: true, graceMs: 50 });
  h.scheduler.setTasks([task('long', 0), task('next', 1)]);
  await flush();
  h.scheduler.shutdown('SIGTERM');
  const run = h.open[0]!;
  assert.equal(run.signals.stop.aborted, true);
  assert.equal(run.signals.kill.aborted, false);
  await new Promise<void>((resolve) => run.signals.kill.addEventListener('abort', () => resolve()));
  run.finish(false);
  await h.scheduler.settled();
  await h.scheduler.whenDone();
  assert.deepEqual(h.names(), ['long'], 'the queued task never started');
});

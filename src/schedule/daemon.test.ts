import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../log/logger.js';
import type { Clock } from './clock.js';
import { Daemon, type RunSignals } from './daemon.js';

/** A clock whose time moves only when the test says so. */
function manualClock() {
  let now = 0;
  const sleepers: Array<{ until: number; resolve: () => void }> = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const s = { until: now + ms, resolve };
        sleepers.push(s);
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
  };
  return {
    clock,
    sleepers: () => sleepers.length,
    async advance(ms: number) {
      now += ms;
      for (const s of sleepers.splice(0)) {
        if (s.until <= now) s.resolve();
        else sleepers.push(s);
      }
      await tick();
    },
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

test('one-off tasks run once and the daemon ends; a failed last run fails the result', async () => {
  const runs: string[] = [];
  const { clock } = manualClock();
  const daemon = new Daemon({
    tasks: [
      { name: 'a', intervalSeconds: 0 },
      { name: 'b', intervalSeconds: 0 },
    ],
    clock,
    logger: silentLogger(),
    graceMs: 1000,
    run: async (t) => {
      runs.push(t.name);
      return { ok: t.name === 'a' };
    },
  });
  const result = await daemon.run();
  assert.deepEqual(runs.sort(), ['a', 'b']);
  assert.equal(result.failed, true);
  assert.deepEqual(Object.fromEntries(result.lastOutcome), { a: { ok: true }, b: { ok: false } });
});

test('a periodic task runs at start and every interval, and only the last run counts', async () => {
  const m = manualClock();
  let count = 0;
  const daemon = new Daemon({
    tasks: [{ name: 'p', intervalSeconds: 60 }],
    clock: m.clock,
    logger: silentLogger(),
    graceMs: 1000,
    run: async () => ({ ok: ++count !== 1 }), // first run fails, later ones succeed
  });
  const done = daemon.run();
  await tick();
  assert.equal(count, 1);
  await m.advance(59_000);
  assert.equal(count, 1, 'not before the interval');
  await m.advance(1_000);
  assert.equal(count, 2);
  await m.advance(60_000);
  assert.equal(count, 3);
  daemon.shutdown('SIGTERM');
  const result = await done;
  assert.equal(count, 3, 'no run after shutdown');
  assert.equal(result.failed, false, 'the first run failed but the last one did not');
});

test('a task never overlaps itself; a slow run delays the next one instead', async () => {
  const m = manualClock();
  let running = 0;
  let maxRunning = 0;
  let count = 0;
  const finishers: Array<() => void> = [];
  const daemon = new Daemon({
    tasks: [{ name: 'slow', intervalSeconds: 30 }],
    clock: m.clock,
    logger: silentLogger(),
    graceMs: 1000,
    run: () =>
      new Promise((resolve) => {
        running++;
        count++;
        maxRunning = Math.max(maxRunning, running);
        finishers.push(() => {
          running--;
          resolve({ ok: true });
        });
      }),
  });
  const done = daemon.run();
  await tick();
  await m.advance(90_000); // three intervals pass while the first run is still going
  assert.equal(count, 1);
  finishers.shift()!();
  await tick();
  await tick();
  assert.equal(count, 2, 'the overdue run starts right after the slow one');
  assert.equal(maxRunning, 1);
  daemon.shutdown('SIGINT');
  finishers.shift()!();
  await done;
});

test('shutdown lets running work finish within the grace period, then kills it', async () => {
  const m = manualClock();
  let seen: RunSignals | undefined;
  const daemon = new Daemon({
    tasks: [{ name: 'long', intervalSeconds: 0 }],
    clock: m.clock,
    logger: silentLogger(),
    graceMs: 50,
    run: (_t, signals) =>
      new Promise((resolve) => {
        seen = signals;
        signals.kill.addEventListener('abort', () => resolve({ ok: false }));
      }),
  });
  const done = daemon.run();
  await tick();
  daemon.shutdown('SIGTERM');
  assert.equal(seen!.stop.aborted, true);
  assert.equal(seen!.kill.aborted, false, 'running work is not killed at once');
  const result = await done; // resolves once the real 50 ms grace timer fires
  assert.equal(seen!.kill.aborted, true);
  assert.equal(result.failed, true);
});

test('tasks run concurrently with each other', async () => {
  const { clock } = manualClock();
  let running = 0;
  let maxRunning = 0;
  const daemon = new Daemon({
    tasks: [
      { name: 'x', intervalSeconds: 0 },
      { name: 'y', intervalSeconds: 0 },
    ],
    clock,
    logger: silentLogger(),
    graceMs: 1000,
    run: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick();
      running--;
      return { ok: true };
    },
  });
  assert.equal((await daemon.run()).failed, false);
  assert.equal(maxRunning, 2);
});

/**
 * The status API keeps each task's JSON while the task's stamp holds (server/task-list.ts), so
 * this is the rule it rests on: a task whose stamp did not change shows the same snapshot, after
 * any sequence of requests, pauses, resumes, ticks, runs ending and reloads; and a stamp is never
 * given twice, not even to a new controller of the same name after a reload.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { flush, manualClock } from '../../test/support/manual-clock.js';
import { silentLogger } from '../log/logger.js';
import type { TaskTiming } from '../model/task.js';
import { Scheduler } from './scheduler.js';
import type { ScheduledTask } from './types.js';

const NAMES = ['a', 'b', 'c'] as const;
const timing = (t: Partial<TaskTiming>): TaskTiming => ({ intervalMs: undefined, cron: undefined, webhook: true, runOnStart: false, delayMs: 500, disabled: false, ...t });

type Op =
  | { kind: 'request' | 'pause' | 'resume'; task: (typeof NAMES)[number] }
  | { kind: 'advance'; ms: number }
  | { kind: 'finish' }
  | { kind: 'reload'; interval: number; drop: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('request' as const, 'pause' as const, 'resume' as const), task: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 90_000 }) }),
  fc.record({ kind: fc.constant('finish' as const) }),
  fc.record({ kind: fc.constant('reload' as const), interval: fc.constantFrom(30_000, 60_000), drop: fc.boolean() }),
);

test('an unchanged stamp means an unchanged snapshot; stamps are never reused', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
      const clock = manualClock();
      const releases: Array<() => void> = [];
      const scheduler = new Scheduler<ScheduledTask, { ok: boolean }>({
        clock,
        logger: silentLogger(),
        concurrency: 1, // so tasks wait in the queue too
        graceMs: 1_000,
        run: () => new Promise((resolve) => releases.push(() => resolve({ ok: true }))),
      });
      let version = 0;
      const tasks = (interval: number, drop: boolean) =>
        NAMES.filter((n) => !(drop && n === 'c')).map((name, index) => ({ name, index, key: `${name}:${interval}`, timing: timing({ intervalMs: name === 'a' ? interval : undefined }) }));
      scheduler.setTasks(tasks(60_000, false));
      const given = new Map<number, string>();
      let seen = new Map<string, { stamp: number; json: string }>();
      const look = (after: string) => {
        const now = new Map<string, { stamp: number; json: string }>();
        for (const { name, stamp } of scheduler.stamps()) {
          const json = JSON.stringify(scheduler.statusOf(name)!.status);
          const before = seen.get(name);
          if (before?.stamp === stamp) assert.equal(json, before.json, `${after}: '${name}' kept stamp ${stamp} but its snapshot changed`);
          const owner = given.get(stamp);
          assert.ok(owner === undefined || owner === `${name}#${version}` || before?.stamp === stamp, `${after}: stamp ${stamp} given twice`);
          given.set(stamp, `${name}#${version}`);
          now.set(name, { stamp, json });
        }
        seen = now;
      };
      look('start');
      for (const o of ops) {
        if (o.kind === 'request') scheduler.request(o.task, 'manual');
        else if (o.kind === 'pause') scheduler.pause(o.task);
        else if (o.kind === 'resume') scheduler.resume(o.task);
        else if (o.kind === 'advance') await clock.advance(o.ms);
        else if (o.kind === 'finish') releases.shift()?.();
        else if (o.kind === 'reload') {
          version++;
          scheduler.setTasks(tasks(o.interval, o.drop));
        }
        await flush();
        look(JSON.stringify(o));
      }
      scheduler.shutdown('test');
      for (const r of releases) r();
      await flush();
    }),
    { numRuns: 150, ...(process.env.SEED ? { seed: Number(process.env.SEED), path: process.env.FCPATH, verbose: 2 } : {}) },
  );
});

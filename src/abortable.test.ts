import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getEventListeners } from 'node:events';
import { AbortWatch, untilAborted, type AbortWatcher } from './abortable.js';

test('untilAborted: settles as the work does, or rejects with the reason as soon as the signal aborts', async () => {
  assert.equal(await untilAborted(Promise.resolve(1), new AbortController().signal), 1);
  await assert.rejects(untilAborted(Promise.reject(new Error('work failed')), new AbortController().signal), /work failed/);
  assert.equal(await untilAborted(Promise.resolve(2), undefined), 2);

  const stop = new AbortController();
  const never = new Promise<number>(() => undefined);
  const waiting = untilAborted(never, stop.signal);
  stop.abort(new Error('stopped'));
  await assert.rejects(waiting, /stopped/);
  // already aborted: at once, and the work's later failure is not an unhandled rejection
  let fail: (e: Error) => void = () => undefined;
  const late = new Promise<number>((_, reject) => (fail = reject));
  await assert.rejects(untilAborted(late, stop.signal), /stopped/);
  fail(new Error('too late'));
  await new Promise((r) => setImmediate(r));
});

test('untilAborted: what the work yields after the abort goes to `late`, to be released', async () => {
  const stop = new AbortController();
  let finish: (v: string) => void = () => undefined;
  const work = new Promise<string>((resolve) => (finish = resolve));
  const released: string[] = [];
  const waiting = untilAborted(work, stop.signal, (v) => released.push(v));
  stop.abort(new Error('stopped'));
  await assert.rejects(waiting, /stopped/);
  finish('a response body');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(released, ['a response body']);
  // without an abort, `late` is not called
  await untilAborted(Promise.resolve('kept'), new AbortController().signal, (v) => released.push(v));
  assert.deepEqual(released, ['a response body']);
});

test('AbortWatch: one listener per signal; each watcher still there is told once, the ones deleted are not', () => {
  const watch = new AbortWatch();
  const stop = new AbortController();
  const told: number[] = [];
  const watchers: AbortWatcher[] = Array.from({ length: 1_000 }, (_, i) => ({ aborted: (s) => told.push(s === stop.signal ? i : -1) }));
  for (const w of watchers) assert.equal(watch.add(stop.signal, w), true);
  assert.equal(getEventListeners(stop.signal, 'abort').length, 1);
  for (const w of watchers.slice(0, 998)) watch.delete(stop.signal, w);
  stop.abort(new Error('stopped'));
  stop.abort(new Error('again'));
  assert.deepEqual(told, [998, 999]);
  // an aborted signal is not watched: the caller is told so, and nothing is kept
  assert.equal(watch.add(stop.signal, watchers[0]!), false);
  assert.deepEqual(told, [998, 999]);
});

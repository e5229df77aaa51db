import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { StoppedError } from '../errors.js';
import { createSignalHub, type HubSignal } from './signals.js';

/** A hub on an EventEmitter standing in for `process`, recording what the hub says and does. */
function hubOnEmitter() {
  const source = new EventEmitter();
  const said: string[] = [];
  const firstStops: HubSignal[] = [];
  const insisted: HubSignal[] = [];
  const hub = createSignalHub(source, {
    say: (level, line) => said.push(`${level}: ${line}`),
    onFirstStop: (s) => firstStops.push(s),
    onInsist: (s) => insisted.push(s),
  });
  return { source, hub, said, firstStops, insisted };
}

test('before anyone subscribes, the first SIGTERM aborts stop with a StoppedError and says so', () => {
  const { source, hub, said, firstStops, insisted } = hubOnEmitter();
  assert.equal(hub.stop.aborted, false);
  source.emit('SIGTERM');
  assert.equal(hub.stop.aborted, true);
  assert.ok(hub.stop.reason instanceof StoppedError);
  assert.equal((hub.stop.reason as StoppedError).signal, 'SIGTERM');
  assert.deepEqual(said, ['info: received SIGTERM: stopping']);
  assert.deepEqual(firstStops, ['SIGTERM']);
  assert.deepEqual(insisted, []);
  // a second one nobody takes: the user insists
  source.emit('SIGINT');
  assert.deepEqual(insisted, ['SIGINT']);
  hub.close();
});

test('a subscriber gets the signal instead, and a third stop signal insists whoever listens', () => {
  const { source, hub, firstStops, insisted } = hubOnEmitter();
  const got: string[] = [];
  const off = hub.on('SIGTERM', () => got.push('daemon'));
  source.emit('SIGTERM');
  source.emit('SIGTERM');
  assert.deepEqual(got, ['daemon', 'daemon'], 'the daemon handles the second one (ends copies at once)');
  assert.equal(hub.stop.aborted, true, 'start-up waits end too');
  assert.deepEqual(firstStops, ['SIGTERM'], 'the deadline starts at the first signal, whoever takes it');
  source.emit('SIGTERM');
  assert.deepEqual(insisted, ['SIGTERM']);
  off();
  hub.close();
});

test('a signal that came before the daemon subscribed is handed to it, once', async () => {
  const { source, hub } = hubOnEmitter();
  source.emit('SIGINT');
  const got: string[] = [];
  hub.on('SIGTERM', () => got.push('SIGTERM'));
  hub.on('SIGINT', () => got.push('SIGINT'));
  await Promise.resolve();
  assert.deepEqual(got, ['SIGINT']);
  hub.on('SIGINT', () => got.push('again'));
  await Promise.resolve();
  assert.deepEqual(got, ['SIGINT'], 'delivered to one subscriber only');
  hub.close();
});

test('signals the launcher kept are handled as if they came now; SIGHUP without a subscriber is ignored, said', () => {
  const { hub, said } = hubOnEmitter();
  hub.replay(['SIGHUP', 'SIGUSR2', 'SIGTERM']);
  assert.equal(hub.stop.aborted, true);
  assert.deepEqual(said, ['info: received SIGHUP: ignored, nothing to reload', 'info: received SIGTERM: stopping']);
  hub.close();
});

test('close() removes the listeners it added to the process', () => {
  const { source, hub } = hubOnEmitter();
  assert.equal(source.listenerCount('SIGTERM'), 1);
  hub.close();
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) assert.equal(source.listenerCount(s), 0);
});

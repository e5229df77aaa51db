import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relayFailure } from './runtime.js';

const never = new Promise<void>(() => undefined);
const later = <T,>(ms: number, value: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), ms));

test('relayFailure: the relay failing ends the wait at once, whatever the runs do', async () => {
  const err = new Error('cannot execute skopeo');
  assert.deepEqual(await relayFailure(never, Promise.reject(err)), { error: err });
  assert.deepEqual(await relayFailure(later(50, () => undefined), Promise.reject(err)), { error: err });
});

test('relayFailure: runs that end first wait for the relay: its failure still counts, its start does not', async () => {
  const err = new Error('no relay can run');
  assert.deepEqual(await relayFailure(Promise.resolve(), later(30, () => Promise.reject(err)).then((p) => p)), { error: err });
  assert.equal(await relayFailure(Promise.resolve(), later(30, () => undefined)), undefined);
});

test('relayFailure: a relay that started leaves the end to the runs', async () => {
  let ended = false;
  const done = later(50, () => void (ended = true));
  assert.equal(await relayFailure(done, Promise.resolve()), undefined);
  assert.equal(ended, true, 'resolved only once the runs ended');
});

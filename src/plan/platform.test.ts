import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePlatform } from './platform.js';

test('platform values', () => {
  assert.deepEqual(parsePlatform(undefined), { kind: 'default' });
  assert.deepEqual(parsePlatform('all'), { kind: 'all' });
  assert.deepEqual(parsePlatform('linux'), { kind: 'one', os: 'linux' });
  assert.deepEqual(parsePlatform('linux/arm64'), { kind: 'one', os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('linux/arm/v7'), { kind: 'one', os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.ok('error' in parsePlatform('linux/arm/v7/x'));
  assert.ok('error' in parsePlatform('linux//v7'));
});

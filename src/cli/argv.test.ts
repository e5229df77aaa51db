import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeGoFlags } from './argv.js';

test('Go-style single-dash long flags become commander long options', () => {
  assert.deepEqual(normalizeGoFlags(['-config=c.yaml', '-run', 'a.*']), ['--config=c.yaml', '--run', 'a.*']);
  assert.deepEqual(normalizeGoFlags(['--config', 'c.yaml', '-c', 'x', '-h']), ['--config', 'c.yaml', '-c', 'x', '-h']);
  assert.deepEqual(normalizeGoFlags(['-version']), ['--version']);
  assert.deepEqual(normalizeGoFlags(['-bogus']), ['-bogus'], 'unknown flags are left for commander to reject');
});

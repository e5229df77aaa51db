import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImportInputError } from './peer-file.js';
import { parsePeerArgs, skipWords } from './peer-args.js';

const SPEC = { all: { value: false, short: 'a' }, dest: { value: true, short: 'd' }, 'dest-tls-verify': { value: false }, os: { value: true } } as const;

test('pflag forms: --x, --x=v, --x v, -x v, -xv, --bool=false, repeated values, --', () => {
  const p = parsePeerArgs(['skopeo', 'sync', '-a', '--dest=docker', '--dest-tls-verify=false', '--os', 'linux', '--os', 'windows', 'file.yml', '-dx', '--', '--not-a-flag'], SPEC, 'skopeo sync');
  assert.deepEqual(Object.fromEntries(p.flags), { all: ['true'], dest: ['docker', 'x'], 'dest-tls-verify': ['false'], os: ['linux', 'windows'] });
  assert.deepEqual(p.positionals, ['skopeo', 'sync', 'file.yml', '--not-a-flag']);
  assert.deepEqual(skipWords(p.positionals, ['skopeo', 'sync']).rest, ['file.yml', '--not-a-flag']);
  assert.deepEqual(skipWords(['/usr/bin/skopeo', 'sync', 'a'], ['skopeo', 'sync']), { skipped: ['skopeo', 'sync'], rest: ['a'] });
});

test('unknown flags and missing values are input errors, all at once, without the values', () => {
  assert.throws(
    () => parsePeerArgs(['--src-creds=alice:Secret-Pw', '--dest'], SPEC, 'skopeo sync'),
    (e: unknown) => {
      assert.ok(e instanceof ImportInputError);
      assert.deepEqual(e.problems.map((p) => p.message), ["unknown skopeo sync option '--src-creds'", "skopeo sync option '--dest' needs a value"]);
      assert.doesNotMatch(e.message, /Secret-Pw/);
      return true;
    },
  );
});

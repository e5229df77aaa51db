import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScriptOutput } from './script-output.js';

const D = `sha256:${'a'.repeat(64)}`;
const isSource = (host: string) => host === 'src.example.com:5000';

test('references of every shape, comments, blank lines, the source host in front', () => {
  const out = parseScriptOutput(
    ['# header', '', 'team/app', 'team/app:1.0   # trailing comment', `team/db@${D}`, `team/db:2@${D}`, 'src.example.com:5000/other/x:3', 'team/app:1.0', '\r'].join('\n'),
    isSource,
  );
  assert.deepEqual(out.problems, []);
  assert.deepEqual(out.repos, ['team/app', 'team/db', 'other/x']);
  assert.deepEqual(out.byRepo.get('team/app'), { allTags: true, tags: ['1.0'], pinned: [] });
  assert.deepEqual(out.byRepo.get('team/db'), { allTags: false, tags: [], pinned: [{ tag: undefined, digest: D }, { tag: '2', digest: D }] });
  assert.deepEqual(out.byRepo.get('other/x'), { allTags: false, tags: ['3'], pinned: [] });
});

test('a malformed line is reported with its line number; the others still count', () => {
  const out = parseScriptOutput(['ok/one:1', 'Bad/Case', 'ok/two:!', 'other.example.com/x:1', 'ok/three@sha256:xyz', 'ok/four'].join('\n'), isSource);
  assert.deepEqual(out.repos, ['ok/one', 'ok/four']);
  assert.deepEqual(
    out.problems.map((p) => p.line),
    [2, 3, 4, 5],
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countResults, type ImageResult } from '../sync/image-result.js';
import { buildReport } from '../sync/report.js';
import type { TaskRunResult } from '../sync/run-task.js';
import { formatCheck } from './check-output.js';
import { createProgress, describeCounts } from './progress.js';

const img = (action: ImageResult['action'], extra: Partial<ImageResult> = {}): ImageResult => ({
  task: 't',
  source: `src/app:${action}`,
  target: `dst/app:${action}`,
  platform: 'default',
  action,
  durationMs: 1,
  ...extra,
});

function run(images: ImageResult[], ok = true): TaskRunResult {
  return { task: 't', ok, scope: 'full', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 5, counts: countResults(images, images.length, images.length), images };
}

test('counts come from the results: failed and missing are failures, not-started is its own', () => {
  const c = countResults([img('copied'), img('skipped'), img('would-copy'), img('missing-source'), img('failed'), img('not-started')], 5, 6);
  assert.deepEqual(c, { selected: 6, checked: 5, copied: 1, skipped: 1, failed: 2, wouldCopy: 1, notStarted: 1 });
});

test('check output: one line per image needing attention, in-sync images only with verbose', () => {
  const r = run([
    img('would-copy', { reason: 'changed', expectedDigest: 'sha256:aaaaaaaaaaaaaaaa', targetDigest: 'sha256:bbbbbbbbbbbbbbbb' }),
    img('skipped', { targetDigest: 'sha256:cccccccccccccccc' }),
    img('missing-source'),
  ]);
  const quiet = formatCheck([r], false);
  assert.match(quiet, /^task t: 3 selected, 1 to copy, 1 in sync, 1 failed$/m);
  assert.match(quiet, /^ {2}copy {5}src\/app:would-copy → dst\/app:would-copy {2}\(changed: source aaaaaaaaaaaa, target bbbbbbbbbbbb\)$/m);
  assert.match(quiet, /^ {2}missing {2}src\/app:missing-source/m);
  assert.doesNotMatch(quiet, /in sync {2}/);
  assert.match(formatCheck([r], true), /^ {2}in sync {2}src\/app:skipped → dst\/app:skipped {2}\(cccccccccccc\)$/m);
});

test('check output escapes control characters in names a registry sent: one line per image, no terminal codes', () => {
  const text = formatCheck([run([img('would-copy', { source: 'src/app:v1\x1b[2J\nfake', target: 'dst/app:v1\x1b[2J\nfake' })])], false);
  assert.equal(text.trimEnd().split('\n').length, 2, text);
  assert.ok(!text.includes('\x1b'), text);
  assert.ok(text.includes('src/app:v1\\x1b[2J\\x0afake'), text);
});

test('the report is ok only when every task succeeded and nothing would be copied', () => {
  assert.equal(buildReport('sync', [run([img('copied'), img('skipped')])], '1.0.0').ok, true);
  assert.equal(buildReport('check', [run([img('would-copy')])], '1.0.0').ok, false);
  assert.equal(buildReport('sync', [run([img('failed')], false)], '1.0.0').ok, false);
  const doc = buildReport('sync', [run([img('copied')])], '1.2.3', new Date('2026-02-03T04:05:06Z'));
  assert.equal(doc.generator, 'dregsy 1.2.3');
  assert.equal(doc.updatedAt, '2026-02-03T04:05:06.000Z');
});

test('progress on a terminal: a status line on stderr, cleared before and redrawn after each log line', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const err: string[] = [];
  const out: string[] = [];
  const p = createProgress({ tty: true, stderr: { write: (s: string) => err.push(s) }, intervalMs: 5 });
  const wrapped = p.wrapOut({ write: (s: string) => out.push(s) });
  p.update('mirror', { selected: 4, checked: 2, copied: 1, skipped: 1, failed: 0, wouldCopy: 0, notStarted: 0 });
  t.mock.timers.tick(30);
  assert.ok(err.some((s) => s.includes('[mirror] 2/4 (1 copied, 1 skipped, 0 failed)')), JSON.stringify(err));
  const before = err.length;
  wrapped.write('a log line\n');
  assert.deepEqual(out, ['a log line\n']);
  assert.equal(err[before], '\r\x1b[2K', 'cleared before the log line');
  assert.match(err[before + 1] ?? '', /\[mirror\] 2\/4/, 'redrawn after it');
  p.stop();
});

test('progress without a terminal: a log line per task when its counts changed', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const lines: string[] = [];
  const logger = { child: () => logger, info: (m: string) => lines.push(m), trace() {}, debug() {}, warn() {}, error() {}, isLevelEnabled: () => true };
  const p = createProgress({ tty: false, stderr: { write: () => undefined }, intervalMs: 5 });
  p.attach(logger);
  p.update('mirror', { selected: 4, checked: 2, copied: 1, skipped: 1, failed: 0, wouldCopy: 0, notStarted: 0 });
  t.mock.timers.tick(30); // six ticks: the counts did not change after the first
  p.stop();
  assert.deepEqual(lines, ['progress: 4 selected, 2 checked, 1 copied, 1 skipped, 0 failed'], 'once, not on every tick');
});

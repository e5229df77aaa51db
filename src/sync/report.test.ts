import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { emptyCounts } from './image-result.js';
import { buildReport, createReportWriter, type RunReport } from './report.js';
import type { TaskRunResult } from './run-task.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dregsy-report-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function reportOf(taskCount: number): RunReport {
  const tasks: TaskRunResult[] = Array.from({ length: taskCount }, (_, i) => ({
    ok: true,
    task: `task-${i}`,
    scope: 'full',
    startedAt: new Date(0).toISOString(),
    durationMs: i,
    counts: emptyCounts(),
    // enough images that one write takes several chunks: interleaved writes would tear it
    images: Array.from({ length: 200 }, (_, j) => ({ task: `task-${i}`, source: `src/repo-${j}:1.0`, target: `dst/repo-${j}:1.0`, platform: 'default', action: 'copied' as const, durationMs: j })),
  }));
  return buildReport('sync', tasks, 'test');
}

test('task runs that finish together: every write succeeds, and the file ends whole, with the latest report', async () => {
  const file = join(dir, 'report.json');
  const writer = createReportWriter(file);
  // As run-sync does: each finished task run writes the report of all tasks so far.
  const writes = Array.from({ length: 30 }, (_, i) => writer.write(reportOf(i + 1)));
  const outcomes = await Promise.allSettled(writes);
  assert.deepEqual(outcomes.filter((o) => o.status === 'rejected'), []);
  const written = JSON.parse(await readFile(file, 'utf8')) as RunReport;
  assert.equal(written.tasks.length, 30, 'the last report wins');
  assert.deepEqual(await readdir(dir), ['report.json'], 'no temp files left');
});

test('writes that come one after another each land, in order', async () => {
  const file = join(dir, 'sequential.json');
  const writer = createReportWriter(file);
  for (let i = 1; i <= 3; i++) {
    await writer.write(reportOf(i));
    assert.equal((JSON.parse(await readFile(file, 'utf8')) as RunReport).tasks.length, i);
  }
});

test('writeNow() replaces the file synchronously; a failing write rejects and leaves no temp file', async () => {
  const file = join(dir, 'now.json');
  const writer = createReportWriter(file);
  writer.writeNow(reportOf(2));
  assert.equal((JSON.parse(await readFile(file, 'utf8')) as RunReport).tasks.length, 2);
  const missing = createReportWriter(join(dir, 'no-such-dir', 'r.json'));
  await assert.rejects(missing.write(reportOf(1)), { code: 'ENOENT' });
  assert.throws(() => missing.writeNow(reportOf(1)), { code: 'ENOENT' });
  // and the writer still works after a failure
  await writer.write(reportOf(1));
  assert.equal((JSON.parse(await readFile(file, 'utf8')) as RunReport).tasks.length, 1);
});

/**
 * The `--report FILE` document: every image of each task's latest run with its references,
 * digests, action, duration and error. Rewritten after every task run (atomically, so a reader
 * never sees half a file), so a daemon's report always shows the latest state of each task.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { RunMode, TaskRunResult } from './run-task.js';

export interface RunReport {
  generator: string;
  mode: RunMode;
  updatedAt: string;
  /** True when every task's latest run succeeded (and, for check, everything is in sync). */
  ok: boolean;
  tasks: TaskRunResult[];
}

export function buildReport(mode: RunMode, results: Iterable<TaskRunResult>, version: string, now: Date = new Date()): RunReport {
  const tasks = [...results];
  return { generator: `dregsy ${version}`, mode, updatedAt: now.toISOString(), ok: tasks.every((t) => t.ok && t.counts.wouldCopy === 0), tasks };
}

export interface ReportWriter {
  /** Replaces the file with `report`; writes happen one at a time, and a waiting one takes the latest report. */
  write(report: RunReport): Promise<void>;
  /** Replaces the file now, synchronously: for an emergency exit, when nothing can be awaited. */
  writeNow(report: RunReport): void;
}

/**
 * One writer per report file. Task runs finish at the same time: each write goes to a temp
 * file of its own (a shared one made two writers rename the same file: ENOENT for one, and
 * half of one document interleaved with the other), and writes are serialized, so the file
 * ends with the latest report, never an older one that was slower to write.
 */
export function createReportWriter(file: string): ReportWriter {
  let count = 0;
  const tempName = () => `${file}.${process.pid}.${++count}.tmp`;
  const text = (report: RunReport) => `${JSON.stringify(report, null, 2)}\n`;
  let tail: Promise<void> = Promise.resolve();
  let waiting: { report: RunReport; done: Promise<void> } | undefined;

  async function replace(report: RunReport): Promise<void> {
    const tmp = tempName();
    try {
      await writeFile(tmp, text(report));
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined); // the write error is the one to report
      throw e;
    }
  }

  return {
    write(report) {
      // A write already waiting its turn has not started: it takes this newer report.
      if (waiting) {
        waiting.report = report;
        return waiting.done;
      }
      const next = { report, done: Promise.resolve() };
      next.done = tail.then(() => {
        waiting = undefined;
        return replace(next.report);
      });
      waiting = next;
      tail = next.done.catch(() => undefined);
      return next.done;
    },
    writeNow(report) {
      const tmp = tempName();
      try {
        writeFileSync(tmp, text(report));
        renameSync(tmp, file);
      } finally {
        rmSync(tmp, { force: true });
      }
    },
  };
}

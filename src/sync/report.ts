/**
 * The `--report FILE` document: every image of each task's latest run with its references,
 * digests, action, duration and error. Rewritten after every task run (atomically, so a reader
 * never sees half a file), so a daemon's report always shows the latest state of each task.
 */
import { rename, writeFile } from 'node:fs/promises';
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

export async function writeReport(file: string, report: RunReport): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(tmp, file);
}

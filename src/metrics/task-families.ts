/**
 * The per-task metric families, kept and written here rather than through prom-client.
 *
 * Why: with 1,000 tasks these are ~10,000 series, and prom-client builds a label object, an
 * escaped label list and a line per series on every scrape (measured: 70–250 ms for 8,000
 * series on this project's 2-core machines under load, against a 10 ms goal). Here each task
 * keeps a few numbers, and a scrape is one loop writing lines with the task's label escaped
 * once. The text is the Prometheus exposition format 0.0.4, the same prom-client writes, and
 * it is appended to prom-client's output for everything else (scraped as one page).
 */
import type { TaskRunResult } from '../sync/run-task.js';

interface TaskCounters {
  /** `task="…"`, escaped once. */
  label: string;
  copied: number;
  skipped: number;
  failed: number;
  runsOk: number;
  runsFailed: number;
  durationSum: number;
  lastSuccess: number | undefined;
  lastRun: number | undefined;
  lastOk: boolean | undefined;
  paused: boolean;
  /** This task's lines, one string per family (FAMILIES order); undefined after a change. */
  lines: string[] | undefined;
}

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Seconds with millisecond precision, as Prometheus reads floats. */
const seconds = (ms: number) => String(Math.round(ms) / 1000);

export class TaskFamilies {
  private readonly tasks = new Map<string, TaskCounters>();
  /** The whole text, encoded, until something changes. */
  private rendered: Buffer | undefined;

  /** The tasks in force: new ones start at zero (so `rate()` sees their first run), gone ones go. */
  setTasks(names: readonly string[]): void {
    this.rendered = undefined;
    const keep = new Set(names);
    for (const name of [...this.tasks.keys()]) if (!keep.has(name)) this.tasks.delete(name);
    for (const name of names) if (!this.tasks.has(name)) this.tasks.set(name, fresh(name));
  }

  runEnded(result: TaskRunResult, endedAt: number): void {
    let t = this.tasks.get(result.task);
    if (!t) {
      t = fresh(result.task);
      this.tasks.set(result.task, t);
    }
    t.copied += result.counts.copied;
    t.skipped += result.counts.skipped;
    t.failed += result.counts.failed;
    if (result.ok) {
      t.runsOk++;
      t.lastSuccess = endedAt;
    } else {
      t.runsFailed++;
    }
    t.durationSum += result.durationMs;
    t.lastRun = endedAt;
    t.lastOk = result.ok;
    t.lines = undefined;
    this.rendered = undefined;
  }

  /** Paused or not, read from the scheduler at scrape time. */
  setPaused(task: string, paused: boolean): void {
    const t = this.tasks.get(task);
    if (t && t.paused !== paused) {
      t.paused = paused;
      t.lines = undefined;
      this.rendered = undefined;
    }
  }

  render(): Buffer {
    // Each task's lines are written once per change (a run ending, a pause) and reused by every
    // scrape until the next: with 1,000 tasks a scrape is then ~7,000 string joins, and none
    // when nothing changed since the last scrape.
    if (this.rendered !== undefined) return this.rendered;
    const all = [...this.tasks.values()];
    for (const t of all) t.lines ??= linesOf(t);
    let out = '';
    FAMILIES.forEach(([name, type, help], i) => {
      out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
      for (const t of all) out += t.lines![i];
      out += '\n';
    });
    this.rendered = Buffer.from(out, 'utf8');
    return this.rendered;
  }
}

const FAMILIES: ReadonlyArray<readonly [string, string, string]> = [
  ['dregsy_images_total', 'counter', 'Images handled by task runs, by task and result (copied, skipped, failed).'],
  ['dregsy_task_runs_total', 'counter', 'Task runs ended, by task and outcome (ok, failed).'],
  ['dregsy_task_run_duration_seconds', 'summary', 'Duration of task runs, by task.'],
  ['dregsy_task_last_success_timestamp_seconds', 'gauge', 'When the last successful run of the task ended (Unix time); absent before the first.'],
  ['dregsy_task_last_run_timestamp_seconds', 'gauge', 'When the last run of the task ended (Unix time); absent before the first.'],
  ['dregsy_task_last_run_success', 'gauge', '1 when the last run of the task succeeded, 0 when it failed; absent before the first.'],
  ['dregsy_task_paused', 'gauge', '1 while the task is paused through the API.'],
];

/** One task's lines of every family, in FAMILIES order. */
function linesOf(t: TaskCounters): string[] {
  const l = t.label;
  return [
    `dregsy_images_total{${l},result="copied"} ${t.copied}\ndregsy_images_total{${l},result="skipped"} ${t.skipped}\ndregsy_images_total{${l},result="failed"} ${t.failed}\n`,
    `dregsy_task_runs_total{${l},outcome="ok"} ${t.runsOk}\ndregsy_task_runs_total{${l},outcome="failed"} ${t.runsFailed}\n`,
    `dregsy_task_run_duration_seconds_sum{${l}} ${seconds(t.durationSum)}\ndregsy_task_run_duration_seconds_count{${l}} ${t.runsOk + t.runsFailed}\n`,
    t.lastSuccess === undefined ? '' : `dregsy_task_last_success_timestamp_seconds{${l}} ${seconds(t.lastSuccess)}\n`,
    t.lastRun === undefined ? '' : `dregsy_task_last_run_timestamp_seconds{${l}} ${seconds(t.lastRun)}\n`,
    t.lastOk === undefined ? '' : `dregsy_task_last_run_success{${l}} ${t.lastOk ? 1 : 0}\n`,
    `dregsy_task_paused{${l}} ${t.paused ? 1 : 0}\n`,
  ];
}

function fresh(name: string): TaskCounters {
  return {
    label: `task="${escapeLabel(name)}"`,
    copied: 0,
    skipped: 0,
    failed: 0,
    runsOk: 0,
    runsFailed: 0,
    durationSum: 0,
    lastSuccess: undefined,
    lastRun: undefined,
    lastOk: undefined,
    paused: false,
    lines: undefined,
  };
}

/**
 * The per-task metric families, kept and written here rather than through prom-client.
 *
 * Why: with 1,000 tasks these are ~10,000 series, and prom-client builds a label object, an
 * escaped label list and a line per series on every scrape (measured: 70–250 ms for 8,000
 * series on this project's 2-core machines under load, against a 10 ms goal). Here each task
 * keeps a few numbers and its lines, written once per change. The text is the Prometheus
 * exposition format 0.0.4, the same prom-client writes, and it follows prom-client's output
 * for everything else (scraped as one page).
 *
 * The page is kept encoded as many small buffers, not one: tasks are grouped in blocks of
 * BLOCK_TASKS, and each block keeps one buffer per family. A run that ends re-encodes only its
 * task's block (a few KB), and a scrape hands the buffers to the socket as they are. Building
 * the page as one string or buffer instead costs a fresh half-megabyte allocation per scrape,
 * which measured 3–17 ms of CPU here (page faults of the fresh memory, not the copying), and a
 * scrape after any run ended would pay it.
 */
import type { TaskRunResult } from '../sync/run-task.js';

/** Tasks per block: small enough that re-encoding one is cheap, few enough blocks to write. */
const BLOCK_TASKS = 64;

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
  /** The block this task's lines are encoded in. */
  block: Block;
}

interface Block {
  tasks: TaskCounters[];
  /** One buffer per family (FAMILIES order); undefined after a change to one of its tasks. */
  encoded: Buffer[] | undefined;
}

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Seconds with millisecond precision, as Prometheus reads floats. */
const seconds = (ms: number) => String(Math.round(ms) / 1000);

export class TaskFamilies {
  private readonly tasks = new Map<string, TaskCounters>();
  private blocks: Block[] = [];
  /** The page's buffers, until something changes. */
  private rendered: Buffer[] | undefined;

  /** The tasks in force, in config order: new ones start at zero (so `rate()` sees their first run), gone ones go. */
  setTasks(names: readonly string[]): void {
    const keep = new Set(names);
    for (const name of [...this.tasks.keys()]) if (!keep.has(name)) this.tasks.delete(name);
    const ordered = names.map((name) => this.tasks.get(name) ?? this.add(name));
    this.blocks = [];
    for (const t of ordered) this.place(t);
  }

  runEnded(result: TaskRunResult, endedAt: number): void {
    // A run of a task a reload removed can still end: counted until the tasks are set again.
    const t = this.tasks.get(result.task) ?? this.place(this.add(result.task));
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
    this.touch(t);
  }

  /** Paused or not, read from the scheduler at scrape time. */
  setPaused(task: string, paused: boolean): void {
    const t = this.tasks.get(task);
    if (t && t.paused !== paused) {
      t.paused = paused;
      this.touch(t);
    }
  }

  /** The families as the page has them: buffers to write one after another, not to modify. */
  render(): readonly Buffer[] {
    if (this.rendered !== undefined) return this.rendered;
    const out: Buffer[] = [];
    for (const block of this.blocks) block.encoded ??= encode(block);
    FAMILY_HEADERS.forEach((header, i) => {
      out.push(header);
      for (const block of this.blocks) if (block.encoded![i]!.length > 0) out.push(block.encoded![i]!);
      out.push(NEWLINE);
    });
    this.rendered = out;
    return out;
  }

  private add(name: string): TaskCounters {
    const t = fresh(name);
    this.tasks.set(name, t);
    return t;
  }

  /** Appends `t` to the last block (a new one when that is full). */
  private place(t: TaskCounters): TaskCounters {
    let last = this.blocks[this.blocks.length - 1];
    if (!last || last.tasks.length >= BLOCK_TASKS) {
      last = { tasks: [], encoded: undefined };
      this.blocks.push(last);
    }
    last.tasks.push(t);
    t.block = last;
    this.touch(t);
    return t;
  }

  private touch(t: TaskCounters): void {
    t.lines = undefined;
    t.block.encoded = undefined;
    this.rendered = undefined;
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

const FAMILY_HEADERS = FAMILIES.map(([name, type, help]) => Buffer.from(`# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`, 'utf8'));
const NEWLINE = Buffer.from('\n', 'utf8');

/** A block's lines, one buffer per family; a task's lines are written only after it changed. */
function encode(block: Block): Buffer[] {
  for (const t of block.tasks) t.lines ??= linesOf(t);
  return FAMILIES.map((_, i) => {
    let text = '';
    for (const t of block.tasks) text += t.lines![i];
    return Buffer.from(text, 'utf8');
  });
}

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
    block: { tasks: [], encoded: undefined }, // replaced when placed
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

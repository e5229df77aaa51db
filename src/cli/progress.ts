/**
 * Progress while tasks run. On a terminal: one status line on stderr, redrawn as counts change
 * and cleared around every log line so the two never garble each other. Without a terminal:
 * a log line per running task every `intervalMs` when its counts changed.
 */
import type { Logger } from '../log/logger.js';
import type { RunCounts } from '../sync/image-result.js';

export interface ProgressOptions {
  tty: boolean;
  stderr: { write(s: string): unknown };
  intervalMs: number;
}

export interface Progress {
  update(task: string, counts: RunCounts): void;
  /** Wraps the log's output so a status line is cleared before a log line and redrawn after. */
  wrapOut<T extends { write(s: string): unknown }>(out: T): T;
  attach(logger: Logger): void;
  stop(): void;
}

export function describeCounts(c: RunCounts): string {
  const parts = [`${c.selected} selected`, `${c.checked} checked`, `${c.copied} copied`, `${c.skipped} skipped`, `${c.failed} failed`];
  if (c.wouldCopy) parts.push(`${c.wouldCopy} to copy`);
  return parts.join(', ');
}

export function createProgress(opts: ProgressOptions): Progress {
  const latest = new Map<string, RunCounts>();
  const reported = new Map<string, string>();
  let shown = '';
  let logger: Logger | undefined;
  let timer: NodeJS.Timeout | undefined;

  const statusText = () => [...latest].map(([task, c]) => `[${task}] ${c.copied + c.skipped + c.failed + c.wouldCopy}/${c.selected} (${c.copied} copied, ${c.skipped} skipped, ${c.failed} failed)`).join('  ');
  const clear = () => {
    if (shown) opts.stderr.write('\r\x1b[2K');
  };
  const draw = () => {
    shown = statusText();
    if (shown) opts.stderr.write(`\r\x1b[2K${shown}`);
  };
  const tick = () => {
    if (opts.tty) {
      if (statusText() !== shown) {
        clear();
        draw();
      }
      return;
    }
    for (const [task, c] of latest) {
      const text = describeCounts(c);
      if (reported.get(task) === text) continue;
      reported.set(task, text);
      logger?.child({ task }).info(`progress: ${text}`);
    }
  };

  return {
    update(task, counts) {
      latest.set(task, counts);
      const finished = counts.selected > 0 && counts.copied + counts.skipped + counts.failed + counts.wouldCopy + counts.notStarted >= counts.selected;
      if (finished) {
        // The run's summary line says the rest; stop showing this task.
        latest.delete(task);
        reported.delete(task);
      }
      timer ??= setInterval(tick, opts.intervalMs).unref();
    },
    wrapOut(out) {
      if (!opts.tty) return out;
      return {
        ...out,
        write: (s: string) => {
          clear();
          const r = out.write(s);
          if (shown) draw();
          return r;
        },
      } as typeof out;
    },
    attach(l) {
      logger = l;
    },
    stop() {
      if (timer) clearInterval(timer);
      clear();
      shown = '';
    },
  };
}

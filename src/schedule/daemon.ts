/**
 * Owns what is running: one loop per task. One-off tasks (interval 0) run once; periodic
 * tasks run at start and then every interval. A task never overlaps itself (its loop awaits
 * each run); different tasks run at the same time, their copies bounded elsewhere.
 *
 * Shutdown is two-staged: `stop` ends scheduling and tells running task runs to start no
 * new copies; after the grace period `kill` aborts the copies still in flight.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from '../log/logger.js';
import type { Clock } from './clock.js';

export interface ScheduledTask {
  name: string;
  /** Seconds between the starts of two runs; 0 runs the task once. */
  intervalSeconds: number;
}

export interface RunSignals {
  /** No new work should start (shutdown requested). */
  stop: AbortSignal;
  /** Work in flight must end now (grace period over). */
  kill: AbortSignal;
}

export interface TaskOutcome {
  ok: boolean;
}

export interface DaemonOptions<T extends ScheduledTask> {
  tasks: readonly T[];
  run: (task: T, signals: RunSignals) => Promise<TaskOutcome>;
  clock: Clock;
  logger: Logger;
  /** How long running copies may take to finish after shutdown is requested. */
  graceMs: number;
}

export interface DaemonResult {
  /** Outcome of each task's last run, by task name (tasks that never ran are absent). */
  lastOutcome: Map<string, TaskOutcome>;
  /** True when any task's last run failed. */
  failed: boolean;
}

export class Daemon<T extends ScheduledTask> {
  private readonly stopController = new AbortController();
  private readonly killController = new AbortController();
  private readonly lastOutcome = new Map<string, TaskOutcome>();
  private graceTimer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(private readonly opts: DaemonOptions<T>) {
    // Every request and copy in flight listens on these; hundreds at once are expected.
    setMaxListeners(0, this.stopController.signal, this.killController.signal);
  }

  get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  /** Runs every task's loop; resolves when all have ended (one-offs done, or shutdown). */
  async run(): Promise<DaemonResult> {
    if (this.started) throw new Error('a Daemon runs once');
    this.started = true;
    try {
      await Promise.all(this.opts.tasks.map((t) => this.loop(t)));
    } finally {
      if (this.graceTimer) clearTimeout(this.graceTimer);
    }
    const failed = [...this.lastOutcome.values()].some((o) => !o.ok);
    return { lastOutcome: new Map(this.lastOutcome), failed };
  }

  /** Stop scheduling; copies in flight get `graceMs` to finish, then are ended. */
  shutdown(reason: string): void {
    if (this.stopping) {
      this.forceStop(`${reason} again`);
      return;
    }
    this.opts.logger.info(`shutting down (${reason}): no new runs; running copies get ${Math.round(this.opts.graceMs / 1000)}s to finish`);
    this.stopController.abort();
    this.graceTimer = setTimeout(() => this.forceStop('grace period over'), this.opts.graceMs);
  }

  private forceStop(reason: string): void {
    if (this.killController.signal.aborted) return;
    this.opts.logger.warn(`ending running copies (${reason})`);
    this.killController.abort();
  }

  private async loop(task: T): Promise<void> {
    const { clock, logger } = this.opts;
    const log = logger.child({ task: task.name });
    const intervalMs = task.intervalSeconds * 1000;
    while (!this.stopping) {
      const startedAt = clock.now();
      const outcome = await this.runOnce(task, log);
      this.lastOutcome.set(task.name, outcome);
      if (intervalMs <= 0 || this.stopping) return;
      const next = startedAt + intervalMs;
      const wait = next - clock.now();
      if (wait <= 0) {
        log.warn(`run took longer than the interval (${task.intervalSeconds}s); starting the next run now`);
        continue;
      }
      log.debug(`next run in ${Math.round(wait / 1000)}s`);
      await clock.sleep(wait, this.stopController.signal);
    }
  }

  private async runOnce(task: T, log: Logger): Promise<TaskOutcome> {
    try {
      return await this.opts.run(task, { stop: this.stopController.signal, kill: this.killController.signal });
    } catch (e) {
      // A task run reports its own failures; reaching here is unexpected, but must not end the other tasks.
      log.error(`task run failed: ${e instanceof Error ? e.message : String(e)}`);
      return { ok: false };
    }
  }
}

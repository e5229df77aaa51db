/**
 * Owns what is running: one TaskController per task, the run slots they share, and the
 * two-staged shutdown. `stop` ends scheduling and tells running task runs to start no new
 * copies; after the grace period `kill` aborts the copies still in flight.
 *
 * `setTasks` takes a whole new task list (start, or a reload) and keeps what it can: a task
 * whose definition (key) did not change keeps its timer, pending events and history; a
 * changed task starts over once its run in flight has ended; a removed task stops scheduling
 * and its run in flight finishes.
 */
import { setMaxListeners } from 'node:events';
import { keepsRunning } from '../model/task.js';
import type { Logger } from '../log/logger.js';
import type { PushedImage } from '../plan/push-match.js';
import type { Clock } from './clock.js';
import { RunSlots } from './run-slots.js';
import { TaskController } from './task-controller.js';
import type { RunOutcome, ScheduledTask, TaskRunner, TaskState, TaskStatus, TriggerKind } from './types.js';

export interface SchedulerOptions<T extends ScheduledTask, O extends RunOutcome> {
  run: TaskRunner<T, O>;
  clock: Clock;
  logger: Logger;
  /** Task runs at once (`concurrency.tasks`). */
  concurrency: number;
  /** How long running copies may take to finish after shutdown is requested. */
  graceMs: number;
  /** Told of every request a task takes; `folded`: it joined work already waiting. */
  onRequest?: (task: string, kind: TriggerKind, folded: boolean) => void;
}

export type RequestResult = 'accepted' | 'unknown' | 'disabled';

export class Scheduler<T extends ScheduledTask, O extends RunOutcome> {
  private readonly stopController = new AbortController();
  private readonly killController = new AbortController();
  private readonly slots: RunSlots;
  private controllers = new Map<string, TaskController<T, O>>();
  /** Removed or replaced controllers whose run is still in flight. */
  private readonly leaving = new Set<TaskController<T, O>>();
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly quietWaiters = new Set<() => void>();
  /** Said once per stretch: every run is done and dregsy keeps running for what is scheduled. */
  private idleSaid = false;
  private changes = 0;
  /** A task found running or waiting by allQuiet(), asked first next time. */
  private busyHint: TaskController<T, O> | undefined;
  /** Paused tasks by name: a pause holds across a reload that changes the task's definition. */
  private readonly paused = new Set<string>();

  constructor(private readonly opts: SchedulerOptions<T, O>) {
    this.slots = new RunSlots(opts.concurrency);
    // Every request and copy in flight listens on these; hundreds at once are expected.
    setMaxListeners(0, this.stopController.signal, this.killController.signal);
  }

  get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  /** The tasks as scheduled now, in config order. */
  tasks(): T[] {
    return [...this.controllers.values()].map((c) => c.definition).sort((a, b) => a.index - b.index);
  }

  setConcurrency(n: number): void {
    this.slots.setCapacity(n);
  }

  /**
   * Schedules `tasks` (config order). At the first call, and for tasks new to a reload, the
   * start runs are asked for in dregsy's order: one-off tasks first, then periodic ones.
   */
  setTasks(tasks: readonly T[]): { added: string[]; changed: string[]; removed: string[]; kept: string[] } {
    const result = { added: [] as string[], changed: [] as string[], removed: [] as string[], kept: [] as string[] };
    const next = new Map<string, TaskController<T, O>>();
    const starting: Array<TaskController<T, O>> = [];
    for (const task of tasks) {
      const old = this.controllers.get(task.name);
      if (old && old.definition.key === task.key) {
        old.update(task);
        next.set(task.name, old);
        result.kept.push(task.name);
        continue;
      }
      if (old) {
        old.retire();
        this.leave(old);
        result.changed.push(task.name);
      } else {
        result.added.push(task.name);
      }
      const c = new TaskController<T, O>(task, this.context(), old?.settled, this.paused.has(task.name));
      next.set(task.name, c);
      starting.push(c);
    }
    for (const [name, old] of this.controllers) {
      if (next.has(name)) continue;
      old.retire();
      this.leave(old);
      this.paused.delete(name);
      result.removed.push(name);
    }
    this.controllers = next;
    const periodicLast = (c: TaskController<T, O>) => (keepsRunning(c.definition.timing) ? 1 : 0);
    starting.sort((a, b) => periodicLast(a) - periodicLast(b) || a.definition.index - b.definition.index);
    for (const c of starting) c.start(c.definition.timing.runOnStart);
    this.changed();
    return result;
  }

  /** Asks `task` for a run: a full one, or (with `images`) one for just those images. */
  request(task: string, kind: TriggerKind, images?: readonly PushedImage[]): RequestResult {
    const c = this.controllers.get(task);
    if (!c) return 'unknown';
    return c.request(kind, images) ? 'accepted' : 'disabled';
  }

  pause(task: string): RequestResult {
    const c = this.controllers.get(task);
    if (!c) return 'unknown';
    this.paused.add(task);
    c.pause();
    this.changed();
    return 'accepted';
  }

  resume(task: string): RequestResult {
    const c = this.controllers.get(task);
    if (!c) return 'unknown';
    this.paused.delete(task);
    c.resume();
    this.changed();
    return 'accepted';
  }

  /** Name, state and pause of every task, in config order: cheaper than status() (for metrics). */
  states(): Array<{ name: string; state: TaskState; paused: boolean }> {
    return [...this.controllers.values()].sort((a, b) => a.definition.index - b.definition.index).map((c) => c.brief());
  }

  /** Each task's stamp (TaskController.stamp), in config order: which snapshots changed. */
  stamps(): Array<{ name: string; stamp: number }> {
    return [...this.controllers.values()].sort((a, b) => a.definition.index - b.definition.index).map((c) => ({ name: c.name, stamp: c.stamp }));
  }

  /** One task's snapshot and definition. */
  statusOf(task: string): { status: TaskStatus<O>; definition: T } | undefined {
    const c = this.controllers.get(task);
    return c ? { status: c.status(), definition: c.definition } : undefined;
  }

  status(): Array<TaskStatus<O>> {
    return [...this.controllers.values()].sort((a, b) => a.definition.index - b.definition.index).map((c) => c.status());
  }

  /**
   * Resolves once nothing runs, waits or is due, and no task can fire by itself again (none is
   * periodic or waits for push events): the point where a dregsy run ends on its own. Also
   * resolves after shutdown, once every run has ended.
   */
  whenDone(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.done()) return;
        this.quietWaiters.delete(check);
        resolve();
      };
      this.quietWaiters.add(check);
      check();
    });
  }

  /** Stop scheduling; copies in flight get `graceMs` to finish, then are ended. */
  shutdown(reason: string): void {
    if (this.stopping) {
      this.forceStop(`${reason} again`);
      return;
    }
    this.opts.logger.info(`shutting down (${reason}): no new runs; running copies get ${Math.round(this.opts.graceMs / 1000)}s to finish`);
    this.stopController.abort();
    for (const c of this.controllers.values()) c.retire();
    this.graceTimer = setTimeout(() => this.forceStop('grace period over'), this.opts.graceMs);
    this.changed();
  }

  /** Resolves when every run in flight has ended (after shutdown, all of them). */
  async settled(): Promise<void> {
    await Promise.all([...this.controllers.values(), ...this.leaving].map((c) => c.settled));
    if (this.graceTimer) clearTimeout(this.graceTimer);
  }

  private done(): boolean {
    if (!this.allQuiet()) return false;
    if (this.stopping) return true;
    for (const c of this.controllers.values()) if (keepsRunning(c.definition.timing)) return false;
    return true;
  }

  /**
   * Whether no task runs or waits. Asked at every change of every task, so a run of 1,000 tasks
   * would walk them all thousands of times: the task last found busy is asked first, and while
   * it still is (and is still ours), the answer is no without a walk.
   */
  private allQuiet(): boolean {
    const hint = this.busyHint;
    if (hint && !hint.quiet && (this.controllers.get(hint.name) === hint || this.leaving.has(hint))) return false;
    for (const c of this.controllers.values()) {
      if (c.quiet) continue;
      this.busyHint = c;
      return false;
    }
    for (const c of this.leaving) {
      if (c.quiet) continue;
      this.busyHint = c;
      return false;
    }
    this.busyHint = undefined;
    return true;
  }

  private leave(c: TaskController<T, O>): void {
    this.leaving.add(c);
    void c.settled.then(() => {
      this.leaving.delete(c);
      this.changed();
    });
  }

  /**
   * Goes up with every change a status snapshot could show (state, pending work, runs, timers,
   * pause, the task list), so a reader may reuse what it built from an earlier snapshot.
   */
  get version(): number {
    return this.changes;
  }

  private changed(): void {
    this.changes++;
    const idle = !this.stopping && this.allQuiet() && !this.done();
    if (idle && !this.idleSaid) this.opts.logger.debug('every run is done; waiting for the next scheduled run or push event');
    this.idleSaid = idle;
    for (const w of [...this.quietWaiters]) w();
  }

  private forceStop(reason: string): void {
    if (this.killController.signal.aborted) return;
    this.opts.logger.warn(`ending running copies (${reason})`);
    this.killController.abort();
  }

  private context() {
    return {
      clock: this.opts.clock,
      logger: this.opts.logger,
      slots: this.slots,
      run: this.opts.run,
      signals: { stop: this.stopController.signal, kill: this.killController.signal },
      changed: () => this.changed(),
      nextStamp: () => ++this.changes,
      ...(this.opts.onRequest ? { requested: this.opts.onRequest } : {}),
    };
  }
}

/**
 * One task's life in the scheduler: its timer (interval or cron), the requests folded while it
 * waits or runs, its quiet period, and its runs, one at a time.
 *
 * Everything that asks for a run (start, a tick, a push event, a trigger) lands in one pending
 * request; a run takes the whole of it. So a run never overlaps itself, and whatever arrives
 * during a run becomes exactly one follow-up run. Push events and triggers first wait for
 * `delay` of quiet (s3syncer's semantics), but never longer than MAX_WAIT_FACTOR × `delay`
 * after the first of them, so a steady stream of pushes cannot starve the mirror.
 *
 * dregsy's too-soon rule is kept for interval ticks: a tick that reaches the task less than
 * half an interval after its last run ended (because the run, or other tasks, took the time)
 * is skipped rather than running the task twice back to back.
 */
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PushedImage } from '../plan/push-match.js';
import type { Clock } from './clock.js';
import type { RunSlots } from './run-slots.js';
import type { RunSignals } from './run-signals.js';
import { dueAt, foldRequest, type Pending } from './pending-run.js';
import { type LastRun, type RunOutcome, type ScheduledTask, type TaskRunner, type TaskState, type TaskStatus, type TriggerKind } from './types.js';


export interface ControllerContext<T extends ScheduledTask, O extends RunOutcome> {
  clock: Clock;
  logger: Logger;
  slots: RunSlots;
  run: TaskRunner<T, O>;
  signals: RunSignals;
  /** Told after every change of state, so the owner can see when everything is quiet. */
  changed(): void;
  /** A number never given before (the owner's version counter): stamps this task's last change. */
  nextStamp?(): number;
  /** Told of every request taken; `folded`: it joined work already waiting (for metrics). */
  requested?(task: string, kind: TriggerKind, folded: boolean): void;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class TaskController<T extends ScheduledTask, O extends RunOutcome> {
  private pending: Pending | undefined;
  private state: 'idle' | 'debouncing' | 'queued' | 'running' = 'idle';
  private paused = false;
  private retired = false;
  private current: TriggerKind[] | undefined;
  private runStartedAt: number | undefined;
  private queuedAt: number | undefined;
  private dueTimer: { at: number; cancel: () => void } | undefined;
  private tickTimer: { at: number; kind: TriggerKind; cancel: () => void } | undefined;
  private lastEndAt: number | undefined;
  private lastRun: LastRun<O> | undefined;
  private lastError: string | undefined;
  private readonly anchor: number;
  private busy: Promise<void>;
  private readonly log: Logger;
  /** Set at every change this task's status could show; see `stamp`. */
  private changedAt: number;

  /**
   * `after`: the previous definition's run still in flight (a changed task waits for it).
   * `paused`: the previous definition was paused (a pause outlives a reload).
   */
  constructor(
    private task: T,
    private readonly ctx: ControllerContext<T, O>,
    after: Promise<void> = Promise.resolve(),
    paused = false,
  ) {
    this.paused = paused;
    this.anchor = ctx.clock.now();
    this.busy = after;
    this.log = ctx.logger.child({ task: task.name });
    this.changedAt = ctx.nextStamp?.() ?? 0;
  }

  /**
   * Changes whenever this task's status() could differ (stamps are never reused, not even by
   * another controller of the same name after a reload), so a reader may keep what it built
   * from an earlier snapshot while the stamp is the same.
   */
  get stamp(): number {
    return this.changedAt;
  }

  /** Stamps a change and tells the owner. */
  private touch(): void {
    this.changedAt = this.ctx.nextStamp?.() ?? this.changedAt + 1;
    this.ctx.changed();
  }

  get name(): string {
    return this.task.name;
  }

  get definition(): T {
    return this.task;
  }

  /** Nothing running, waiting or due: the task could be dropped without losing work. */
  get quiet(): boolean {
    return this.state === 'idle' && this.pending === undefined;
  }

  /** Resolves when the run in flight (if any) has ended. */
  get settled(): Promise<void> {
    return this.busy;
  }

  /** Starts the task's timer and, if it runs on start, asks for its first run. */
  start(runOnStart: boolean): void {
    if (this.task.timing.disabled) return;
    this.armTick();
    if (runOnStart) this.request('start');
  }

  /** The same definition from a reloaded config: keeps timer, pending work and history. */
  update(task: T): void {
    this.task = task;
    this.changedAt = this.ctx.nextStamp?.() ?? this.changedAt + 1;
  }

  /** Stops scheduling (removed by a reload, or shutdown); a run in flight finishes. */
  retire(): void {
    this.retired = true;
    this.pending = undefined;
    this.tickTimer?.cancel();
    this.tickTimer = undefined;
    this.dueTimer?.cancel();
    this.dueTimer = undefined;
  }

  /** Folds a request in; returns false when the task takes none (disabled, retired). */
  request(kind: TriggerKind, images?: readonly PushedImage[]): boolean {
    if (this.retired || this.task.timing.disabled) return false;
    const folded = this.pending !== undefined;
    this.pending = foldRequest(this.pending, kind, images, this.ctx.clock.now());
    this.ctx.requested?.(this.task.name, kind, folded);
    this.kick();
    this.touch(); // what is pending changed, even when kick had nothing to do
    return true;
  }

  pause(): void {
    this.paused = true;
    if (this.state === 'debouncing') this.toIdle();
    this.touch();
  }

  resume(): void {
    this.paused = false;
    this.kick();
    this.touch(); // paused shows even when kick had nothing to do (a run in flight)
  }

  /** State and pause alone: what a metrics scrape needs, without building a whole snapshot. */
  brief(): { name: string; state: TaskState; paused: boolean } {
    return { name: this.task.name, state: this.publicState(), paused: this.paused };
  }

  private publicState(): TaskState {
    return this.task.timing.disabled ? 'disabled' : this.state === 'idle' && this.paused ? 'paused' : this.state;
  }

  status(): TaskStatus<O> {
    const disabled = this.task.timing.disabled;
    const state = this.publicState();
    const p = this.pending;
    let nextRunAt: number | undefined;
    let nextTrigger: TriggerKind | undefined;
    if (!disabled && !this.paused) {
      // since when it waits for a run slot: a fixed time, so the snapshot holds while the stamp does
      if (this.state === 'queued') nextRunAt = this.queuedAt;
      else if (this.dueTimer) nextRunAt = this.dueTimer.at;
      if (nextRunAt !== undefined) nextTrigger = p ? [...p.kinds][0] : undefined;
      if (this.tickTimer && (nextRunAt === undefined || this.tickTimer.at < nextRunAt)) {
        nextRunAt = this.tickTimer.at;
        nextTrigger = this.tickTimer.kind;
      }
    }
    return {
      name: this.task.name,
      state,
      paused: this.paused,
      runningSince: this.state === 'running' && this.runStartedAt !== undefined ? iso(this.runStartedAt) : undefined,
      triggers: this.current ?? (this.state === 'queued' && p ? [...p.kinds] : undefined),
      nextRunAt: nextRunAt === undefined ? undefined : iso(nextRunAt),
      nextTrigger,
      pending: p ? { full: p.full.size > 0, images: p.images.size } : undefined,
      lastRun: this.lastRun,
      lastError: this.lastError,
    };
  }

  /** Decides what happens next: nothing, wait for quiet, or queue for a run slot. */
  private kick(): void {
    if (this.state === 'queued' || this.state === 'running') return;
    const p = this.pending;
    if (this.retired || this.paused || !p || this.ctx.signals.stop.aborted) return this.toIdle();
    const now = this.ctx.clock.now();
    const due = dueAt(p, now, this.task.timing.delayMs);
    if (due > now) {
      if (this.dueTimer?.at !== due) {
        this.dueTimer?.cancel();
        this.dueTimer = { at: due, cancel: this.ctx.clock.setTimer(due - now, () => this.onDue()) };
      }
      this.state = 'debouncing';
      this.touch();
      return;
    }
    this.dueTimer?.cancel();
    this.dueTimer = undefined;
    this.state = 'queued';
    this.queuedAt = this.ctx.clock.now();
    this.touch();
    const previous = this.busy;
    this.busy = previous.then(() => this.cycle());
  }

  private onDue(): void {
    this.dueTimer = undefined;
    if (this.state === 'debouncing') this.state = 'idle';
    this.kick();
  }

  private toIdle(): void {
    this.dueTimer?.cancel();
    this.dueTimer = undefined;
    if (this.state === 'debouncing') this.state = 'idle';
    this.touch();
  }

  private async cycle(): Promise<void> {
    const release = await this.ctx.slots.acquire(this.ctx.signals.stop);
    if (!release) {
      this.state = 'idle';
      this.touch();
      return;
    }
    try {
      // Paused while waiting for the slot: keep what is pending for after resume.
      if (this.paused || this.retired) return;
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      const plan = this.planOf(p);
      if (!plan) return;
      await this.runPlan(plan, release);
    } finally {
      release();
      this.state = 'idle';
      this.current = undefined;
      this.kick();
      this.touch();
    }
  }

  /** The pending requests as one run, after dregsy's too-soon rule; undefined: nothing to do. */
  private planOf(p: Pending): { full: boolean; images: PushedImage[]; triggers: TriggerKind[] } | undefined {
    const now = this.ctx.clock.now();
    const interval = this.task.timing.intervalMs;
    let full = p.full.size > 0;
    const onlyTicks = [...p.full].every((k) => k === 'interval');
    if (full && onlyTicks && interval !== undefined && this.lastEndAt !== undefined && now < this.lastEndAt + interval / 2) {
      full = false;
      p.kinds.delete('interval');
      if (p.images.size === 0) {
        this.log.info('task fired too soon, skipping');
        return undefined;
      }
    }
    return { full, images: [...p.images.values()], triggers: [...p.kinds] };
  }

  private async runPlan(plan: { full: boolean; images: PushedImage[]; triggers: TriggerKind[] }, release: () => void): Promise<void> {
    const { clock } = this.ctx;
    this.state = 'running';
    this.current = plan.triggers;
    this.touch();
    const started = clock.now();
    this.runStartedAt = started;
    let outcome: O;
    try {
      outcome = await this.ctx.run(this.task, plan, { signals: this.ctx.signals, releaseSlot: release });
    } catch (e) {
      // A run reports its own failures; reaching here is a bug, but must not stop the scheduler.
      this.log.error(`task run failed: ${errorMessage(e)}`);
      outcome = { ok: false, error: errorMessage(e) } as O;
    }
    const ended = clock.now();
    this.lastEndAt = ended;
    this.lastRun = { triggers: plan.triggers, full: plan.full, startedAt: iso(started), finishedAt: iso(ended), durationMs: ended - started, ok: outcome.ok, outcome };
    if (outcome.ok) this.lastError = undefined;
    else this.lastError = outcome.error ?? 'the run had errors (see the log)';
  }

  /** Arms the next interval or cron tick, and says when it is. */
  private armTick(): void {
    if (this.retired || this.ctx.signals.stop.aborted) return;
    const { intervalMs, cron } = this.task.timing;
    const now = this.ctx.clock.now();
    let at: number | undefined;
    let kind: TriggerKind;
    let why: string;
    if (intervalMs !== undefined) {
      // On the grid from the task's start, as Go's ticker: ticks missed while busy are dropped.
      at = this.anchor + (Math.floor((now - this.anchor) / intervalMs) + 1) * intervalMs;
      kind = 'interval';
      why = `interval ${intervalMs / 1000}s`;
    } else if (cron !== undefined) {
      at = cron.next(now);
      kind = 'schedule';
      why = `schedule '${cron.expr}'${cron.timezone ? ` (${cron.timezone})` : ''}`;
    } else {
      return;
    }
    if (at === undefined) {
      this.log.warn(`no next run: ${why} has no time left`);
      return;
    }
    const fireAt = at;
    this.tickTimer = {
      at: fireAt,
      kind,
      cancel: this.ctx.clock.setTimer(fireAt - now, () => {
        this.tickTimer = undefined;
        this.request(kind);
        this.armTick();
        this.touch(); // the next run time moved
      }),
    };
    this.log.info(`next run at ${iso(fireAt)} (${why})`);
  }
}

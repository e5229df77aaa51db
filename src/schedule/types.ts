/** The scheduler's vocabulary, shared with the service and (read-only) the status API. */
import type { TaskTiming } from '../model/task.js';
import type { PushedImage } from '../plan/push-match.js';
import type { RunSignals } from './run-signals.js';

/** What asked for a run. */
export type TriggerKind =
  /** dregsy's run at start (`run-on-start`), and a task new in a reloaded config */
  | 'start'
  /** `interval` */
  | 'interval'
  /** `schedule` (cron) */
  | 'schedule'
  /** a registry push event (targeted at the pushed images) */
  | 'webhook'
  /** `POST /trigger/<task>` (a full run, debounced like push events) */
  | 'trigger'
  /** run-now from the API (a full run, at once) */
  | 'manual';

/** Triggers that wait for the task's quiet period (`delay`) so a burst folds into one run. */
export const DEBOUNCED: ReadonlySet<TriggerKind> = new Set(['webhook', 'trigger']);

export type TaskState =
  | 'idle'
  /** events are waiting for the quiet period (`delay`) */
  | 'debouncing'
  /** due, waiting for a run slot (`concurrency.tasks`) */
  | 'queued'
  | 'running'
  | 'paused'
  | 'disabled';

export interface ScheduledTask {
  name: string;
  /** Config order. */
  index: number;
  /** Equal keys: the same definition (a reload keeps such a task's schedule). */
  key: string;
  timing: TaskTiming;
}

/** What one run is asked to do: everything, or only the pushed images (folded, deduplicated). */
export interface RunPlan {
  full: boolean;
  /**
   * The pushed images folded into this run. A full run covers them anyway, unless it covers only
   * one shard: then it still copies them (push copies are any replica's to serve, src/shard/).
   */
  images: PushedImage[];
  triggers: TriggerKind[];
}

export interface RunContext {
  signals: RunSignals;
  /**
   * Frees this run's slot for other tasks while the run finishes work that needs none (an
   * after-sync hook); the task itself stays busy, so its runs still never overlap.
   */
  releaseSlot(): void;
}

/** The least a run's outcome says; the service's carries counts and the report. */
export interface RunOutcome {
  ok: boolean;
  error?: string | undefined;
}

export type TaskRunner<T extends ScheduledTask, O extends RunOutcome> = (task: T, plan: RunPlan, ctx: RunContext) => Promise<O>;

export interface LastRun<O> {
  triggers: TriggerKind[];
  full: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  ok: boolean;
  outcome: O;
}

/** A task as the status API shows it: a snapshot, never a live object. */
export interface TaskStatus<O> {
  name: string;
  state: TaskState;
  /** Paused by the API (a run in flight finishes first; events are kept for after resume). */
  paused: boolean;
  /** When the run in flight started (ISO 8601); undefined when none runs. */
  runningSince: string | undefined;
  /** What the running or queued run was asked for by. */
  triggers: TriggerKind[] | undefined;
  /** When the next run is due (ISO 8601), if one is known. */
  nextRunAt: string | undefined;
  /** What will bring it: `interval`, `schedule`, or the waiting events' kind. */
  nextTrigger: TriggerKind | undefined;
  /** Requests folded and waiting for the next run. */
  pending: { full: boolean; images: number } | undefined;
  lastRun: LastRun<O> | undefined;
  /** The last failed run's error (cleared by a successful run). */
  lastError: string | undefined;
}

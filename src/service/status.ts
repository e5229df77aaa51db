/**
 * The read-only view of a running service: what the status API (and metrics) will serve.
 * Snapshots only; nothing here lets a reader change the service.
 */
import type { ResolvedTask } from '../model/task.js';
import type { TaskState, TaskStatus } from '../schedule/types.js';
import type { TaskRunResult } from '../sync/run-task.js';
import type { RegistryCounters } from '../registry/health.js';
import type { RunCounts } from '../sync/image-result.js';
import type { RunOutcome } from '../schedule/types.js';

/** A run's outcome as the scheduler keeps it: the counts, not every image. */
export interface RunSummary extends RunOutcome {
  scope: 'full' | 'pushed';
  counts: RunCounts;
  durationMs: number;
  /** Whether an after-sync hook ran, and how it ended. */
  hook?: 'ok' | 'failed' | undefined;
}

export interface ConfigStatus {
  file: string;
  /** When the config in use was loaded (ISO 8601). */
  loadedAt: string;
  /** The last config that was refused, and why; cleared by the next good one. */
  lastRejected: { at: string; problems: string[] } | undefined;
}

export interface ServiceStatus {
  startedAt: string;
  /** The listener's address, if one runs. */
  listening: string | undefined;
  config: ConfigStatus;
  tasks: Array<TaskStatus<RunSummary>>;
}

/** One task as its details show it: the resolved definition and the last run, every image. */
export interface TaskDetails {
  task: ResolvedTask;
  status: TaskStatus<RunSummary>;
  /** The latest run's result (every image); undefined before the first. */
  lastResult: TaskRunResult | undefined;
}

/** Whether the service can do its work: a config is in force and its relay is prepared. */
export interface Readiness {
  ready: boolean;
  /** Why not, when not. */
  reasons: string[];
}

/** Operations the ops API offers; the same as the service's own methods. */
export interface ServiceControl {
  status(): ServiceStatus;
  /** Goes up whenever the tasks' status could have changed (see Scheduler.version). */
  statusVersion(): number;
  /** Each task's stamp, in config order: a task's details are the same while its stamp is (Scheduler.stamps). */
  taskStamps(): Array<{ name: string; stamp: number }>;
  /** Name, state and pause of every task: a cheap status() for metrics. */
  taskStates(): Array<{ name: string; state: TaskState; paused: boolean }>;
  /** The resolved tasks in force, in config order. */
  definitions(): ResolvedTask[];
  details(task: string): TaskDetails | undefined;
  readiness(): Readiness;
  registryCounters(): readonly RegistryCounters[];
  pause(task: string): 'accepted' | 'unknown';
  resume(task: string): 'accepted' | 'unknown';
  /** `paused`: refused, a paused task runs only after resume. */
  runNow(task: string): 'accepted' | 'unknown' | 'disabled' | 'paused';
}

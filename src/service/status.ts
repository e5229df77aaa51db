/**
 * The read-only view of a running service: what the status API (and metrics) will serve.
 * Snapshots only; nothing here lets a reader change the service.
 */
import type { TaskStatus } from '../schedule/types.js';
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

/** Operations the ops API will offer; the same as the service's own methods. */
export interface ServiceControl {
  status(): ServiceStatus;
  pause(task: string): 'accepted' | 'unknown';
  resume(task: string): 'accepted' | 'unknown';
  runNow(task: string): 'accepted' | 'unknown' | 'disabled';
}

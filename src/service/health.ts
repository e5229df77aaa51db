/**
 * Liveness, decided from a status snapshot (pure, cheap: no registry call, no IO). `/healthz`
 * answering at all shows the event loop runs; beyond that, dregsy is unhealthy when a task
 * loop is stuck, which a restart would cure:
 * - a timer that did not fire: a task's next run (interval, schedule or quiet period) is due
 *   more than TIMER_SLACK_MS ago, yet it is neither running nor waiting for a run slot, so its
 *   loop has stopped ticking;
 * - a run far past any sane bound: running longer than `stuckAfterMs` (`api.stuck-after`,
 *   default 6 h; a copy that large is better restarted, and digests make the restart resume).
 * A paused or disabled task is never stuck, and a long queue behind other tasks is not either:
 * that is the order dregsy runs tasks in, not a hang.
 */
import type { TaskStatus } from '../schedule/types.js';

/** How late a timer may fire before its loop counts as stopped (a loaded machine is late by seconds, not minutes). */
export const TIMER_SLACK_MS = 60_000;

export interface Health {
  ok: boolean;
  /** One line per stuck task. */
  problems: string[];
}

export function assessHealth(tasks: ReadonlyArray<TaskStatus<unknown>>, now: number, stuckAfterMs: number | undefined): Health {
  const problems: string[] = [];
  for (const t of tasks) {
    if (t.paused || t.state === 'disabled') continue;
    if (t.state === 'running' && t.runningSince !== undefined && stuckAfterMs !== undefined) {
      const ran = now - Date.parse(t.runningSince);
      if (ran > stuckAfterMs) problems.push(`task '${t.name}': its run has gone on for ${minutes(ran)} (api.stuck-after: ${minutes(stuckAfterMs)})`);
    }
    if ((t.state === 'idle' || t.state === 'debouncing') && t.nextRunAt !== undefined) {
      const late = now - Date.parse(t.nextRunAt);
      if (late > TIMER_SLACK_MS) problems.push(`task '${t.name}': its next run was due ${minutes(late)} ago and has not started`);
    }
  }
  return { ok: problems.length === 0, problems };
}

function minutes(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)}s` : `${Math.round(ms / 60_000)}m`;
}

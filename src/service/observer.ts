/**
 * What the service tells whoever counts (the metrics): task runs, requests, reloads. Plain
 * calls on an interface, so the service knows nothing of Prometheus, and a test can count too.
 */
import type { TriggerKind } from '../schedule/types.js';
import type { TaskRunResult } from '../sync/run-task.js';

export interface ServiceObserver {
  /** A config came into force (at start and after each good reload; `at`: epoch ms): its tasks, in order. */
  tasksChanged(tasks: readonly string[], at: number): void;
  /** A task took a request; `folded`: it joined work already waiting (no extra run). */
  requested(task: string, kind: TriggerKind, folded: boolean): void;
  /** A task run ended (`endedAt`: epoch ms). */
  runEnded(result: TaskRunResult, endedAt: number): void;
  /** A reload was tried: switched to the new config, or refused it. */
  reloaded(ok: boolean, at: number): void;
}

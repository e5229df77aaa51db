/** Which tasks a batch of push events concerns, and which of their images (pure). */
import type { ResolvedTask } from '../model/task.js';
import { selectPush, type OwnTargetSkip, type PushEvent, type PushedImage } from '../plan/push-match.js';

export interface PushRouting {
  /** The images each task is to copy. */
  byTask: Map<string, PushedImage[]>;
  /** Events that concern no task (for the metrics), less those counted in `ownTargetOnly`. */
  unmatched: number;
  /** Events that concern no task only because each mapping selecting them would copy its own output. */
  ownTargetOnly: number;
  /** What mappings skipped as their own output, by task (to be said in the log). */
  ownTargets: Array<OwnTargetSkip & { task: string }>;
}

export function routePush(tasks: readonly ResolvedTask[], events: readonly PushEvent[]): PushRouting {
  const byTask = new Map<string, PushedImage[]>();
  const matched = new Set<number>();
  const skipped = new Set<number>();
  const ownTargets: PushRouting['ownTargets'] = [];
  for (const task of tasks) {
    if (!task.timing.webhook || task.timing.disabled) continue;
    const images = events.flatMap((e, i) => {
      const found = selectPush(task, e);
      if (found.images.length > 0) matched.add(i);
      if (found.ownTargets.length > 0) skipped.add(i);
      for (const own of found.ownTargets) ownTargets.push({ ...own, task: task.name });
      return found.images;
    });
    if (images.length > 0) byTask.set(task.name, images);
  }
  const ownTargetOnly = [...skipped].filter((i) => !matched.has(i)).length;
  return { byTask, unmatched: events.length - matched.size - ownTargetOnly, ownTargets, ownTargetOnly };
}

/** Which tasks a batch of push events concerns, and which of their images (pure). */
import type { ResolvedTask } from '../model/task.js';
import { matchPush, type PushEvent, type PushedImage } from '../plan/push-match.js';

/** The images each task is to copy, and how many events concern no task (for the metrics). */
export function routePush(tasks: readonly ResolvedTask[], events: readonly PushEvent[]): { byTask: Map<string, PushedImage[]>; unmatched: number } {
  const byTask = new Map<string, PushedImage[]>();
  const matched = new Set<number>();
  for (const task of tasks) {
    if (!task.timing.webhook || task.timing.disabled) continue;
    const images = events.flatMap((e, i) => {
      const found = matchPush(task, e);
      if (found.length > 0) matched.add(i);
      return found;
    });
    if (images.length > 0) byTask.set(task.name, images);
  }
  return { byTask, unmatched: events.length - matched.size };
}

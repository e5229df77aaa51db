/** Which tasks a batch of push events concerns, and which of their images (pure). */
import type { ResolvedTask } from '../model/task.js';
import { matchPush, type PushEvent, type PushedImage } from '../plan/push-match.js';

export function routePush(tasks: readonly ResolvedTask[], events: readonly PushEvent[]): Map<string, PushedImage[]> {
  const out = new Map<string, PushedImage[]>();
  for (const task of tasks) {
    if (!task.timing.webhook || task.timing.disabled) continue;
    const images = events.flatMap((e) => matchPush(task, e));
    if (images.length > 0) out.set(task.name, images);
  }
  return out;
}

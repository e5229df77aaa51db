/**
 * `dregsy run TASK [--wait]`: POST /api/v1/tasks/TASK/run, a full run now. With `--wait`, follows
 * the task until a run that ended after the request, and exits by its outcome (0 ok, 1 failed).
 */
import type { TaskSummary } from '../server/task-view.js';
import type { ApiClient } from './api-client.js';
import { ExitCode } from './exit-codes.js';

const POLL_MS = 500;

export async function runCommand(
  client: ApiClient,
  task: string,
  wait: boolean,
  out: { write(s: string): unknown },
  sleep: (ms: number) => Promise<void>,
): Promise<number> {
  const path = `/api/v1/tasks/${encodeURIComponent(task)}`;
  const before = wait ? (await client.get<TaskSummary>(path)).lastRun?.finishedAt : undefined;
  await client.post(`${path}/run`);
  out.write(`${task}: run requested\n`);
  if (!wait) return ExitCode.ok;
  for (;;) {
    await sleep(POLL_MS);
    const t = await client.get<TaskSummary>(path);
    const r = t.lastRun;
    // The run we asked for has ended when a newer run has, and the task is not busy with another.
    if (r && r.finishedAt !== before && t.state !== 'running' && t.state !== 'queued') {
      const c = r.counts;
      out.write(`${task}: ${r.ok ? 'ok' : 'FAILED'}: copied=${c.copied} skipped=${c.skipped} failed=${c.failed} (${r.durationMs} ms)${r.error ? `: ${r.error}` : ''}\n`);
      return r.ok ? ExitCode.ok : ExitCode.failed;
    }
  }
}

/** `dregsy pause TASK`: POST /api/v1/tasks/TASK/pause. The run in flight, if any, finishes. */
import type { ApiClient } from './api-client.js';
import { ExitCode } from './exit-codes.js';

export async function pauseCommand(client: ApiClient, task: string, out: { write(s: string): unknown }): Promise<number> {
  const r = await client.post<{ state?: string }>(`/api/v1/tasks/${encodeURIComponent(task)}/pause`);
  out.write(`${task}: paused${r.state === 'running' ? ' (the run in flight finishes first)' : ''}\n`);
  return ExitCode.ok;
}

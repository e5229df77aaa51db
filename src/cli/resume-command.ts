/** `dregsy resume TASK`: POST /api/v1/tasks/TASK/resume; what arrived while paused runs now. */
import type { ApiClient } from './api-client.js';
import { ExitCode } from './exit-codes.js';

export async function resumeCommand(client: ApiClient, task: string, out: { write(s: string): unknown }): Promise<number> {
  const r = await client.post<{ state?: string }>(`/api/v1/tasks/${encodeURIComponent(task)}/resume`);
  out.write(`${task}: resumed (${r.state ?? 'unknown'})\n`);
  return ExitCode.ok;
}

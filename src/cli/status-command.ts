/**
 * `dregsy status`: the tasks of a running dregsy, one line each (state, last run and its
 * counts, next run, last error), from GET /api/v1/tasks and /api/v1/config. Exit 1 when a
 * task's last run failed, so a script or a cron job can alert on it; `--json` prints the API's
 * answer as it is.
 */
import type { TaskSummary } from '../server/task-view.js';
import type { ApiClient } from './api-client.js';
import { ExitCode } from './exit-codes.js';

interface ConfigView {
  file: string;
  loadedAt: string;
  lastRejected: { at: string; problems: string[] } | null;
  version: string;
}

function ago(iso: string | undefined, now: number): string {
  if (iso === undefined) return '-';
  const s = Math.round((Date.parse(iso) - now) / 1000);
  const a = Math.abs(s);
  const text = a < 90 ? `${a}s` : a < 5400 ? `${Math.round(a / 60)}m` : a < 172_800 ? `${Math.round(a / 3600)}h` : `${Math.round(a / 86_400)}d`;
  return s < 0 ? `${text} ago` : `in ${text}`;
}

export function formatStatus(tasks: readonly TaskSummary[], config: ConfigView, now: number): string {
  const rows = tasks.map((t) => {
    const r = t.lastRun;
    return [
      t.name,
      t.paused && t.state !== 'paused' ? `${t.state} (paused)` : t.state,
      r ? `${r.ok ? 'ok' : 'FAILED'} ${ago(r.finishedAt, now)}` : '-',
      r ? String(r.counts.copied) : '-',
      r ? String(r.counts.skipped) : '-',
      r ? String(r.counts.failed) : '-',
      ago(t.nextRunAt, now),
    ];
  });
  const head = ['TASK', 'STATE', 'LAST RUN', 'COPIED', 'SKIPPED', 'FAILED', 'NEXT RUN'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [line(head), ...rows.map(line)];
  for (const t of tasks) if (t.lastError) out.push(`${t.name}: ${t.lastError}`);
  out.push(`config ${config.file} loaded ${ago(config.loadedAt, now)} (dregsy ${config.version})`);
  if (config.lastRejected) out.push(`a newer config was refused ${ago(config.lastRejected.at, now)}:`, ...config.lastRejected.problems.map((p) => `  ${p}`));
  return `${out.join('\n')}\n`;
}

export async function statusCommand(client: ApiClient, out: { write(s: string): unknown }, json: boolean, now: () => number): Promise<number> {
  const { tasks } = await client.get<{ tasks: TaskSummary[] }>('/api/v1/tasks');
  if (json) out.write(`${JSON.stringify({ tasks }, null, 2)}\n`);
  else out.write(formatStatus(tasks, await client.get<ConfigView>('/api/v1/config'), now()));
  return tasks.some((t) => t.lastRun !== undefined && !t.lastRun.ok) ? ExitCode.failed : ExitCode.ok;
}

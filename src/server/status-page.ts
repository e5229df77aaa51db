/**
 * The status page at `/` (pure rendering; routes in page-routes.ts): one server-rendered HTML
 * page, no framework, no build step, nothing loaded from elsewhere. The table of tasks is
 * rendered here both into the page (when the request may see it) and as the fragment the page
 * fetches every few seconds with the token it asked for once (kept in sessionStorage, so it
 * dies with the tab). Failing tasks are red in the table, counted in a banner and in the title.
 */
import type { ServiceStatus } from '../service/status.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './status-page-assets.js';
import type { TaskSummary } from './task-view.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** `3m ago`, `in 2h`: short enough for a phone; the exact time goes in a tooltip. */
export function relative(iso: string | undefined, now: number): string {
  if (iso === undefined) return '—';
  const ms = Date.parse(iso) - now;
  const a = Math.abs(ms);
  const text = a < 1_500 ? 'now' : a < 90_000 ? `${Math.round(a / 1000)}s` : a < 5_400_000 ? `${Math.round(a / 60_000)}m` : a < 172_800_000 ? `${Math.round(a / 3_600_000)}h` : `${Math.round(a / 86_400_000)}d`;
  if (text === 'now') return text;
  return ms < 0 ? `${text} ago` : `in ${text}`;
}

const time = (iso: string | undefined, now: number) => (iso === undefined ? '—' : `<time datetime="${escapeHtml(iso)}" title="${escapeHtml(iso)}">${relative(iso, now)}</time>`);

function duration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

function triggerText(t: TaskSummary['trigger']): string {
  if (!t) return '';
  const parts: string[] = [];
  if (t.interval !== undefined) parts.push(`every ${t.interval >= 3600 && t.interval % 3600 === 0 ? `${t.interval / 3600}h` : t.interval >= 60 && t.interval % 60 === 0 ? `${t.interval / 60}m` : `${t.interval}s`}`);
  if (t.schedule !== undefined) parts.push(`cron ${t.schedule}`);
  if (t.webhook) parts.push('on push');
  return parts.length > 0 ? parts.join(', ') : 'once';
}

export function isFailing(t: TaskSummary): boolean {
  return t.lastRun !== undefined && !t.lastRun.ok;
}

function row(t: TaskSummary, now: number, canAct: boolean): string {
  const failing = isFailing(t);
  const name = escapeHtml(t.name);
  const badges = [failing ? '<span class="badge bad">failed</span>' : '', t.paused ? '<span class="badge">paused</span>' : ''].join('');
  const state = t.state === 'running' && t.runningSince ? `running <small>since ${time(t.runningSince, now)}</small>` : escapeHtml(t.state);
  const r = t.lastRun;
  const last = r ? `${time(r.finishedAt, now)} <small>${r.ok ? 'ok' : 'failed'}, ${duration(r.durationMs)}</small>` : '—';
  const counts = r ? `<span title="selected ${r.counts.selected}">${r.counts.copied} / ${r.counts.skipped} / <b class="${r.counts.failed > 0 ? 'bad' : ''}">${r.counts.failed}</b></span>` : '—';
  const error = t.lastError ? `<div class="error" title="${escapeHtml(t.lastError)}">${escapeHtml(t.lastError.length > 160 ? `${t.lastError.slice(0, 160)}…` : t.lastError)}</div>` : '';
  const disabled = t.state === 'disabled';
  const button = (action: string, label: string, off = false) => `<button type="button" data-action="${action}" data-task="${name}"${off || !canAct ? ' disabled' : ''}>${label}</button>`;
  const actions = t.paused ? button('resume', 'Resume', disabled) : button('pause', 'Pause', disabled);
  return `<tr class="${failing ? 'failing' : ''}${t.paused ? ' paused' : ''}" data-task="${name}" data-state="${escapeHtml(t.state)}">
<td data-label="Task"><b>${name}</b> ${badges}${error}</td>
<td data-label="State">${state}</td>
<td data-label="Trigger">${escapeHtml(triggerText(t.trigger))}</td>
<td data-label="Last run">${last}</td>
<td data-label="Copied / skipped / failed">${counts}</td>
<td data-label="Next run">${time(t.nextRunAt, now)}</td>
<td data-label="" class="actions">${actions} ${button('run', 'Run now', disabled || t.paused)}</td>
</tr>`;
}

/** The part the page refreshes: banners, summary and the table. */
export function renderTasks(tasks: readonly TaskSummary[], status: ServiceStatus, now: number, canAct = true): string {
  const failing = tasks.filter(isFailing).length;
  const running = tasks.filter((t) => t.state === 'running').length;
  const paused = tasks.filter((t) => t.paused).length;
  const title = failing > 0 ? `dregsy: ${failing} failing` : 'dregsy';
  const rejected = status.config.lastRejected;
  const banners = [
    failing > 0 ? `<p class="banner bad" role="alert">${failing} of ${tasks.length} task${tasks.length === 1 ? '' : 's'} failing</p>` : '',
    rejected ? `<p class="banner warn" role="alert">A newer config was refused ${time(rejected.at, now)} (${rejected.problems.length} problem${rejected.problems.length === 1 ? '' : 's'}): ${escapeHtml(rejected.problems[0] ?? '')}</p>` : '',
  ].join('');
  const summary = `<p class="summary" data-title="${escapeHtml(title)}">${tasks.length} task${tasks.length === 1 ? '' : 's'} · ${running} running · ${paused} paused · ${failing} failing · config loaded ${time(status.config.loadedAt, now)}</p>`;
  const rows = tasks.map((t) => row(t, now, canAct)).join('\n');
  return `${banners}${summary}
<table>
<thead><tr><th>Task</th><th>State</th><th>Trigger</th><th>Last run</th><th>Copied / skipped / failed</th><th>Next run</th><th></th></tr></thead>
<tbody>
${rows || '<tr><td colspan="7">No tasks.</td></tr>'}
</tbody>
</table>`;
}

export interface PageInput {
  nonce: string;
  /** The table, when the request may see it; otherwise the page fetches it with a token. */
  content: string | undefined;
  needsToken: boolean;
  version: string;
}

export function renderPage(p: PageInput): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>dregsy</title>
<link rel="icon" href="data:,">
<noscript><meta http-equiv="refresh" content="15"></noscript>
<style nonce="${p.nonce}">${PAGE_STYLE}</style>
</head>
<body data-needs-token="${p.needsToken}">
<header><h1>dregsy</h1><span class="version">${escapeHtml(p.version)}</span><span id="note" role="status"></span></header>
<form id="login" hidden>
<label for="token">API token (DREGSY_API_TOKEN), kept in this tab only</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Show tasks</button>
</form>
<main id="content">${p.content ?? ''}</main>
<script nonce="${p.nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * Peers' schedules as dregsy's `interval` (seconds, at least 30; a task runs at start and then
 * every interval). dregsy has no cron `schedule:` yet, so a cron expression converts only when
 * it repeats at a fixed period: `*\/5 * * * *`, `@every 1h`, `15 1 * * *` (daily). What the
 * interval cannot keep (the time of day or the minute a cron job is pinned to) is reported as
 * `pinned`, for the importer to drop; a cron that has no fixed period (weekdays, months, lists)
 * does not convert at all.
 */
import { formatGoDuration } from '../config/go-duration.js';
import { MINIMUM_TASK_INTERVAL_S } from '../config/rules.js';
import { yamlDuration } from '../config/yaml-scalar.js';

export type Period =
  | { ok: true; seconds: number; pinned?: string | undefined; raised?: boolean | undefined }
  | { ok: false; reason: string };

const NS_PER_S = 1_000_000_000n;

/** A Go duration (as its text) → whole seconds, rounded up and raised to dregsy's minimum. */
export function durationPeriod(text: string): Period {
  const d = yamlDuration(text);
  if (!d.ok) return { ok: false, reason: d.message };
  if (d.ns <= 0n) return { ok: false, reason: `'${text}' is not a positive duration` };
  const seconds = Number((d.ns + NS_PER_S - 1n) / NS_PER_S);
  if (seconds < MINIMUM_TASK_INTERVAL_S) return { ok: true, seconds: MINIMUM_TASK_INTERVAL_S, raised: true };
  return { ok: true, seconds };
}

const DESCRIPTORS: Record<string, { seconds: number; pinned: string } | undefined> = {
  '@hourly': { seconds: 3600, pinned: 'at minute 0 of every hour' },
  '@daily': { seconds: 86400, pinned: 'at midnight' },
  '@midnight': { seconds: 86400, pinned: 'at midnight' },
  '@weekly': { seconds: 604800, pinned: 'on Sundays at midnight' },
};

const NUMBER = /^[0-9]+$/;

function step(field: string, unit: number): number | undefined {
  if (field === '*') return 1;
  const m = /^(?:\*|0)\/([0-9]+)$/.exec(field);
  if (!m) return undefined;
  const n = Number(m[1]);
  // `*/7` minutes fires at :00, :07 ... :56 and again at :00: no fixed period.
  return n > 0 && unit % n === 0 ? n : undefined;
}

/** A 5-field cron expression (or robfig/cron descriptor, as regsync and gocron read them) → period. */
export function cronPeriod(expr: string): Period {
  let text = expr.trim().replace(/^(?:CRON_TZ|TZ)=\S+\s+/, '');
  if (text.startsWith('@every ')) {
    const p = durationPeriod(text.slice('@every '.length).trim());
    return p.ok ? p : { ok: false, reason: `'${expr}': ${p.reason}` };
  }
  const descriptor = DESCRIPTORS[text];
  if (descriptor) return { ok: true, ...descriptor };
  if (text.startsWith('@')) return { ok: false, reason: `'${expr}' has no fixed period` };
  text = text.replace(/\s+/g, ' ');
  const fields = text.split(' ');
  if (fields.length !== 5) return { ok: false, reason: `'${expr}' is not a five-field cron expression` };
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const any = (f: string) => f === '*' || f === '?';
  if (!any(dom) || !any(month) || !any(dow)) return { ok: false, reason: `'${expr}' runs on chosen days, which has no fixed period` };
  const everyMinutes = step(minute, 60);
  if (everyMinutes !== undefined && hour === '*') return asPeriod(everyMinutes * 60);
  if (!NUMBER.test(minute) || Number(minute) > 59) return { ok: false, reason: `'${expr}' has no fixed period` };
  const everyHours = step(hour, 24);
  if (everyHours !== undefined) {
    return asPeriod(everyHours * 3600, everyHours === 1 ? `at minute ${minute} of every hour` : `at minute ${minute} of every ${everyHours}th hour from midnight`);
  }
  if (NUMBER.test(hour) && Number(hour) < 24) return asPeriod(86400, `at ${hour.padStart(2, '0')}:${minute.padStart(2, '0')}`);
  return { ok: false, reason: `'${expr}' has no fixed period` };
}

function asPeriod(seconds: number, pinned?: string): Period {
  if (seconds < MINIMUM_TASK_INTERVAL_S) return { ok: true, seconds: MINIMUM_TASK_INTERVAL_S, raised: true, pinned };
  return { ok: true, seconds, pinned };
}

/** `3600` → `1h0m0s`, for comments. */
export function describeSeconds(seconds: number): string {
  return formatGoDuration(BigInt(seconds) * NS_PER_S);
}

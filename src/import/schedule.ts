/**
 * Peers' schedules as dregsy's: a Go duration as `interval` (seconds, at least 30), a cron
 * expression as `schedule:` (checked with dregsy's own cron parser).
 */
import { formatGoDuration } from '../config/go-duration.js';
import { MINIMUM_TASK_INTERVAL_S } from '../config/rules.js';
import { yamlDuration } from '../config/yaml-scalar.js';
import { parseCron } from '../schedule/cron.js';

export type Period = { ok: true; seconds: number; raised?: boolean | undefined } | { ok: false; reason: string };

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

export type Schedule =
  | { ok: true; kind: 'interval'; seconds: number; raised?: boolean | undefined }
  | { ok: true; kind: 'schedule'; text: string }
  | { ok: false; reason: string };

/**
 * A robfig/cron expression (regsync's `schedule`, picture-book's gocron `syncPeriod`) as
 * dregsy's `schedule:`; `zone` is the time zone the peer's scheduler runs in, when it is not the
 * process's own. robfig's standard parser takes five fields and its descriptors (`@daily`),
 * as croner does; `@every <d>` is an interval in dregsy.
 */
export function cronSchedule(expr: string, zone?: string): Schedule {
  const trimmed = expr.trim();
  const prefix = /^(?:CRON_TZ|TZ)=\S+\s+/.exec(trimmed)?.[0] ?? '';
  const body = trimmed.slice(prefix.length).trim();
  if (body.startsWith('@every ')) {
    const p = durationPeriod(body.slice('@every '.length).trim());
    return p.ok ? { ok: true, kind: 'interval', seconds: p.seconds, raised: p.raised } : { ok: false, reason: p.reason };
  }
  if (!body.startsWith('@') && body.split(/\s+/).length !== 5) return { ok: false, reason: 'not five fields, which the peer cannot schedule either' };
  const text = `${prefix || (zone ? `CRON_TZ=${zone} ` : '')}${body}`;
  const parsed = parseCron(text);
  return parsed.ok ? { ok: true, kind: 'schedule', text } : { ok: false, reason: parsed.message };
}

/** `3600` → `1h0m0s`, for comments. */
export function describeSeconds(seconds: number): string {
  return formatGoDuration(BigInt(seconds) * NS_PER_S);
}

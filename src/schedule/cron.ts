/**
 * A task's `schedule:` (cron), read once at load. Five fields (minute first) or six (seconds
 * first), as croner reads them; a time zone goes in front as `CRON_TZ=<zone> ` (or `TZ=<zone> `),
 * the way Kubernetes CronJobs and Go's robfig/cron spell it, so the key stays one string.
 * croner is used only to compute times: the scheduler arms its own timers on the injected clock.
 */
import { Cron } from 'croner';

export interface CronSchedule {
  /** The fields as written, without the time zone prefix. */
  readonly expr: string;
  /** IANA zone, or undefined for the process's local time. */
  readonly timezone: string | undefined;
  /** The first fire time strictly after `afterMs` (epoch ms), or undefined if there is none. */
  next(afterMs: number): number | undefined;
}

export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; message: string };

const ZONE_PREFIX = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/s;

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    // RangeError: Intl does not know the zone; the caller reports it
    return false;
  }
}

export function parseCron(text: string): CronParse {
  const trimmed = text.trim();
  const m = ZONE_PREFIX.exec(trimmed);
  const timezone = m?.[1];
  const expr = (m?.[2] ?? trimmed).trim();
  if (timezone !== undefined && !validZone(timezone)) return { ok: false, message: `unknown time zone '${timezone}'` };
  const fields = expr.split(/\s+/).filter(Boolean).length;
  if (!expr.startsWith('@') && fields !== 5 && fields !== 6) {
    return { ok: false, message: `expected 5 fields (minute hour day month weekday) or 6 (seconds first), got ${fields}` };
  }
  let cron: Cron;
  try {
    cron = new Cron(expr, { paused: true, mode: '5-or-6-parts', ...(timezone ? { timezone } : {}) });
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  return {
    ok: true,
    schedule: {
      expr,
      timezone,
      next(afterMs) {
        return cron.nextRun(new Date(afterMs))?.getTime();
      },
    },
  };
}

/**
 * Tasks as the status API shows them (pure): a summary per task for the list, and one task's
 * details: its definition with every secret taken out, and its last run image by image.
 *
 * The definition is built field by field from the resolved task, never by copying the config
 * entry, so a key added to the config later stays out until someone decides it is safe. What
 * goes: `auth` (shown as set, not its value), auth-file contents (only the path is shown),
 * hook environment values whose name or value looks like a secret, and secrets inside hook
 * arguments (`--password=…`, `user:pass@` in URLs). Whatever the Redactor knows is taken out
 * of the whole reply on top of that (api-routes.ts).
 */
import { REDACTED } from '../log/redact.js';
import type { ResolvedTask } from '../model/task.js';
import type { Location } from '../config/schema.js';
import type { TaskStatus } from '../schedule/types.js';
import type { RunSummary, TaskDetails } from '../service/status.js';

/** Names of environment variables and flags whose values are secrets. */
const SECRET_NAME = /pass|secret|token|key|auth|cred|session|cookie|private|signature|cert/i;
/** A value that looks like a credential: long, no spaces, letters and digits mixed (base64, hex, JWT). */
const SECRET_VALUE = /^(?=[^\s]*[a-zA-Z])(?=[^\s]*\d)[A-Za-z0-9+/=_\-.~]{20,}$/;
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi;

export function hideEnvValue(name: string, value: string): string {
  if (SECRET_NAME.test(name) || SECRET_VALUE.test(value)) return REDACTED;
  return value.replace(URL_USERINFO, `$1$2:${REDACTED}@`);
}

/** `--password=x` and `-p=x` keep their flag; URLs keep their user; bare long tokens go. */
export function hideArg(arg: string, previous: string | undefined): string {
  if (previous !== undefined && /^--?[\w-]+$/.test(previous) && SECRET_NAME.test(previous)) return REDACTED;
  const flag = /^(--?[\w-]+)=(.*)$/s.exec(arg);
  if (flag && SECRET_NAME.test(flag[1]!)) return `${flag[1]}=${REDACTED}`;
  if (SECRET_VALUE.test(arg)) return REDACTED;
  return arg.replace(URL_USERINFO, `$1$2:${REDACTED}@`);
}

function locationView(l: Location) {
  const auth = l.auth?.trim();
  return {
    registry: l.registry,
    // `none` is a keyword (anonymous), not a secret
    auth: auth === undefined ? undefined : auth.toLowerCase() === 'none' ? 'none' : REDACTED,
    authFile: l['auth-file'],
    authRefresh: l['auth-refresh'],
    skipTlsVerify: l['skip-tls-verify'] === true,
    lister: l.lister ? { type: l.lister.type, search: l.lister.search } : undefined,
  };
}

export function triggerView(task: ResolvedTask) {
  const t = task.timing;
  return {
    interval: t.intervalMs === undefined ? undefined : t.intervalMs / 1000,
    schedule: t.cron ? (t.cron.timezone ? `CRON_TZ=${t.cron.timezone} ${t.cron.expr}` : t.cron.expr) : undefined,
    webhook: t.webhook,
    runOnStart: t.runOnStart,
    delayMs: t.delayMs,
    disabled: t.disabled,
  };
}

export function definitionView(task: ResolvedTask) {
  const hook = task.afterSync;
  return {
    name: task.name,
    source: locationView(task.source),
    target: locationView(task.target),
    mappings: task.mappings.map((m) => ({ from: m.from, to: m.to, tags: task.config.mappings?.[m.index]?.tags ?? undefined, platform: m.platformText, force: m.force })),
    trigger: triggerView(task),
    verbose: task.verbose,
    hooks: hook
      ? {
          afterSync: {
            cmd: hook.cmd,
            args: hook.args.map((a, i) => hideArg(a, hook.args[i - 1])),
            workdir: hook.workdir,
            env: Object.fromEntries(Object.entries(hook.env).map(([k, v]) => [k, hideEnvValue(k, v)])),
            timeoutMs: hook.timeoutMs,
            when: hook.when,
          },
        }
      : undefined,
  };
}

function lastRunView(status: TaskStatus<RunSummary>) {
  const r = status.lastRun;
  if (!r) return undefined;
  const c = r.outcome.counts;
  return {
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
    ok: r.ok,
    scope: r.outcome.scope,
    triggers: r.triggers,
    counts: { selected: c.selected, checked: c.checked, copied: c.copied, skipped: c.skipped, failed: c.failed },
    error: r.outcome.error,
    hook: r.outcome.hook,
  };
}

/** One task in the list: state, trigger, last run's summary, next run, last error. */
export function taskSummary(status: TaskStatus<RunSummary>, task: ResolvedTask | undefined) {
  return {
    name: status.name,
    state: status.state,
    paused: status.paused,
    active: !status.paused && status.state !== 'disabled',
    trigger: task ? triggerView(task) : undefined,
    runningSince: status.runningSince,
    triggers: status.triggers,
    nextRunAt: status.nextRunAt,
    nextTrigger: status.nextTrigger,
    pending: status.pending,
    lastRun: lastRunView(status),
    lastError: status.lastError,
  };
}

export type TaskSummary = ReturnType<typeof taskSummary>;

/** One task in full: the summary, the definition without secrets, and the last run's images. */
export function taskDetailsView(d: TaskDetails) {
  const r = d.lastResult;
  return {
    ...taskSummary(d.status, d.task),
    definition: definitionView(d.task),
    lastRunImages: r
      ? r.images.map((i) => ({
          source: i.source,
          target: i.target,
          platform: i.platform,
          action: i.action,
          reason: i.reason,
          sourceDigest: i.sourceDigest,
          targetDigest: i.targetDigest,
          expectedDigest: i.expectedDigest,
          durationMs: i.durationMs,
          error: i.error,
        }))
      : [],
  };
}

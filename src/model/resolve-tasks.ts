/**
 * Config tasks → resolved tasks (model/task.ts). Runs after the loader has checked the config,
 * so every parse here succeeds; one that does not is a bug between rules.ts and this file,
 * reported with the task's name rather than papered over.
 */
import { nsToMs } from '../config/go-duration.js';
import type { Config, Hook, Location, Mapping, Task } from '../config/schema.js';
import { yamlDuration } from '../config/yaml-scalar.js';
import { parseNameFilter } from '../mapping/name-filter.js';
import { parsePathMapping } from '../mapping/path-mapping.js';
import { parseBackupTemplate } from '../plan/backup-name.js';
import type { ScriptListerSpec } from '../mapping/script-lister.js';
import { parsePlatform } from '../plan/platform.js';
import { parseCron } from '../schedule/cron.js';
import { parseTagSet } from '../tags/tag-set.js';
import type { AfterSyncHook, ResolvedMapping, ResolvedTask, TaskTiming } from './task.js';

export const DEFAULT_DELAY_MS = 2_000;
export const DEFAULT_HOOK_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_SCRIPT_TIMEOUT_MS = 5 * 60_000;

function durationMs(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  const d = yamlDuration(text);
  if (!d.ok) throw new Error(`${what}: ${d.message}`);
  return nsToMs(d.ns);
}

function resolveMapping(task: string, m: Mapping, index: number, taskBackup: string | undefined): ResolvedMapping {
  const where = `task '${task}' mappings[${index}]`;
  const paths = parsePathMapping(m.from, m.to);
  if (!paths.ok) throw new Error(`${where}: ${paths.problems.map((p) => p.message).join('; ')}`);
  const tags = parseTagSet(m.tags);
  if (!tags.ok) throw new Error(`${where}: ${tags.problems.map((p) => p.message).join('; ')}`);
  const platform = parsePlatform(m.platform);
  if ('error' in platform) throw new Error(`${where}: ${platform.error}`);
  const backupText = m.backup ?? taskBackup;
  const backup = backupText === undefined ? undefined : parseBackupTemplate(backupText);
  if (backup && !backup.ok) throw new Error(`${where}: backup: ${backup.message}`);
  const names = parseNameFilter(m.allow, m.deny);
  if (!names.ok) throw new Error(`${where}: ${names.problems.map((p) => p.message).join('; ')}`);
  return {
    index,
    from: m.from,
    to: m.to ?? undefined,
    platformText: m.platform ?? undefined,
    paths: paths.mapping,
    tags: tags.set,
    platform,
    force: m.force === true,
    backup: backup?.value,
    referrers: m.referrers === true,
    names: names.filter,
  };
}

function resolveScript(task: Task): ScriptListerSpec | undefined {
  const lister = task.source.lister;
  if (lister?.type !== 'script' || lister.cmd === undefined) return undefined;
  return {
    cmd: lister.cmd,
    args: lister.args ?? [],
    workdir: lister.workdir,
    env: { ...(lister.env ?? {}) },
    timeoutMs: durationMs(lister.timeout, DEFAULT_SCRIPT_TIMEOUT_MS, `task '${task.name}' source.lister.timeout`),
  };
}

/** `target`, or `targets` (rules.ts makes sure exactly one of them is there). */
export function targetsOf(task: Task): Location[] {
  const targets = task.targets?.length ? task.targets : task.target ? [task.target] : [];
  if (targets.length === 0) throw new Error(`task '${task.name}' has no target`);
  return targets;
}

function resolveTiming(task: Task): TaskTiming {
  let cron;
  if (task.schedule !== undefined && task.schedule.trim() !== '') {
    const parsed = parseCron(task.schedule);
    if (!parsed.ok) throw new Error(`task '${task.name}' schedule: ${parsed.message}`);
    cron = parsed.schedule;
  }
  const interval = task.interval ?? 0;
  return {
    intervalMs: interval > 0 ? interval * 1000 : undefined,
    cron,
    webhook: task.webhook === true,
    runOnStart: task['run-on-start'] ?? true,
    delayMs: Math.max(0, durationMs(task.delay, DEFAULT_DELAY_MS, `task '${task.name}' delay`)),
    disabled: task.disable === true,
  };
}

function resolveHook(task: string, hook: Hook | undefined): AfterSyncHook | undefined {
  if (!hook) return undefined;
  return {
    cmd: hook.cmd,
    args: hook.args ?? [],
    workdir: hook.workdir,
    env: { ...(hook.env ?? {}) },
    timeoutMs: durationMs(hook.timeout, DEFAULT_HOOK_TIMEOUT_MS, `task '${task}' hooks.after-sync.timeout`),
    when: hook.when ?? 'copied',
  };
}

/** JSON with object keys sorted, so equal content gives equal text whatever the key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

export function resolveTask(task: Task, index: number): ResolvedTask {
  const mappings = (task.mappings ?? []).map((m, i) => resolveMapping(task.name, m, i, task.backup));
  const timing = resolveTiming(task);
  const afterSync = resolveHook(task.name, task.hooks?.['after-sync']);
  const targets = targetsOf(task);
  // What the key holds is what a run or the scheduler reads, in resolved form (durations in ms,
  // the schedule as fields and zone): writing `delay: 2000ms` for `2s` is no change.
  const key = canonical({
    name: task.name,
    source: task.source,
    targets,
    verbose: task.verbose === true,
    mappings: mappings.map((m) => {
      const raw = task.mappings?.[m.index];
      return { from: m.from, to: m.to, tags: raw?.tags ?? null, platform: m.platformText ?? null, force: m.force, backup: m.backup?.text ?? null, referrers: m.referrers, allow: raw?.allow ?? null, deny: raw?.deny ?? null };
    }),
    timing: { ...timing, cron: timing.cron ? { expr: timing.cron.expr, tz: timing.cron.timezone ?? null } : null },
    afterSync: afterSync ?? null,
  });
  return {
    name: task.name,
    index,
    config: task,
    source: task.source,
    target: targets[0]!,
    targets,
    script: resolveScript(task),
    verbose: task.verbose === true,
    mappings,
    timing,
    afterSync,
    key,
  };
}

export function resolveTasks(config: Config): ResolvedTask[] {
  return (config.tasks ?? []).map((t, i) => resolveTask(t, i));
}

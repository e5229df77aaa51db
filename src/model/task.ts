/**
 * The resolved model: every string of a task's config (tag sets, path mappings, platforms,
 * schedule, durations) parsed once, when the config is loaded. Runs only read it, and a
 * reload compares tasks by `key`, so "did this task change?" is one string comparison.
 */
import type { HookWhen, Location, Task } from '../config/schema.js';
import type { NameFilter } from '../mapping/name-filter.js';
import type { PathMapping } from '../mapping/path-mapping.js';
import type { BackupTemplate } from '../plan/backup-name.js';
import type { ScriptListerSpec } from '../mapping/script-lister.js';
import type { PlatformChoice } from '../plan/platform.js';
import type { CronSchedule } from '../schedule/cron.js';
import type { TagSet } from '../tags/tag-set.js';

export interface ResolvedMapping {
  /** Position in the task's `mappings`, for messages. */
  index: number;
  /** As written, for logs and reports. */
  from: string;
  to: string | undefined;
  platformText: string | undefined;
  paths: PathMapping;
  tags: TagSet;
  platform: PlatformChoice;
  force: boolean;
  /** Tag the image a copy would overwrite under this name first (the mapping's `backup`, else the task's). */
  backup: BackupTemplate | undefined;
  /** Copy what refers to each image (signatures, SBOMs) after it. */
  referrers: boolean;
  /** `allow:` / `deny:` lists of repositories and tags (not in dregsy). */
  names: NameFilter;
}

/** When a task runs. */
export interface TaskTiming {
  /** Periodic by `interval`; undefined when not. */
  intervalMs: number | undefined;
  /** Periodic by `schedule`; undefined when not. */
  cron: CronSchedule | undefined;
  /** Reacts to push events (`webhook: true`). */
  webhook: boolean;
  runOnStart: boolean;
  /** Quiet period for push events and triggers before a run. */
  delayMs: number;
  disabled: boolean;
}

export interface AfterSyncHook {
  cmd: string;
  args: string[];
  workdir: string | undefined;
  env: Record<string, string>;
  timeoutMs: number;
  when: HookWhen;
}

export interface ResolvedTask {
  name: string;
  /** Position in the config's `tasks` (config order decides who runs first). */
  index: number;
  /** The entry as written: locations carry what credentials and listers need. */
  config: Task;
  source: Location;
  /** The first of `targets` (what `target` names when there is one). */
  target: Location;
  /** `target`, or every entry of `targets` (not in dregsy): each is compared, copied and reported on its own. */
  targets: Location[];
  /** The source's `lister: { type: script }`: its image list comes from this command (not in dregsy). */
  script: ScriptListerSpec | undefined;
  verbose: boolean;
  mappings: ResolvedMapping[];
  timing: TaskTiming;
  afterSync: AfterSyncHook | undefined;
  /** Canonical text of everything a run and the scheduler read: equal keys, equal behaviour. */
  key: string;
}

/** A task that fires by itself again after its runs (interval or schedule). */
export function isPeriodic(t: TaskTiming): boolean {
  return t.intervalMs !== undefined || t.cron !== undefined;
}

/** A task that keeps the daemon alive: periodic, or waiting for push events. */
export function keepsRunning(t: TaskTiming): boolean {
  return !t.disabled && (isPeriodic(t) || t.webhook);
}

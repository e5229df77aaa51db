/**
 * dregsy tasks from the mappings a format module produces. A dregsy task has one source and
 * one target registry (with their credentials and TLS settings) and one schedule, so mappings
 * that share all three become one task, in the order they first appear. Every task gets its
 * own copy of a location, since a comment belongs to one place in the output.
 *
 * `tasks({ fanOut: true })` (image-syncer: one source to several destinations) then joins tasks
 * that differ only in their target (same source, schedule and mappings) into one task with
 * `targets:`, which reads the source once per image for all of them.
 */
import type { DraftLocation, DraftMapping, DraftTask, ImportBuilder } from './import-result.js';

export interface LocationSpec {
  location: DraftLocation;
  /** Comments for the location (or one of its keys), repeated in each task that uses it. */
  comments?: { key?: string; text: string }[];
}

export interface MappingEntry {
  source: LocationSpec;
  target: LocationSpec;
  /** Seconds; undefined or 0 (and no schedule): a one-off task. */
  interval?: number | undefined;
  /** A cron expression instead of the interval. */
  schedule?: string | undefined;
  /** dregsy's `run-on-start`, when the peer does not run at start. */
  runOnStart?: boolean | undefined;
  /** Comments for the task's `interval` or `schedule` key. */
  timingComments?: string[];
  mapping: DraftMapping;
  /** Comments above the mapping. */
  comments?: string[];
  /** Comments on keys of the mapping (`tags`, `platform`). */
  keyComments?: { key: string; text: string }[];
}

interface Group {
  task: DraftTask;
  key: string;
  comments: Set<string>;
}

function hostLabel(registry: unknown): string {
  return String(registry)
    .replace(/\$\{?([A-Za-z0-9_]+)\}?/g, '$1')
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .toLowerCase();
}

export class TaskAssembler {
  private readonly groups: Group[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly builder: ImportBuilder) {}

  add(entry: MappingEntry): DraftMapping {
    const timing = { interval: entry.interval || undefined, schedule: entry.schedule, runOnStart: entry.runOnStart };
    const key = JSON.stringify([entry.source.location, entry.target.location, timing]);
    let group = this.groups.find((g) => g.key === key);
    if (!group) {
      group = this.newGroup(key, entry, timing);
      this.groups.push(group);
    }
    const timingKey = timing.schedule ? 'schedule' : 'interval';
    for (const text of entry.timingComments ?? []) {
      if (group.comments.has(`${timingKey}\0${text}`)) continue;
      group.comments.add(`${timingKey}\0${text}`);
      this.builder.comment(group.task, text, timingKey);
    }
    // its own copy: a list shared by two mappings would come out as a YAML alias
    const mapping = structuredClone(entry.mapping);
    group.task.mappings.push(mapping);
    for (const text of entry.comments ?? []) this.builder.comment(mapping, text);
    for (const c of entry.keyComments ?? []) this.builder.comment(mapping, c.text, c.key);
    return mapping;
  }

  private newGroup(key: string, entry: MappingEntry, timing: { interval?: number | undefined; schedule?: string | undefined; runOnStart?: boolean | undefined }): Group {
    const base = `${hostLabel(entry.source.location.registry)}-to-${hostLabel(entry.target.location.registry)}`;
    let name = base;
    for (let n = 2; this.names.has(name); n++) name = `${base}-${n}`;
    this.names.add(name);
    const source = this.copyLocation(entry.source);
    const target = this.copyLocation(entry.target);
    const task: DraftTask = {
      name,
      ...(timing.interval ? { interval: timing.interval } : {}),
      ...(timing.schedule ? { schedule: timing.schedule } : {}),
      ...(timing.runOnStart !== undefined ? { 'run-on-start': timing.runOnStart } : {}),
      source,
      target,
      mappings: [],
    };
    return { task, key, comments: new Set() };
  }

  private copyLocation(spec: LocationSpec): DraftLocation {
    const location = structuredClone(spec.location);
    for (const c of spec.comments ?? []) this.builder.comment(location, c.text, c.key);
    return location;
  }

  tasks(opts: { fanOut?: boolean } = {}): DraftTask[] {
    const tasks = this.groups.map((g) => g.task);
    return opts.fanOut ? this.joinTargets(tasks) : tasks;
  }

  private joinTargets(tasks: DraftTask[]): DraftTask[] {
    const out: DraftTask[] = [];
    const byRest = new Map<string, DraftTask>();
    for (const task of tasks) {
      const { name: _n, target: _t, targets: _ts, ...rest } = task;
      const key = JSON.stringify(rest);
      const first = byRest.get(key);
      if (!first) {
        byRest.set(key, task);
        out.push(task);
        continue;
      }
      if (first.target) {
        // `targets` where `target` was, before the mappings (keys print in insertion order)
        const { mappings } = first;
        delete (first as Partial<DraftTask>).mappings;
        first.targets = [first.target];
        delete first.target;
        first.mappings = mappings;
        this.builder.comment(first, 'one source to several targets: each image is read once and copied to each target', 'targets');
      }
      first.targets!.push(task.target!);
      first.name = `${first.name}-and-${hostLabel(task.target!.registry)}`;
    }
    return out;
  }
}

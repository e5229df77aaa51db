/**
 * `target` and `targets` (not in dregsy): a task copies to `target`, as in dregsy, or to every
 * entry of `targets`. Exactly one of the two; without either, dregsy's own message for a
 * missing location. Two entries for one registry would write the same repositories twice.
 * Each entry is checked as a location by rules.ts, as `target` is.
 */
import { sameRegistry } from '../registry/hosts.js';
import type { PathSegment } from './config-path.js';
import { error, type Finding } from './finding.js';

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The task's target locations as written, each with its path (for the location checks). */
export function targetLocations(task: Raw, path: PathSegment[]): { raw: unknown; path: PathSegment[] }[] {
  const out: { raw: unknown; path: PathSegment[] }[] = [];
  if (task.target != null) out.push({ raw: task.target, path: [...path, 'target'] });
  if (Array.isArray(task.targets)) task.targets.forEach((raw, k) => out.push({ raw, path: [...path, 'targets', k] }));
  return out;
}

export function checkTargets(task: Raw, path: PathSegment[]): Finding[] {
  const hasTarget = task.target != null;
  const targets = task.targets;
  if (targets == null) return hasTarget ? [] : [error([...path, 'target'], 'location is nil')];
  if (!Array.isArray(targets)) return []; // the schema says what it should be
  if (hasTarget) return [error([...path, 'targets'], "'target' and 'targets' cannot both be set: use 'targets' alone for several")];
  if (targets.length === 0) return [error([...path, 'targets'], "'targets' is empty: name at least one registry to copy to")];
  const out: Finding[] = [];
  const seen: { registry: string; index: number }[] = [];
  targets.forEach((t, k) => {
    if (t == null) {
      out.push(error([...path, 'targets', k], 'location is nil'));
      return;
    }
    const registry = isRecord(t) && typeof t.registry === 'string' ? t.registry : undefined;
    if (!registry) return;
    const first = seen.find((s) => sameRegistry(s.registry, registry));
    if (first) out.push(error([...path, 'targets', k, 'registry'], `'${registry}' is already targets[${first.index}]: each registry once`));
    else seen.push({ registry, index: k });
  });
  return out;
}

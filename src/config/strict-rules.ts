/**
 * Rules that are not dregsy's: mistakes dregsy accepts at load and then fails on image by
 * image (or silently does nothing about), found here at load so the run never starts.
 * - A config without `tasks` (an empty file, a typo'd key) syncs nothing and says so only in
 *   a warning; a deployment would look healthy while mirroring nothing. An explicit
 *   `tasks: []` stays allowed: that one is written on purpose.
 * - Credentials written into a registry name (`user:pw@host`) are no host any client can
 *   reach, and the name is printed in every log line and report: the secret would leak.
 *   ECR public's `<account>[:<region>]@public.ecr.aws` is dregsy's own syntax and stays valid.
 * - Repository names are lower case in the distribution spec: every registry refuses a push
 *   to `Team/App`, so a mapping whose target path has upper case cannot succeed.
 * - No task name, registry, path or tag can hold a control character (a YAML escape such as
 *   `"\e[2J"` writes one); they are printed in every log line, where they would reach the
 *   terminal.
 */
import { parsePathMapping, type PathMapping } from '../mapping/path-mapping.js';
import type { PathSegment } from './config-path.js';
import { error, type Finding } from './finding.js';
import { ecrInfo } from './registry-host.js';

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `raw` is the whole file's data; when it is no mapping the schema says so, and nothing more is said here. */
export function checkStrictRules(raw: unknown): Finding[] {
  if (!isRecord(raw)) return [];
  const config = raw;
  const out: Finding[] = [];
  if (config.tasks === undefined || config.tasks === null) {
    out.push(error(['tasks'], "no 'tasks' in the config: there is nothing to sync"));
  }
  if (!Array.isArray(config.tasks)) return out;
  config.tasks.forEach((task, i) => {
    if (!isRecord(task)) return;
    out.push(...checkControlCharacters(task, ['tasks', i]));
    for (const role of ['source', 'target'] as const) out.push(...checkRegistryName(task[role], ['tasks', i, role]));
    if (Array.isArray(task.targets)) task.targets.forEach((t, k) => out.push(...checkRegistryName(t, ['tasks', i, 'targets', k])));
    if (Array.isArray(task.mappings)) {
      task.mappings.forEach((mapping, j) => out.push(...checkTargetCase(mapping, ['tasks', i, 'mappings', j])));
    }
  });
  return out;
}

function checkRegistryName(location: unknown, path: PathSegment[]): Finding[] {
  if (!isRecord(location) || typeof location.registry !== 'string') return [];
  const registry = location.registry;
  if (!registry.includes('@')) return [];
  const ecr = ecrInfo(registry);
  if (ecr.ecr && ecr.public) return [];
  // the value is not repeated: what comes before '@' is most likely a password
  return [error([...path, 'registry'], "a registry is 'host[:port]', without credentials ('user:password@'): put them in 'auth' or 'auth-file'")];
}

/** The literal part of the target path must be lower case; a `to: regex:` result is known only at run time. */
function checkTargetCase(mapping: unknown, path: PathSegment[]): Finding[] {
  if (!isRecord(mapping) || typeof mapping.from !== 'string' || mapping.from === '') return [];
  const to = typeof mapping.to === 'string' ? mapping.to : undefined;
  const parsed = parsePathMapping(mapping.from, to);
  if (!parsed.ok) return []; // the mapping's own problems are reported by rules.ts
  const literal = literalTargetPart(parsed.mapping);
  // one problem per field: a control character is reported on its own
  if (literal === undefined || literal === literal.toLowerCase() || CONTROL.test(literal)) return [];
  const field = to ? 'to' : 'from';
  return [error([...path, field], `target repository '${literal.replace(/^\//, '')}' has upper-case letters: registries accept only lower-case repository names`)];
}

function literalTargetPart(m: PathMapping): string | undefined {
  if (m.to.kind === 'regex') return undefined;
  if (m.to.kind === 'path') return m.to.path;
  return m.from.kind === 'path' ? m.from.path : undefined;
}

const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** The names a task's log lines and reports show. */
function checkControlCharacters(task: Raw, path: PathSegment[]): Finding[] {
  const texts: [unknown, PathSegment[]][] = [[task.name, [...path, 'name']]];
  for (const role of ['source', 'target'] as const) {
    const location = task[role];
    if (isRecord(location)) texts.push([location.registry, [...path, role, 'registry']]);
  }
  if (Array.isArray(task.targets)) {
    task.targets.forEach((t, k) => {
      if (isRecord(t)) texts.push([t.registry, [...path, 'targets', k, 'registry']]);
    });
  }
  if (Array.isArray(task.mappings)) {
    task.mappings.forEach((mapping, j) => {
      if (!isRecord(mapping)) return;
      const at = [...path, 'mappings', j];
      texts.push([mapping.from, [...at, 'from']], [mapping.to, [...at, 'to']]);
      if (Array.isArray(mapping.tags)) mapping.tags.forEach((tag, k) => texts.push([tag, [...at, 'tags', k]]));
    });
  }
  return texts
    .filter(([text]) => typeof text === 'string' && CONTROL.test(text))
    .map(([, at]) => error(at, 'holds a control character, which no name, path or tag can have'));
}

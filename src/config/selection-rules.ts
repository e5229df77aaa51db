/**
 * Rules for what we add to dregsy's image selection (not in dregsy): a mapping's `allow:` /
 * `deny:` lists, and the `script` lister, whose command gives the source's image list.
 */
import { parseNameFilter } from '../mapping/name-filter.js';
import type { PathSegment } from './config-path.js';
import { error, warning, type Finding } from './finding.js';
import { listerSchema, mappingSchema } from './schema.js';
import { yamlDuration } from './yaml-scalar.js';

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Each bad expression of `allow:` / `deny:` at its own path. */
export function checkNameLists(mapping: Raw, path: PathSegment[]): Finding[] {
  const read = (key: 'allow' | 'deny') => {
    const r = mappingSchema.shape[key].safeParse(mapping[key]);
    return r.success ? r.data : undefined;
  };
  const parsed = parseNameFilter(read('allow'), read('deny'));
  return parsed.ok ? [] : parsed.problems.map((p) => error([...path, p.list, p.field, p.index], p.message));
}

const SCRIPT_KEYS = ['cmd', 'args', 'workdir', 'env', 'timeout'] as const;

/**
 * One location's `lister` when it is, or has keys of, the script lister. `role` and `selects`
 * (some mapping reads the source's list) decide what is worth a warning.
 */
export function checkScriptLister(lister: Raw, path: PathSegment[], type: string | undefined, role: 'source' | 'target', selects: boolean): Finding[] {
  const at = [...path, 'lister'];
  if (type !== 'script') {
    const stray = SCRIPT_KEYS.filter((k) => lister[k] != null);
    return stray.map((k) => error([...at, k], `'${k}' belongs to the script lister: set 'type: script', or remove it`));
  }
  const out: Finding[] = [];
  const cmd = listerSchema.shape.cmd.safeParse(lister.cmd);
  if (!cmd.success || !cmd.data) out.push(error(at, "script lister requires 'cmd', the command that prints the image list"));
  const timeout = listerSchema.shape.timeout.safeParse(lister.timeout);
  const d = timeout.success && timeout.data !== undefined ? yamlDuration(timeout.data) : undefined;
  if (d?.ok && d.ns <= 0n) out.push(error([...at, 'timeout'], 'must be more than 0'));
  else if (d?.ok && d.fromNumber) out.push(warning([...at, 'timeout'], "a bare number is nanoseconds; write a duration such as '2m'"));
  if (role === 'target') out.push(warning(at, 'a target is never listed: the script lister belongs to the source'));
  else if (!selects) out.push(warning(at, "no mapping reads the list (from: regex:… or from: '*'), so the script never runs"));
  return out;
}

/** The raw `lister` mapping of a location, if it has one. */
export function rawLister(location: unknown): Raw | undefined {
  return isRecord(location) && isRecord(location.lister) ? location.lister : undefined;
}
